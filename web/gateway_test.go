package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	okclient "github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/internal/proctest"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// The gateway's own pages, against an upstream that is a real second
// okapi serve process: alice and bob exist there (alice uid 4), and not on
// the gateway, which runs with its default flags (default cooldown).

const (
	upAlicePass = "alice-odoo-Pass-1"
	upBobPass   = "bob-odoo-Pass-1"
	upAliceUID  = 4 // admin 2, bob 3, alice 4 on the upstream
)

type gwEnv struct {
	t        *testing.T
	s        *server.Server
	URL      string
	up       *proctest.Server
	upRun    func(args ...string) string
	aliceKey string // alice's Odoo key on the upstream
	bobKey   string
	data     string
	logs     *servertest.LogBuffer
}

// newGatewayEnv starts an upstream okapi serve of version v (a separate
// process), and an in-process gateway in front of it on dialect's
// database, logging at debug level into a buffer.
func newGatewayEnv(t *testing.T, v int, dialect string) *gwEnv {
	t.Helper()
	bin := proctest.Binary(t)
	upData := t.TempDir()
	e := &gwEnv{t: t, data: t.TempDir(), logs: &servertest.LogBuffer{}}
	e.up = proctest.Start(t, bin, "", []string{"OKAPI_ADMIN_PASSWORD=admin"}, "http",
		"--data", upData, "--odoo-version", fmt.Sprint(v), "--db-name", "prod")
	e.upRun = func(args ...string) string {
		out, errs, code := proctest.Run(t, bin, "", append(args, "--data", upData)...)
		if code != 0 {
			t.Fatalf("okapi %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		return strings.TrimSpace(out)
	}
	e.upRun("user", "create", "--login", "bob", "--password", upBobPass)
	e.upRun("user", "create", "--login", "alice", "--password", upAlicePass, "--name", "Alice Upstream")
	e.aliceKey = e.upRun("key", "create", "--login", "alice", "--name", "gateway")
	e.bobKey = e.upRun("key", "create", "--login", "bob", "--name", "gateway")
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: e.data, DBName: "prod", AdminPassword: "gw-admin-Pass",
		Gateway: &gateway.Config{URL: e.up.URL, DB: "prod", Protocol: okclient.Auto, Timeout: 10 * time.Second},
		Log:     slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if dialect == "postgres" {
		cfg.DBURL = storetest.PostgresURL(t)
	}
	s := servertest.Start(t, cfg)
	e.s, e.URL = s, s.URL()
	if s.Profile.Version != v {
		t.Fatalf("the gateway plays %d, want the upstream's %d", s.Profile.Version, v)
	}
	return e
}

// clientFrom is a browser without JavaScript whose connections leave from
// the loopback address from (127.0.0.x), as distinct clients do.
func (e *gwEnv) clientFrom(from string) *client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	return &client{t: e.t, base: e.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// tryLogin posts the login form and returns the answer.
func (c *client) tryLogin(login, password string) *response {
	c.t.Helper()
	form := c.get("/web/login")
	return c.post("/web/login", url.Values{"csrf_token": {csrf(c.t, form.Body)}, "login": {login}, "password": {password}})
}

// audit is every audit entry of the gateway, flushed first.
func (e *gwEnv) audit() []okapi.AuditEntry {
	e.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	var out []okapi.AuditEntry
	for {
		// The failures' entries are written in the background.
		entries, err := e.s.Store.ListAudit(ctx, 0)
		if err != nil {
			e.t.Fatal(err)
		}
		out = entries
		if len(out) > 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *gwEnv) waitAudit(kind, detail string) okapi.AuditEntry {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, a := range e.audit() {
			if a.Kind == kind && strings.Contains(a.Detail, detail) {
				return a
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no audit entry %s %q in %+v", kind, detail, e.audit())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// secretsNowhere checks that none of secrets is in the gateway's log,
// audit log or database files.
func (e *gwEnv) secretsNowhere(secrets ...string) {
	e.t.Helper()
	logs := e.logs.String()
	var audit strings.Builder
	for _, a := range e.audit() {
		fmt.Fprintf(&audit, "%+v\n", a)
	}
	files, _ := filepath.Glob(filepath.Join(e.data, "*"))
	var db bytes.Buffer
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			db.Write(b)
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			e.t.Errorf("a secret is in the gateway's log")
		}
		if strings.Contains(audit.String(), s) {
			e.t.Errorf("a secret is in the gateway's audit log")
		}
		if bytes.Contains(db.Bytes(), []byte(s)) {
			e.t.Errorf("a secret is in the gateway's database files")
		}
	}
}

// TestGatewayWebLogin: a login the gateway does not know logs in with its
// Odoo password (checked upstream) and becomes an internal user with no
// local password, recorded as its upstream uid; a wrong password is
// refused with the two-factor hint and counted towards the cooldown from
// that address (while another address still logs in); the gateway's own
// administrator is never reached through the upstream's admin password.
func TestGatewayWebLogin(t *testing.T) {
	e := newGatewayEnv(t, 17, "sqlite")
	ctx := context.Background()

	wrong := e.clientFrom("127.0.0.2")
	r := wrong.tryLogin("alice", "not-her-password")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("wrong password: status %d", r.StatusCode)
	}
	contains(t, r.Body, "Wrong login/password", "two-factor authentication is on for your Odoo user", "okapi upstream link")
	if _, err := e.s.Store.UserByLogin(ctx, "alice"); !errors.Is(err, okapi.ErrNotFound) {
		t.Fatalf("a refused login made a user: %v", err)
	}
	e.waitAudit(okapi.AuditLoginFailed, "refused by the upstream Odoo")

	// The upstream's admin password is not the gateway's admin's.
	if r := wrong.tryLogin("admin", "admin"); !strings.Contains(r.Body, "Wrong login/password") {
		t.Errorf("the upstream's admin password opened the gateway's admin: %d", r.StatusCode)
	}
	// Counted: with five failures from 127.0.0.2, even alice's right
	// password waits there.
	for i := 0; i < 3; i++ {
		wrong.tryLogin("alice", "still-wrong")
	}
	r = wrong.tryLogin("alice", upAlicePass)
	contains(t, r.Body, okapi.MsgCooldown)

	// Another address logs in with the Odoo password.
	c := e.clientFrom("127.0.0.3")
	c.login("alice", upAlicePass)
	u, err := e.s.Store.UserByLogin(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Internal() || u.Admin() || u.Name != "Alice Upstream" {
		t.Errorf("alice is %+v: want an internal, non-admin user named as upstream", u)
	}
	if h, _ := e.s.Store.PasswordHash(ctx, u.ID); h != "" {
		t.Errorf("alice got a local password hash")
	}
	a, err := e.s.Store.UpstreamAccount(ctx, u.ID)
	if err != nil || a.UpstreamUID != upAliceUID || a.UpstreamLogin != "alice" {
		t.Fatalf("alice's upstream account: %+v, %v", a, err)
	}
	home := c.get("/web")
	if home.StatusCode != http.StatusOK {
		t.Fatalf("home after login: %d", home.StatusCode)
	}
	// A second login finds the same user.
	c2 := e.clientFrom("127.0.0.3")
	c2.login("alice", upAlicePass)
	if users, _ := e.s.Store.ListUsers(ctx); len(users) != 2 {
		t.Errorf("users: %d, want admin and alice", len(users))
	}
	e.secretsNowhere(upAlicePass, "not-her-password")
}

// TestGatewayWebUpstreamDown: with the upstream stopped, the login page
// says that the upstream is unreachable and why, counts nothing, and the
// gateway's local administrator still logs in with their local password.
func TestGatewayWebUpstreamDown(t *testing.T) {
	e := newGatewayEnv(t, 19, "sqlite")
	e.up.Stop()
	c := e.clientFrom("127.0.0.4")
	for i := 0; i < 6; i++ {
		r := c.tryLogin("alice", upAlicePass)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("upstream down: status %d\n%s", r.StatusCode, r.Body)
		}
		contains(t, r.Body, "The upstream Odoo at "+e.up.URL+" is unreachable: connection refused.")
		lacks(t, r.Body, okapi.MsgCooldown)
	}
	c.login("admin", "gw-admin-Pass")
}

// TestGatewayWebLink: on the security tab, behind the identity check
// (passed with the Odoo password), a pasted key is checked upstream: a
// wrong key and a key of another upstream user are refused and nothing is
// stored; a form without its CSRF token is refused; alice's key is linked
// (sealed), shown as linked with her upstream uid, and unlinked. Neither
// the password nor a key is in the log, the audit log or the database.
func TestGatewayWebLink(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newGatewayEnv(t, 18, dialect)
			ctx := context.Background()
			c := e.clientFrom("127.0.0.5")
			c.login("alice", upAlicePass)
			u, err := e.s.Store.UserByLogin(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			sec := c.get("/web/preferences?tab=security")
			contains(t, sec.Body, "Odoo account", "No Odoo key is linked", "Link your Odoo key")
			// The dialog waits for the identity check.
			if to := location(t, c.get("/web/preferences/upstream")); !strings.HasSuffix(to, "/identity?do=link") {
				t.Fatalf("link form without the identity check goes to %s", to)
			}
			tok := c.token("/web/preferences/identity?do=link")
			r := c.post("/web/preferences/identity", url.Values{"csrf_token": {tok}, "do": {"link"}, "password": {"wrong"}})
			contains(t, r.Body, "Incorrect Password")
			r = c.post("/web/preferences/identity", url.Values{"csrf_token": {tok}, "do": {"link"}, "password": {upAlicePass}})
			if to := location(t, r); to != "/web/preferences/upstream" {
				t.Fatalf("after the identity check: %s", to)
			}
			dlg := c.get("/web/preferences/upstream")
			contains(t, dlg.Body, "Link your Odoo key", "Odoo API key")

			linked := func() bool {
				_, err := e.s.Store.UpstreamLink(ctx, u.ID)
				if err != nil && !errors.Is(err, okapi.ErrNotFound) {
					t.Fatal(err)
				}
				return err == nil
			}
			for _, bad := range []struct{ key, want string }{
				{"0123456789abcdef0123456789abcdef01234567", "refused login &#34;alice&#34; with this key"},
				{e.bobKey, "refused login &#34;alice&#34; with this key"},
				{"", "Paste the API key"},
			} {
				r := c.post("/web/preferences/upstream", url.Values{"csrf_token": {tok}, "odoo_key": {bad.key}})
				if r.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("bad key: status %d", r.StatusCode)
				}
				contains(t, r.Body, bad.want)
				if bad.key != "" {
					lacks(t, r.Body, bad.key)
				}
				if linked() {
					t.Fatalf("a refused key was stored")
				}
			}
			// Without the CSRF token, or with another session's.
			r = c.post("/web/preferences/upstream", url.Values{"odoo_key": {e.aliceKey}})
			if r.StatusCode != http.StatusBadRequest || linked() {
				t.Fatalf("no CSRF token: status %d, linked %v", r.StatusCode, linked())
			}
			other := e.clientFrom("127.0.0.6")
			other.login("admin", "gw-admin-Pass")
			r = c.post("/web/preferences/upstream", url.Values{"csrf_token": {other.token("/web/preferences?tab=security")}, "odoo_key": {e.aliceKey}})
			if r.StatusCode != http.StatusBadRequest || linked() {
				t.Fatalf("another session's CSRF token: status %d, linked %v", r.StatusCode, linked())
			}

			r = c.post("/web/preferences/upstream", url.Values{"csrf_token": {tok}, "odoo_key": {e.aliceKey}})
			if to := location(t, r); !strings.Contains(to, "done=linked") {
				t.Fatalf("linking goes to %s", to)
			}
			lacks(t, r.Body, e.aliceKey)
			l, err := e.s.Store.UpstreamLink(ctx, u.ID)
			if err != nil || l.UpstreamUID != upAliceUID || bytes.Contains(l.Sealed, []byte(e.aliceKey)) {
				t.Fatalf("link %+v, %v", l, err)
			}
			sec = c.get("/web/preferences?tab=security&done=linked")
			contains(t, sec.Body, "Your Odoo key is linked (upstream uid 4, login alice)", "Your Odoo key has been checked and linked")
			lacks(t, sec.Body, e.aliceKey)
			e.waitAudit(okapi.AuditUpstreamLinked, "uid 4")

			r = c.post("/web/preferences/upstream/unlink", url.Values{"csrf_token": {tok}})
			if to := location(t, r); !strings.Contains(to, "done=unlinked") || linked() {
				t.Fatalf("unlink: %s, linked %v", to, linked())
			}
			if dialect == "sqlite" {
				e.secretsNowhere(upAlicePass, e.aliceKey, e.bobKey)
			} else {
				logs := e.logs.String()
				for _, s := range []string{upAlicePass, e.aliceKey, e.bobKey} {
					if strings.Contains(logs, s) {
						t.Errorf("a secret is in the gateway's log")
					}
				}
			}
		})
	}
}

// TestGatewayWebKeyPolicy: the "New API Key" dialog of a gateway offers
// the policy and the durations (17 too: gateway keys may expire whatever
// the version); a bad model, address or rate is refused in the dialog
// naming the field, with what was typed kept and no key made.
func TestGatewayWebKeyPolicy(t *testing.T) {
	e := newGatewayEnv(t, 17, "sqlite")
	c := e.clientFrom("127.0.0.7")
	c.login("alice", upAlicePass)
	tok := c.token("/web/preferences?tab=security")
	c.post("/web/preferences/identity", url.Values{"csrf_token": {tok}, "do": {"new"}, "password": {upAlicePass}})
	d := c.get("/web/preferences/apikeys/new")
	contains(t, d.Body, "Read-only", "Models", "Allowed addresses", "Rate", `name="duration"`, "1 Day")
	for _, bad := range []struct{ field, value, want string }{
		{"models", "res.partner, Not A Model", "Invalid field: Models"},
		{"allow_ip", "10.0.0.0/33", "Invalid field: Allowed addresses"},
		{"rate", "fast", "Invalid field: Rate"},
	} {
		form := url.Values{"csrf_token": {tok}, "name": {"bi"}, "duration": {"30"}, bad.field: {bad.value}}
		r := c.post("/web/preferences/apikeys", form)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s=%q: status %d", bad.field, bad.value, r.StatusCode)
		}
		contains(t, r.Body, bad.want, "value=\""+strings.ReplaceAll(bad.value, "/", "/")+"\"")
	}
	keys, _ := e.s.Store.ListKeys(context.Background(), 0)
	if len(keys) != 0 {
		t.Fatalf("refused dialogs made %d keys", len(keys))
	}
	r := c.post("/web/preferences/apikeys", url.Values{"csrf_token": {tok}, "name": {"bi"}, "duration": {"30"},
		"read_only": {"1"}, "models": {"res.partner"}, "allow_ip": {"127.0.0.0/8"}, "rate": {"20/s"}})
	contains(t, r.Body, "API Key Ready")
	keys, _ = e.s.Store.ListKeys(context.Background(), 0)
	if len(keys) != 1 || keys[0].Scope != okapi.ScopeRPCRead || keys[0].Policy.String() != "models res.partner; from 127.0.0.0/8; 20/s" || keys[0].ExpirationDate.IsZero() {
		t.Fatalf("keys %+v", keys)
	}
	list := c.get("/web/preferences?tab=security")
	contains(t, list.Body, "Policy", "Last Use", "models res.partner; from 127.0.0.0/8; 20/s", "never", "Expiration Date")
}

