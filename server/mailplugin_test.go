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
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// pluginEnv is a running server and a browser for the add-in scenarios.
type pluginEnv struct {
	t     *testing.T
	s     *server.Server
	url   string
	clock *testclock.Clock
	log   *servertest.LogBuffer
	// prefix is the version's own prefix of the add-in routes.
	prefix string
}

func newPluginEnv(t *testing.T, dialect string, version int) *pluginEnv {
	t.Helper()
	opt := storetest.Options(t, dialect)
	e := &pluginEnv{t: t, clock: testclock.New(time.Now()), log: &servertest.LogBuffer{}}
	logger := slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := servertest.Start(t, server.Config{DataDir: opt.DataDir, DBURL: opt.URL,
		Version: version, DBName: "okapi", AdminPassword: "admin", Log: logger, Now: e.clock.Now,
		Cooldown: &auth.Cooldown{After: 5, Duration: time.Minute, PerLogin: true}})
	e.s, e.url = s, s.URL()
	e.prefix = okapi.MustProfile(version).MailPluginPrefixes()[0]
	return e
}

// browser keeps cookies and does not follow redirects.
func (e *pluginEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *pluginEnv) do(c *http.Client, req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *pluginEnv) get(c *http.Client, path string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	return e.do(c, req)
}

func (e *pluginEnv) postForm(c *http.Client, path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func formToken(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// login logs c in through the login form, as a person does when the
// add-in opens /web/login?redirect=/mail_plugin/auth?....
func (e *pluginEnv) login(c *http.Client, login, password, redirect string) string {
	e.t.Helper()
	_, form := e.get(c, "/web/login?redirect="+url.QueryEscape(redirect))
	resp, body := e.postForm(c, "/web/login", url.Values{"csrf_token": {formToken(e.t, form)}, "login": {login},
		"password": {password}, "redirect": {redirect}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d\n%s", login, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// rpc posts a JSON-RPC call the way the add-ins do, with the key in the
// Authorization header as given ("Bearer KEY" for Gmail, "KEY" for
// Outlook), and returns the status and the decoded envelope.
func (e *pluginEnv) rpc(path, authorization string, params map[string]any) (int, map[string]any) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 0, "method": "call", "params": params})
	req, _ := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, text := e.do(http.DefaultClient, req)
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		e.t.Fatalf("POST %s: status %d, not JSON: %q", path, resp.StatusCode, text)
	}
	if strings.HasPrefix(path, "/mail_") && resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		e.t.Errorf("POST %s: no CORS header", path)
	}
	return resp.StatusCode, out
}

// result is the "result" of a successful call.
func (e *pluginEnv) result(path, authorization string, params map[string]any) any {
	e.t.Helper()
	status, out := e.rpc(path, authorization, params)
	if status != http.StatusOK || out["error"] != nil {
		e.t.Fatalf("POST %s: status %d, %v", path, status, out["error"])
	}
	return out["result"]
}

const callback = "https://addin.example.com/login_success.html?keep=1"

