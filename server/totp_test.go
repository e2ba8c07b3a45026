package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storage"
	"github.com/okapi-erp/okapi/storetest"
	"github.com/okapi-erp/okapi/totp"
)

// totpEnv is a server with its default flags (the cooldown on), an
// operator's auth service on the same database (another process's view,
// as the command line has it), and a clock both share.
type totpEnv struct {
	t       *testing.T
	url     string
	clock   *testclock.Clock
	op      *auth.Service
	opened  *storage.Opened
	version int
	prefs   string
}

func newTOTPEnv(t *testing.T, dialect string, version int) *totpEnv {
	t.Helper()
	opt := storetest.Options(t, dialect)
	e := &totpEnv{t: t, clock: testclock.New(time.Now()), version: version}
	s := servertest.Start(t, server.Config{DataDir: opt.DataDir, DBURL: opt.URL, Version: version, DBName: "acme",
		AdminPassword: storetest.AdminPassword, Log: slog.New(slog.DiscardHandler), Now: e.clock.Now})
	e.url = s.URL()
	hasher, _, err := storage.Pepper(opt.DataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	opt.MustExist = true
	if e.opened, err = storage.Open(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.opened.Store.Close() })
	if e.op, err = auth.New(auth.Config{Profile: okapi.MustProfile(version), Store: e.opened.Store, Hasher: hasher, Now: e.clock.Now}); err != nil {
		t.Fatal(err)
	}
	e.prefs = "/web/preferences"
	if version >= 19 {
		e.prefs = "/odoo/preferences"
	}
	return e
}