// TestGatewayWebUpstream2FA: with two-factor authentication on upstream,
// Odoo refuses alice's password to other programs, so the gateway's login
// refuses it too, saying why that may be and what to do; once an
// administrator gave her a password of the gateway and linked her key
// (okapi user create, okapi upstream link: keys pass 2FA), that password
// logs her in and passes the identity check.
func TestGatewayWebUpstream2FA(t *testing.T) {
	e := newGatewayEnv(t, 18, "sqlite")
	e.upRun("user", "2fa", "--login", "alice", "--enable")
	c := e.clientFrom("127.0.0.8")
	r := c.tryLogin("alice", upAlicePass)
	contains(t, r.Body, "Wrong login/password", "If two-factor authentication is on for your Odoo user, Odoo refuses your password to other programs",
		"log in with a password of this gateway", "okapi upstream link")

	ctx := context.Background()
	u := (&env{t: t, s: e.s}).createUser(auth.UserRequest{Login: "alice", Password: "alice-gw-Pass-1"})
	if _, err := e.s.Gateway.Linker(e.s.Store).Link(ctx, gateway.LinkRequest{User: u, Key: e.aliceKey}); err != nil {
		t.Fatalf("linking with the key while 2FA is on upstream: %v", err)
	}
	c.login("alice", "alice-gw-Pass-1")
	tok := c.token("/web/preferences?tab=security")
	// Her Odoo password is still refused upstream: not an identity.
	r = c.post("/web/preferences/identity", url.Values{"csrf_token": {tok}, "do": {"new"}, "password": {upAlicePass}})
	contains(t, r.Body, "Incorrect Password")
	r = c.post("/web/preferences/identity", url.Values{"csrf_token": {tok}, "do": {"new"}, "password": {"alice-gw-Pass-1"}})
	if to := location(t, r); !strings.HasSuffix(to, "/apikeys/new") {
		t.Fatalf("identity check with the gateway password goes to %s", to)
	}
}