// consent runs the browser part: the auth page, then Allow (or Deny), and
// returns the callback URL the browser is sent to.
func (e *pluginEnv) consent(c *http.Client, allow bool) *url.URL {
	e.t.Helper()
	q := url.Values{"scope": {"outlook"}, "friendlyname": {"Outlook"}, "redirect": {callback}, "state": {"st4te"}}
	resp, page := e.get(c, e.prefix+"/auth?"+q.Encode())
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("auth page: status %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"Connect Outlook?", "addin.example.com", `value="st4te"`} {
		if !strings.Contains(page, want) {
			e.t.Errorf("auth page lacks %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://addin.example.com") {
		e.t.Errorf("auth page CSP does not let the form lead to the add-in: %q", csp)
	}
	form := url.Values{"csrf_token": {formToken(e.t, page)}, "scope": {"outlook"}, "friendlyname": {"Outlook"},
		"redirect": {callback}, "info": {""}, "state": {"st4te"}}
	if allow {
		form.Set("do", "1")
	}
	resp, body := e.postForm(c, e.prefix+"/auth/confirm", form)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("confirm: status %d\n%s", resp.StatusCode, body)
	}
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || to.Host != "addin.example.com" || to.Path != "/login_success.html" || to.Query().Get("keep") != "1" ||
		to.Query().Get("state") != "st4te" {
		e.t.Fatalf("confirm sent the browser to %q", resp.Header.Get("Location"))
	}
	return to
}

// xmlrpcAuthenticate calls common.authenticate and returns the raw answer.
func (e *pluginEnv) xmlrpcAuthenticate(login, key string) string {
	e.t.Helper()
	body := `<?xml version="1.0"?><methodCall><methodName>authenticate</methodName><params>` +
		`<param><value><string>okapi</string></value></param><param><value><string>` + login + `</string></value></param>` +
		`<param><value><string>` + key + `</string></value></param><param><value><struct></struct></value></param></params></methodCall>`
	resp, err := http.Post(e.url+"/xmlrpc/2/common", "text/xml", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// adminCall runs execute_kw over JSON-RPC as the administrator.
func (e *pluginEnv) adminCall(model, method string, args []any, kwargs map[string]any) any {
	e.t.Helper()
	uid := e.result("/jsonrpc", "", map[string]any{"service": "common", "method": "login", "args": []any{"okapi", "admin", "admin"}})
	return e.result("/jsonrpc", "", map[string]any{"service": "object", "method": "execute_kw",
		"args": []any{"okapi", uid, "admin", model, method, args, kwargs}})
}

// TestMailPluginFlow plays the Outlook and Gmail add-ins against a real
// server: the version probe, the consent in a browser, the code exchange,
// the contact, chatter and lead routes, and every refusal.
func TestMailPluginFlow(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		for _, version := range []int{14, 17, 18, 19} {
			t.Run(fmt.Sprintf("%s/%d", dialect, version), func(t *testing.T) { testMailPluginFlow(t, dialect, version) })
		}
	}
}

func testMailPluginFlow(t *testing.T, dialect string, version int) {
	e := newPluginEnv(t, dialect, version)
	ctx := context.Background()
	mia, err := e.s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "mia", Password: "mia-Secret-42", Name: "Mia Wallace", Email: "mia@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "paula", Password: "paula-Secret-42", Name: "Paula Portal",
		Email: "paula@example.com", Kind: okapi.KindPortal}); err != nil {
		t.Fatal(err)
	}

	// 0. Odoo 14 serves the routes under /mail_client_extension only; from
	// 15, under /mail_plugin, with 14's paths kept for older add-ins.
	// check_version exists from 17, under /mail_plugin only.
	modern := version >= 15
	// A path a version does not serve is 404 (18: the login redirect).
	missing := http.StatusNotFound
	if version == 18 {
		missing = http.StatusSeeOther
	}
	wantOld, wantNew := missing, http.StatusOK
	if version < 17 {
		wantNew = missing
	}
	// probe is a route any key of the add-in may call: get_translations,
	// or 14's modules/get.
	probe := e.prefix + "/get_translations"
	if !modern {
		probe = e.prefix + "/modules/get"
	}
	for path, want := range map[string]int{"/mail_client_extension/auth/check_version": wantOld, "/mail_plugin/auth/check_version": wantNew} {
		if status := postStatus(t, e.url+path); status != want {
			t.Errorf("POST %s: status %d, want %d", path, status, want)
		}
	}

	// 1. The probes: Outlook's check_version, Gmail's empty exchange, and
	// the browsers' preflight.
	if version >= 17 {
		if got := e.result(e.prefix+"/auth/check_version", "", map[string]any{}); got != float64(1) {
			t.Errorf("check_version = %v, want 1", got)
		}
	}
	if got := e.result(e.prefix+"/auth/access_token", "", map[string]any{"auth_code": false}); !isInvalidCode(got) {
		t.Errorf("access_token without a code = %v", got)
	}
	for _, path := range []string{e.prefix + "/auth/access_token", e.prefix + "/partner/get"} {
		req, _ := http.NewRequest(http.MethodOptions, e.url+path, nil)
		req.Header.Set("Origin", "https://addin.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, _ := e.do(http.DefaultClient, req)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("OPTIONS %s: %d %v", path, resp.StatusCode, resp.Header)
		}
	}

	// 2. Not logged in: the auth page sends the browser to the login form,
	// which comes back to it.
	b := e.browser()
	authPath := e.prefix + "/auth?scope=outlook&friendlyname=Outlook&redirect=" + url.QueryEscape(callback) + "&state=st4te"
	resp, _ := e.get(b, authPath)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/web/login?redirect=") {
		t.Fatalf("auth page without a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if to := e.login(b, "mia", "mia-Secret-42", authPath); to != authPath {
		t.Errorf("login sent the browser to %q, want back to the auth page", to)
	}

	// 3. A form without its CSRF token is refused.
	resp, _ = e.postForm(b, e.prefix+"/auth/confirm", url.Values{"scope": {"outlook"}, "friendlyname": {"Outlook"},
		"redirect": {callback}, "do": {"1"}})
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("confirm without CSRF token: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A callback that is not http(s) is refused.
	resp, _ = e.get(b, e.prefix+"/auth?scope=outlook&friendlyname=Outlook&redirect="+url.QueryEscape("javascript:alert(1)"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("javascript: callback: status %d, want 400", resp.StatusCode)
	}

	// 4. Deny: back to the add-in with success=0 and no code.
	denied := e.consent(b, false)
	if denied.Query().Get("success") != "0" || denied.Query().Has("auth_code") {
		t.Errorf("deny: %v", denied.Query())
	}

	// 5. Allow, then trade the code for a key.
	allowed := e.consent(b, true)
	code := allowed.Query().Get("auth_code")
	if allowed.Query().Get("success") != "1" || code == "" {
		t.Fatalf("allow: %v", allowed.Query())
	}
	tok := e.result(e.prefix+"/auth/access_token", "", map[string]any{"auth_code": code}).(map[string]any)
	key, _ := tok["access_token"].(string)
	if !okapi.LooksLikeKey(key) {
		t.Fatalf("access_token answer = %v", tok)
	}
	keys, err := e.s.Auth.Keys(ctx, nil, mia.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("mia's keys: %v, %v", keys, err)
	}
	k := keys[0]
	if k.Name != "Outlook" || k.Scope != okapi.ScopeMailPlugin {
		t.Errorf("key = %q scope %q, want Outlook / %s", k.Name, k.Scope, okapi.ScopeMailPlugin)
	}
	if version >= 18 {
		if d := k.ExpirationDate.Sub(e.clock.Now()); d < 6*24*time.Hour || d > 7*24*time.Hour+time.Minute {
			t.Errorf("key expires in %v, want 7 days", d)
		}
	} else if !k.Persistent() {
		t.Errorf("key expires on %v before 18, want persistent", k.ExpirationDate)
	}

	// 6. The code works once; a forged or expired one never.
	if got := e.result(e.prefix+"/auth/access_token", "", map[string]any{"auth_code": code}); !isInvalidCode(got) {
		t.Errorf("reused code = %v", got)
	}
	data, sig, _ := strings.Cut(code, ".")
	forged := data + "." + strings.Repeat("A", len(sig))
	if got := e.result(e.prefix+"/auth/access_token", "", map[string]any{"auth_code": forged}); !isInvalidCode(got) {
		t.Errorf("forged code = %v", got)
	}
	late := e.consent(b, true).Query().Get("auth_code")
	e.clock.Advance(auth.PluginCodeTTL + time.Second)
	if got := e.result(e.prefix+"/auth/access_token", "", map[string]any{"auth_code": late}); !isInvalidCode(got) {
		t.Errorf("expired code = %v", got)
	}

	// 7. The key is scoped: XML-RPC refuses it, the add-in routes take it,
	// bare (Outlook) or as a bearer token (Gmail).
	if got := e.xmlrpcAuthenticate("mia", key); !strings.Contains(got, "<boolean>0</boolean>") {
		t.Errorf("XML-RPC authenticate with the add-in's key: %s", got)
	}
	for _, authz := range []string{key, "Bearer " + key} {
		if got := e.result(probe, authz, map[string]any{}); got == nil {
			t.Errorf("%s with %q… = nil", probe, authz[:6])
		}
	}

	// 8. Contacts: an unknown sender, a new contact, then the same sender known.
	got := e.result(e.prefix+"/partner/get", key, map[string]any{"email": "vincent@vega.example", "name": "Vincent Vega", "partner_id": false}).(map[string]any)
	p := got["partner"].(map[string]any)
	if p["id"] != float64(-1) || p["name"] != "Vincent Vega" || p["email"] != "vincent@vega.example" || got["can_create_partner"] != true {
		t.Errorf("unknown sender: %v", got)
	}
	created := e.result(e.prefix+"/partner/create", "Bearer "+key, map[string]any{"email": "vincent@vega.example", "name": "Vincent Vega", "company": -1}).(map[string]any)
	pid, _ := created["id"].(float64)
	if pid <= 0 {
		t.Fatalf("partner/create = %v", created)
	}
	got = e.result(e.prefix+"/partner/get", key, map[string]any{"email": "Vincent@Vega.example", "name": "Vincent"}).(map[string]any)
	p = got["partner"].(map[string]any)
	if p["id"] != pid || p["name"] != "Vincent Vega" || p["can_write_on_partner"] != true {
		t.Errorf("known sender: %v", got)
	}
	if c, _ := p["company"].(map[string]any); c["id"] != float64(-1) {
		t.Errorf("known sender's company = %v, want id -1", p["company"])
	}
	if _, ok := got["leads"].([]any); !ok {
		t.Errorf("partner/get has no leads list: %v", got)
	}
	if !modern {
		testOldAddinRoutes(t, e, key, int64(pid))
		return
	}
	found := e.result(e.prefix+"/partner/search", key, map[string]any{"search_term": "vega"}).(map[string]any)
	if ps, _ := found["partners"].([]any); len(ps) != 1 || ps[0].(map[string]any)["id"] != pid {
		t.Errorf("partner/search = %v", found)
	}
	records := e.result(e.prefix+"/search_records/res.partner", key, map[string]any{"query": "vincent@vega.example"}).([]any)
	if len(records) != 2 || records[1] != float64(1) {
		t.Errorf("search_records/res.partner = %v", records)
	}

	// 9. Log the e-mail on the contact, then read it back as the administrator.
	body := "<p>Hello from <b>Outlook</b></p>"
	if got := e.result(e.prefix+"/log_mail_content", key, map[string]any{"model": "res.partner", "res_id": pid, "message": body,
		"attachments": []any{}}); got != true {
		t.Errorf("log_mail_content = %v", got)
	}
	msgs := e.adminCall("mail.message", "search_read", []any{[]any{[]any{"model", "=", "res.partner"}, []any{"res_id", "=", pid}}},
		map[string]any{"fields": []any{"body", "author_id"}}).([]any)
	if len(msgs) != 1 || !strings.Contains(msgs[0].(map[string]any)["body"].(string), "Outlook") {
		t.Errorf("messages on the contact: %v", msgs)
	}
	status, out := e.rpc(e.prefix+"/log_mail_content", key, map[string]any{"model": "res.users", "res_id": 2, "message": "x"})
	if status != http.StatusForbidden || out["error"] == nil {
		t.Errorf("log_mail_content on res.users: %d %v", status, out)
	}

	// 10. A lead from the e-mail, which partner/get then lists.
	lead := e.result(e.prefix+"/lead/create", key, map[string]any{"partner_id": pid, "email_subject": "Briefcase", "email_body": "<p>What's in it?</p>"}).(map[string]any)
	if id, _ := lead["lead_id"].(float64); id <= 0 {
		t.Fatalf("lead/create = %v", lead)
	}
	got = e.result(e.prefix+"/partner/get", key, map[string]any{"email": "vincent@vega.example", "partner_id": pid}).(map[string]any)
	if leads, _ := got["leads"].([]any); len(leads) != 1 || leads[0].(map[string]any)["name"] != "Briefcase" ||
		leads[0].(map[string]any)["lead_id"] != lead["lead_id"] {
		t.Errorf("partner/get leads = %v", got["leads"])
	}

	// 11. A global (NULL-scope) key is accepted too; an RPC-scoped one not.
	global, _, err := e.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: mia.ID, Name: "global"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.result(probe, global, map[string]any{}); got == nil {
		t.Error("global key refused")
	}
	rpcOnly, _, err := e.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: mia.ID, Name: "rpc", Scope: okapi.ScopeRPC})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := e.rpc(probe, rpcOnly, map[string]any{}); status != http.StatusBadRequest {
		t.Errorf("rpc-scoped key: status %d, want 400", status)
	}

	// 12. A revoked key stops at once; no key at all is a 400 too.
	if _, err := e.s.Auth.RevokeKey(ctx, nil, k.ID, ""); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.rpc(e.prefix+"/partner/get", key, map[string]any{"email": "vincent@vega.example"}); status != http.StatusBadRequest {
		t.Errorf("revoked key: status %d, want 400", status)
	}
	if status, _ := e.rpc(e.prefix+"/partner/get", "", map[string]any{}); status != http.StatusBadRequest {
		t.Errorf("no key: status %d, want 400", status)
	}

	// 13. A portal user may not connect an add-in.
	pb := e.browser()
	e.login(pb, "paula", "paula-Secret-42", authPath)
	if resp, _ := e.get(pb, authPath); resp.StatusCode != http.StatusForbidden {
		t.Errorf("portal user's auth page: status %d, want 403", resp.StatusCode)
	}

	// 14. Wrong keys count towards the cooldown like on every other path,
	// and, as everywhere, a cooldown never refuses a correct key.
	bad := strings.Repeat("0", okapi.KeyLen)
	for i := 0; i < 5; i++ {
		e.rpc(e.prefix+"/partner/get", bad, map[string]any{})
	}
	if status, _ := e.rpc(e.prefix+"/partner/get", global, map[string]any{}); status != http.StatusOK {
		t.Errorf("a correct key after five wrong keys: status %d, want 200", status)
	}

	// 15. No key and no auth code ever reaches the log.
	logs := e.log.String()
	if !strings.Contains(logs, e.prefix+"/partner/get") {
		t.Fatal("the captured log holds no request: the check would prove nothing")
	}
	for name, s := range map[string]string{"add-in key": key, "global key": global, "rpc key": rpcOnly, "auth code": code,
		"code signature": sig, "late code": late} {
		if strings.Contains(logs, s) {
			t.Errorf("the %s appears in the log", name)
		}
	}
}