func (e *totpEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// send makes a request and returns its status, its Location and its body.
func (e *totpEnv) send(c *http.Client, method, path string, form url.Values) (int, string, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, e.url+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var (
	totpSecretRe = regexp.MustCompile(`id="totp-secret"[^>]*>([A-Z2-7 ]+)<`)
	totpTokenRe  = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

func match(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not in page:\n%s", re, body)
	}
	return html.UnescapeString(m[1])
}

// passwordStep posts the login form and returns where it leads.
func (e *totpEnv) passwordStep(c *http.Client, login, password string) string {
	e.t.Helper()
	_, _, form := e.send(c, "GET", "/web/login", nil)
	st, to, body := e.send(c, "POST", "/web/login", url.Values{"csrf_token": {formToken(e.t, form)}, "login": {login}, "password": {password}})
	if st != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d\n%s", login, st, body)
	}
	return to
}

// codeStep posts a code to /web/login/totp and returns the status, where
// it leads and the page.
func (e *totpEnv) codeStep(c *http.Client, code string, remember bool) (int, string, string) {
	e.t.Helper()
	_, _, form := e.send(c, "GET", "/web/login/totp", nil)
	f := url.Values{"csrf_token": {formToken(e.t, form)}, "totp_token": {code}}
	if remember {
		f.Set("remember", "1")
	}
	return e.send(c, "POST", "/web/login/totp", f)
}

// rpc calls every external path with secret and reports what each said.
type rpcOutcome struct {
	authenticate any    // uid or false
	executeFault any    // nil, or the fault code
	jsonrpcError string // "", or the exception's name
	session      any    // /web/session/authenticate's uid (nil: null)
}

func (e *totpEnv) rpcPaths(login, secret string, uid int64) rpcOutcome {
	e.t.Helper()
	ctx := context.Background()
	var out rpcOutcome
	xc, _ := client.New(client.Config{URL: e.url, DB: "acme", Login: login, Key: secret, Protocol: client.XMLRPC})
	res, err := xc.Call(ctx, "common", "authenticate", "acme", login, secret, map[string]any{})
	if err != nil {
		e.t.Fatalf("authenticate: %v", err)
	}
	out.authenticate = res
	if _, err := xc.Call(ctx, "object", "execute_kw", "acme", uid, secret, "res.partner", "search_count", []any{[]any{}}); err != nil {
		ce, ok := err.(*client.Error)
		if !ok {
			e.t.Fatalf("execute_kw: %v", err)
		}
		out.executeFault = ce.FaultCode
	}
	jc, _ := client.New(client.Config{URL: e.url, DB: "acme", Login: login, Key: secret, Protocol: client.JSONRPC})
	if _, err := jc.Call(ctx, "object", "execute_kw", "acme", uid, secret, "res.partner", "search_count", []any{[]any{}}); err != nil {
		ce, ok := err.(*client.Error)
		if !ok {
			e.t.Fatalf("JSON-RPC execute_kw: %v", err)
		}
		out.jsonrpcError = ce.Name
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"db": "acme", "login": login, "password": secret}})
	resp, err := http.Post(e.url+"/web/session/authenticate", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Result map[string]any `json:"result"`
		Error  map[string]any `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&answer)
	if answer.Result != nil {
		out.session = answer.Result["uid"]
	} else {
		out.session = "error"
	}
	return out
}

// TestTOTP is the whole two-factor story on both databases, through real
// HTTP, with the server's default flags: every external path before and
// after activation, the activation dialog, the second login step with
// wrong, replayed and skewed codes, the trusted device and its revocation,
// and the administrator turning it off.
func TestTOTP(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		for _, version := range []int{17, 19} {
			t.Run(fmt.Sprintf("%s/%d", dialect, version), func(t *testing.T) { testTOTP(t, dialect, version) })
		}
	}
}

func testTOTP(t *testing.T, dialect string, version int) {
	e := newTOTPEnv(t, dialect, version)
	ctx := context.Background()
	alice, err := e.op.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-Secret-9", Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	req := auth.KeyRequest{UserID: alice.ID, Name: "tool"}
	if version >= 18 {
		req.Days = 30
	}
	key, _, err := e.op.CreateKey(ctx, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	const pw = "alice-Secret-9"

	// Before: the password and the key both work everywhere.
	if got := e.rpcPaths("alice", pw, alice.ID); got.authenticate != alice.ID || got.executeFault != nil || got.jsonrpcError != "" ||
		got.session != float64(alice.ID) {
		t.Fatalf("password before 2FA: %+v", got)
	}

	// Activation: the identity check first, then the dialog.
	b := e.browser()
	if to := e.passwordStep(b, "alice", pw); strings.Contains(to, "totp") {
		t.Fatalf("2FA off, yet the login goes to %s", to)
	}
	st, to, _ := e.send(b, "GET", e.prefs+"/totp/enable", nil)
	if st != http.StatusSeeOther || to != e.prefs+"/identity?do=totp-enable" {
		t.Fatalf("enable without the identity check: %d → %s", st, to)
	}
	_, _, page := e.send(b, "GET", to, nil)
	st, to, _ = e.send(b, "POST", e.prefs+"/identity", url.Values{"csrf_token": {formToken(t, page)}, "do": {"totp-enable"}, "password": {pw}})
	if st != http.StatusSeeOther || to != e.prefs+"/totp/enable" {
		t.Fatalf("identity check: %d → %s", st, to)
	}
	_, _, dialog := e.send(b, "GET", to, nil)
	secret := totp.Compact(match(t, totpSecretRe, dialog))
	if !strings.Contains(dialog, `src="data:image/png;base64,`) {
		t.Fatal("the dialog has no QR code image")
	}
	words := map[int]string{17: "Activate", 19: "Enable Two-Factor Authentication"}[version]
	if !strings.Contains(dialog, words) {
		t.Fatalf("the dialog lacks the version's button %q", words)
	}
	form := url.Values{"csrf_token": {formToken(t, dialog)}, "token": {match(t, totpTokenRe, dialog)}}
	wrong := wrongCode(t, secret, e.clock.Now())
	form.Set("code", wrong)
	st, _, page = e.send(b, "POST", e.prefs+"/totp/enable", form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, auth.MsgTOTPWrong) ||
		totp.Compact(match(t, totpSecretRe, page)) != secret {
		t.Fatalf("a wrong code: %d; want the dialog open with the same secret and %q", st, auth.MsgTOTPWrong)
	}
	code, _ := totp.Code(secret, e.clock.Now())
	form.Set("code", code)
	if st, to, _ = e.send(b, "POST", e.prefs+"/totp/enable", form); st != http.StatusSeeOther || !strings.Contains(to, "done=2fa-on") {
		t.Fatalf("the right code: %d → %s", st, to)
	}
	var stored string
	if err := e.opened.Store.DB().QueryRow(ctx, `SELECT secret FROM user_totp WHERE user_id = ?`, alice.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, secret) || strings.Contains(strings.ToLower(stored), strings.ToLower(secret)) {
		t.Fatal("the database holds the 2FA secret in clear")
	}
	if _, _, page = e.send(b, "GET", e.prefs+"?tab=security", nil); strings.Contains(page, secret) || strings.Contains(page, totp.Group(secret)) {
		t.Fatal("the secret is shown again after activation")
	}

	// After: the password is refused on every external path, the key works.
	if got := e.rpcPaths("alice", pw, alice.ID); got.authenticate != false || got.executeFault != int64(3) ||
		got.jsonrpcError != "odoo.exceptions.AccessDenied" || got.session != nil {
		t.Fatalf("password with 2FA on: %+v; want false, Fault 3, AccessDenied, uid null", got)
	}
	if got := e.rpcPaths("alice", key, alice.ID); got.authenticate != alice.ID || got.executeFault != nil || got.jsonrpcError != "" {
		t.Fatalf("key with 2FA on: %+v", got)
	}

	// The login asks for the code; wrong, replayed and skewed codes fail.
	b2 := e.browser()
	if to := e.passwordStep(b2, "alice", pw); to != "/web/login/totp" {
		t.Fatalf("password step leads to %s, want /web/login/totp", to)
	}
	for _, c := range []struct{ code, msg string }{
		{wrongCode(t, secret, e.clock.Now()), auth.MsgTOTPWrong},
		{code, auth.MsgTOTPReplay}, // the activation's code, same step
		{mustCode(t, secret, e.clock.Now().Add(2*totp.Period)), auth.MsgTOTPWrong},
		{mustCode(t, secret, e.clock.Now().Add(-2*totp.Period)), auth.MsgTOTPWrong},
		{"12ab56", auth.MsgTOTPFormat},
	} {
		st, to, page := e.codeStep(b2, c.code, false)
		if st != http.StatusOK || !strings.Contains(page, html.EscapeString(c.msg)) {
			t.Fatalf("code %s: %d → %s; want the form again with %q\n%s", c.code, st, to, c.msg, page)
		}
	}
	e.clock.Advance(totp.Period)
	next := mustCode(t, secret, e.clock.Now().Add(totp.Period)) // the app's clock runs 30 s ahead: within the window
	st, to, _ = e.codeStep(b2, next, true)
	if st != http.StatusSeeOther || to != map[bool]string{true: "/odoo", false: "/web"}[version >= 19] {
		t.Fatalf("the right code: %d → %s", st, to)
	}
	var device *http.Cookie
	for _, c := range b2.Jar.Cookies(mustURL(t, e.url)) {
		if c.Name == "td_id" {
			device = c
		}
	}
	if device == nil || !okapi.LooksLikeKey(device.Value) {
		t.Fatal("no trusted-device cookie after \"Don't ask again on this device\"")
	}
	if _, _, page := e.codeStep(e.fresh(t, pw), next, false); !strings.Contains(page, html.EscapeString(auth.MsgTOTPReplay)) {
		t.Fatal("the same code was accepted twice")
	}

	// The trusted device skips the code; revoked, it asks again.
	b3 := e.browser()
	b3.Jar.SetCookies(mustURL(t, e.url), []*http.Cookie{{Name: "td_id", Value: device.Value, Path: "/"}})
	if to := e.passwordStep(b3, "alice", pw); strings.Contains(to, "totp") {
		t.Fatalf("trusted device asked for a code (%s)", to)
	}
	_, _, page = e.send(b, "GET", e.prefs+"?tab=security", nil)
	devID := match(t, regexp.MustCompile(`data-device-id="(\d+)"`), page)
	if st, to, _ = e.send(b, "POST", e.prefs+"/totp/devices/"+devID+"/revoke", url.Values{"csrf_token": {formToken(t, page)}}); st != http.StatusSeeOther ||
		!strings.Contains(to, "done=2fa-devices") {
		t.Fatalf("revoke: %d → %s", st, to)
	}
	b4 := e.browser()
	b4.Jar.SetCookies(mustURL(t, e.url), []*http.Cookie{{Name: "td_id", Value: device.Value, Path: "/"}})
	if to := e.passwordStep(b4, "alice", pw); to != "/web/login/totp" {
		t.Fatalf("revoked device: login goes to %s", to)
	}

	// An administrator turns it off on the user's page.
	ab := e.browser()
	e.passwordStep(ab, "admin", storetest.AdminPassword)
	users := "/web/settings/users/"
	if version >= 19 {
		users = "/odoo/settings/users/"
	}
	_, _, page = e.send(ab, "GET", users+fmt.Sprint(alice.ID), nil)
	if !strings.Contains(page, "Disable two-factor authentication") {
		t.Fatal("the user's page has no way to turn 2FA off")
	}
	if st, _, _ = e.send(ab, "POST", users+fmt.Sprint(alice.ID)+"/totp/disable", url.Values{"csrf_token": {formToken(t, page)}}); st != http.StatusSeeOther {
		t.Fatalf("admin disable: %d", st)
	}
	if got := e.rpcPaths("alice", pw, alice.ID); got.authenticate != alice.ID || got.executeFault != nil {
		t.Fatalf("password after 2FA was turned off: %+v", got)
	}

	// Turned on by another process (the command line): the running
	// server refuses the password as soon as the change feed tells it.
	uri, err := e.op.EnableTOTPSecret(ctx, alice.ID, "acme")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.rpcPaths("alice", pw, alice.ID).authenticate != false {
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts the password 5 s after 2FA was turned on elsewhere")
		}
		time.Sleep(50 * time.Millisecond)
		e.rpcPaths("alice", key, alice.ID) // a success clears the cooldown count
	}

	// Wrong codes count towards the cooldown (Odoo's 5 failures, 60 s):
	// the sixth try is not even evaluated, the right code included.
	u, _ := url.Parse(uri)
	secret = u.Query().Get("secret")
	b5 := e.fresh(t, pw)
	for range 5 {
		e.codeStep(b5, wrongCode(t, secret, e.clock.Now()), false)
	}
	if _, _, page := e.codeStep(b5, mustCode(t, secret, e.clock.Now()), false); !strings.Contains(page, okapi.MsgCooldown) {
		t.Fatal("the right code was taken after five wrong ones, during the cooldown")
	}
	e.clock.Advance(61 * time.Second)
	if st, _, _ := e.codeStep(b5, mustCode(t, secret, e.clock.Now()), false); st != http.StatusSeeOther {
		t.Fatalf("the right code after the cooldown: %d", st)
	}

	// JSON-2 (19) takes the key with 2FA on.
	if version >= 19 {
		req, _ := http.NewRequest("POST", e.url+"/json/2/res.partner/search_count", strings.NewReader(`{"domain": []}`))
		req.Header.Set("Authorization", "bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("JSON-2 with the key and 2FA on: %d", resp.StatusCode)
		}
	}

	// The user turns it off themself: the identity check first, once the
	// last one is older than ten minutes.
	e.clock.Advance(11 * time.Minute)
	_, _, page = e.send(b5, "GET", e.prefs+"?tab=security", nil)
	st, to, _ = e.send(b5, "POST", e.prefs+"/totp/disable", url.Values{"csrf_token": {formToken(t, page)}})
	if st != http.StatusSeeOther || to != e.prefs+"/identity?do=totp-disable" {
		t.Fatalf("disable without the identity check: %d → %s", st, to)
	}
	_, _, page = e.send(b5, "GET", to, nil)
	st, to, _ = e.send(b5, "POST", e.prefs+"/identity", url.Values{"csrf_token": {formToken(t, page)}, "do": {"totp-disable"}, "password": {pw}})
	if st != http.StatusSeeOther || !strings.Contains(to, "done=2fa-off") {
		t.Fatalf("disable after the identity check: %d → %s", st, to)
	}
	if got := e.rpcPaths("alice", pw, alice.ID); got.authenticate != alice.ID {
		t.Fatalf("password after the user turned 2FA off: %+v", got)
	}
}

// fresh is a browser past the password step.
func (e *totpEnv) fresh(t *testing.T, pw string) *http.Client {
	c := e.browser()
	if to := e.passwordStep(c, "alice", pw); to != "/web/login/totp" {
		t.Fatalf("password step leads to %s", to)
	}
	return c
}

func mustCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.Code(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a code no step of the window gives.
func wrongCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	for n := 0; ; n++ {
		c := fmt.Sprintf("%06d", (123456+n*7919)%1000000)
		if _, err := totp.Check(secret, c, now); err != nil {
			return c
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