// TestGatewayWebLinkOtherUID: the upstream's user of alice's login is
// replaced after she logged in (renamed away, a new "alice" made): a key
// of the new upstream user, whose login matches, is refused because its
// uid is not the one she logged in as, and nothing is stored; her login
// with the new user's password is refused until an administrator decides.
func TestGatewayWebLinkOtherUID(t *testing.T) {
	e := newGatewayEnv(t, 19, "sqlite")
	pp := prefsPath(e.s.Profile)
	ctx := context.Background()
	c := e.clientFrom("127.0.0.9")
	c.login("alice", upAlicePass)
	u, err := e.s.Store.UserByLogin(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}

	adminKey := e.upRun("key", "create", "--login", "admin", "--name", "test")
	admin, err := okclient.New(okclient.Config{URL: e.up.URL, DB: "prod", Login: "admin", Key: adminKey, Protocol: okclient.XMLRPC})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecuteKW(ctx, "res.users", "write", []any{[]any{upAliceUID}, map[string]any{"login": "alice-old"}}, nil); err != nil {
		t.Fatal(err)
	}
	e.upRun("user", "create", "--login", "alice", "--password", "new-alice-Pass-1")
	newKey := e.upRun("key", "create", "--login", "alice", "--name", "gateway")

	tok := c.token(pp + "?tab=security")
	// Her old Odoo password no longer works upstream, and the new one is
	// another user's: the identity check takes neither.
	r := c.post(pp+"/identity", url.Values{"csrf_token": {tok}, "do": {"link"}, "password": {"new-alice-Pass-1"}})
	contains(t, r.Body, "Incorrect Password")
	// With a fresh identity (a password the gateway set for her), the new
	// user's key is refused for its uid.
	if err := e.s.Auth.SetPassword(ctx, nil, u.ID, "alice-gw-Pass-1", ""); err != nil {
		t.Fatal(err)
	}
	c = e.clientFrom("127.0.0.9")
	c.login("alice", "alice-gw-Pass-1")
	tok = c.token(pp + "?tab=security")
	c.post(pp+"/identity", url.Values{"csrf_token": {tok}, "do": {"link"}, "password": {"alice-gw-Pass-1"}})
	r = c.post(pp+"/upstream", url.Values{"csrf_token": {tok}, "odoo_key": {newKey}})
	contains(t, r.Body, "This key belongs to another upstream user (uid 5), not to yours (uid 4).")
	if _, err := e.s.Store.UpstreamLink(ctx, u.ID); !errors.Is(err, okapi.ErrNotFound) {
		t.Fatalf("another uid's key was stored: %v", err)
	}
	r = e.clientFrom("127.0.0.10").tryLogin("alice", "new-alice-Pass-1")
	contains(t, r.Body, "is no longer the one this gateway knows (uid 5, was 4)")
}