func isInvalidCode(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m["error"] == "Invalid code" && m["access_token"] == nil
}

// testOldAddinRoutes plays the routes only Odoo 14's add-ins call
// (mail_client_extension/controllers/main.py 14.0): a lead of the contact,
// the e-mail logged on it, the contact's leads; and the routes 14 does not
// have answer 404.
func testOldAddinRoutes(t *testing.T, e *pluginEnv, key string, pid int64) {
	if got := e.result("/mail_client_extension/modules/get", key, map[string]any{}).(map[string]any); fmt.Sprint(got["modules"]) != "[contacts crm]" {
		t.Errorf("modules/get = %v", got)
	}
	lead := e.adminCall("crm.lead", "create", []any{map[string]any{"name": "Briefcase", "partner_id": pid, "expected_revenue": 1234.5}}, nil)
	if got := e.result("/mail_client_extension/log_single_mail_content", key, map[string]any{"lead": lead, "message": "<p>From Outlook</p>"}); got != nil {
		t.Errorf("log_single_mail_content = %v", got)
	}
	msgs := e.adminCall("mail.message", "search_read", []any{[]any{[]any{"model", "=", "crm.lead"}, []any{"res_id", "=", lead}}},
		map[string]any{"fields": []any{"body"}}).([]any)
	if len(msgs) != 1 || !strings.Contains(msgs[0].(map[string]any)["body"].(string), "Outlook") {
		t.Errorf("messages on the lead: %v", msgs)
	}
	got := e.result("/mail_client_extension/lead/get_by_partner_id", key, map[string]any{"partner": pid, "limit": 5, "offset": 0}).(map[string]any)
	leads, _ := got["leads"].([]any)
	if len(leads) != 1 || leads[0].(map[string]any)["id"] != lead || leads[0].(map[string]any)["expected_revenue"] != "1,234.50\u00a0€" {
		t.Errorf("lead/get_by_partner_id = %v", got)
	}
	for _, path := range []string{"/mail_client_extension/partner/search", "/mail_client_extension/log_mail_content", "/mail_client_extension/lead/create",
		"/mail_client_extension/get_translations", "/mail_plugin/partner/get"} {
		if status := postStatus(t, e.url+path); status != http.StatusNotFound {
			t.Errorf("POST %s on 14: status %d, want 404", path, status)
		}
	}
}

// postStatus posts an empty JSON-RPC call and returns the status, without
// following a redirect.
func postStatus(t *testing.T, url string) int {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"call","params":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
