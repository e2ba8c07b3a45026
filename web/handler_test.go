package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/web"
)

// keyRE finds a key in the <code> of "API Key Ready".
var keyRE = regexp.MustCompile(`<code id="api-key"[^>]*>([0-9a-f]{40})</code>`)

// formRE finds the one-time id of a "New API Key" dialog.
var formRE = regexp.MustCompile(`<input type="hidden" name="form" value="([^"]+)">`)

// newKey runs the key creation through the pages: identity check, the
// "New API Key" dialog, then its form, whose answer is the one page that
// shows the key. It returns the key and the address that page moves to.
func newKey(t *testing.T, c *client, prefs, name string, extra url.Values) (key, shownURL string) {
	t.Helper()
	confirmIdentity(t, c, prefs, "new", 0)
	dialog := c.get(prefs + "/apikeys/new")
	f := formRE.FindStringSubmatch(dialog.Body)
	if f == nil {
		t.Fatalf("the New API Key dialog has no one-time id:\n%s", dialog.Body)
	}
	form := url.Values{"csrf_token": {csrf(t, dialog.Body)}, "name": {name}, "form": {f[1]}}
	for k, v := range extra {
		form[k] = v
	}
	page := c.post(prefs+"/apikeys", form)
	m := keyRE.FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("no key in the answer to the form (status %d):\n%s", page.StatusCode, page.Body)
	}
	contains(t, page.Body, `data-shown-url="`+prefs+`/apikeys/ready"`)
	return m[1], prefs + "/apikeys/ready"
}

// confirmIdentity passes the identity check for do (and key id).
func confirmIdentity(t *testing.T, c *client, prefs, do string, id int64) {
	t.Helper()
	form := url.Values{"csrf_token": {c.token(prefs)}, "do": {do}, "password": {userPassword}}
	if id != 0 {
		form.Set("key", fmt.Sprint(id))
	}
	resp := c.post(prefs+"/identity", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("identity check: status %d\n%s", resp.StatusCode, resp.Body)
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 17)
	c := e.client()
	resp := c.login(userLogin, userPassword)
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "session_id" {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("no session_id cookie in %v", resp.Header["Set-Cookie"])
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure {
		t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v; want HttpOnly, Lax, /, not Secure over plain HTTP",
			session.HttpOnly, session.SameSite, session.Path, session.Secure)
	}
	if len(session.Value) != 43 {
		t.Errorf("cookie value has %d characters, want 43 (32 random bytes)", len(session.Value))
	}
	ctx := context.Background()
	if _, err := e.s.Store.SessionByID(ctx, session.Value); !errors.Is(err, okapi.ErrNotFound) {
		t.Errorf("the store keeps the cookie value itself as a session id (err %v)", err)
	}
	s, err := e.s.Store.SessionByID(ctx, sha256Hex(session.Value))
	if err != nil {
		t.Fatalf("no session stored under the SHA-256 of the cookie: %v", err)
	}
	if s.UserID != e.UserID || s.CSRF == "" {
		t.Errorf("stored session: user %d csrf %q", s.UserID, s.CSRF)
	}

	// Logging out deletes the stored session.
	out := c.post("/web/session/logout", url.Values{"csrf_token": {c.token("/web")}})
	if got := location(t, out); got != "/web/login" {
		t.Errorf("logout goes to %q", got)
	}
	if _, err := e.s.Store.SessionByID(ctx, sha256Hex(session.Value)); !errors.Is(err, okapi.ErrNotFound) {
		t.Errorf("session still stored after logout: %v", err)
	}
	if got := location(t, c.get("/web")); !strings.HasPrefix(got, "/web/login") {
		t.Errorf("after logout /web goes to %q, want the login", got)
	}
}

func TestSessionCookieSecure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 17)
	h, err := web.New(web.Config{Auth: e.s.Auth, Profile: e.s.Profile, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c := e.client()
	c.base = ts.URL
	form := c.get("/web/login")
	for _, ck := range form.Cookies() {
		if !ck.Secure || !ck.HttpOnly {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v", ck.Name, ck.Secure, ck.HttpOnly)
		}
	}
	// The jar does not send Secure cookies over plain HTTP; post the token
	// by hand.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/web/login", strings.NewReader(url.Values{
		"csrf_token": {csrf(t, form.Body)}, "login": {userLogin}, "password": {userPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "okapi_login_csrf", Value: csrf(t, form.Body)})
	resp := c.do(req)
	found := false
	for _, ck := range resp.Cookies() {
		if ck.Name == "session_id" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie behind TLS: Secure=%v HttpOnly=%v SameSite=%v", ck.Secure, ck.HttpOnly, ck.SameSite)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie: %d %s", resp.StatusCode, resp.Body)
	}
}

var (
	inlineScriptRE = regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`)
	scriptTagRE    = regexp.MustCompile(`<script[^>]*>`)
	styleAttrRE    = regexp.MustCompile(`\sstyle=`)
	handlerAttrRE  = regexp.MustCompile(`\son[a-z]+=`)
)

func TestContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 19)
	anon := e.client()
	admin := e.client()
	admin.login(adminLogin, adminPassword)
	user := e.client()
	user.login(userLogin, userPassword)
	pages := []struct {
		c    *client
		path string
	}{
		{anon, "/web/login"},
		{anon, "/web/reset_password"},
		{user, "/odoo"},
		{user, "/odoo/preferences"},
		{user, "/odoo/preferences?tab=security"},
		{user, "/odoo/preferences/identity?do=new"},
		{user, "/odoo/settings"}, // 403
		{user, "/my/security"},
		{admin, "/odoo/settings?debug=1"},
		{admin, "/odoo/settings/users"},
		{admin, "/odoo/settings/users/new"},
		{admin, "/odoo/settings/apikeys"},
		{admin, "/odoo/settings/audit"},
	}
	for _, p := range pages {
		resp := p.c.get(p.path)
		policy := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'"} {
			if !strings.Contains(policy, want) {
				t.Errorf("%s: CSP %q lacks %q", p.path, policy, want)
			}
		}
		if strings.Contains(policy, "unsafe") {
			t.Errorf("%s: CSP allows something unsafe: %q", p.path, policy)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", p.path, got)
		}
		if inlineScriptRE.MatchString(resp.Body) || styleAttrRE.MatchString(resp.Body) || handlerAttrRE.MatchString(resp.Body) {
			t.Errorf("%s: inline script, style or handler attribute, which the policy would block", p.path)
		}
		for _, tag := range scriptTagRE.FindAllString(resp.Body, -1) {
			if !strings.Contains(tag, `src="/web/static/`) {
				t.Errorf("%s: script not from /web/static: %s", p.path, tag)
			}
		}
	}
}

func TestAdminPagesForbidden(t *testing.T) {
	t.Parallel()
	for _, v := range []int{14, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, v)
			home := "/web"
			if v >= 19 {
				home = "/odoo"
			}
			user := e.client()
			user.login(userLogin, userPassword)
			token := user.token(home)
			for _, path := range []string{"/settings", "/settings/users", "/settings/users/new", "/settings/users/2", "/settings/apikeys", "/settings/audit"} {
				if resp := user.get(home + path); resp.StatusCode != http.StatusForbidden {
					t.Errorf("GET %s by a normal user: status %d, want 403", path, resp.StatusCode)
				}
			}
			posts := map[string]url.Values{
				"/settings/users":            {"login": {"eve"}, "name": {"Eve"}, "password": {"x"}, "admin": {"on"}},
				"/settings/users/2/password": {"password": {"owned"}},
				"/settings/users/2/active":   {"active": {"0"}},
				"/settings/portal-keys":      {"portal_allow_api_keys": {"on"}},
			}
			for path, form := range posts {
				form.Set("csrf_token", token)
				if resp := user.post(home+path, form); resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s by a normal user: status %d, want 403", path, resp.StatusCode)
				}
			}
			if _, err := e.s.Auth.UserByLogin(context.Background(), "eve"); err == nil {
				t.Errorf("a normal user created a user")
			}
			if _, err := e.s.Auth.LoginInteractive(context.Background(), adminLogin, adminPassword, "10.0.0.1"); err != nil {
				t.Errorf("the admin password changed: %v", err)
			}

			admin := e.client()
			admin.login(adminLogin, adminPassword)
			if resp := admin.get(home + "/settings"); resp.StatusCode != http.StatusOK {
				t.Errorf("admin: settings status %d", resp.StatusCode)
			}
			anon := e.client()
			if got := location(t, anon.get(home+"/settings")); !strings.HasPrefix(got, "/web/login?redirect=") {
				t.Errorf("anonymous: settings redirects to %q", got)
			}
		})
	}
}

func TestRequireAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 18)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secret stats") })
	mux := http.NewServeMux()
	mux.Handle("/debug/", e.s.Web.RequireAdmin(ok))
	e.s.Web.Register(mux)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	user := e.client()
	user.base = ts.URL
	user.login(userLogin, userPassword)
	if resp := user.get("/debug/x"); resp.StatusCode != http.StatusForbidden || strings.Contains(resp.Body, "secret") {
		t.Errorf("normal user: %d %q, want 403", resp.StatusCode, resp.Body)
	}
	admin := e.client()
	admin.base = ts.URL
	admin.login(adminLogin, adminPassword)
	if resp := admin.get("/debug/x"); resp.StatusCode != http.StatusOK || resp.Body != "secret stats" {
		t.Errorf("admin: %d %q", resp.StatusCode, resp.Body)
	}
	anon := e.client()
	anon.base = ts.URL
	if resp := anon.get("/debug/x"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous GET: %d, want a redirect to the login", resp.StatusCode)
	}
	if resp := anon.post("/debug/x", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous POST: %d, want 403", resp.StatusCode)
	}
}

func TestIdentityCheckExpires(t *testing.T) {
	t.Parallel()
	clk := testclock.New(time.Now())
	e := newEnv(t, 18, envOptions{clock: clk})
	c := e.client()
	c.login(userLogin, userPassword)
	const prefs = "/web/preferences"

	// Logging in is not the identity check: the button asks for it.
	if got := location(t, c.get(prefs+"/apikeys/new")); got != prefs+"/identity?do=new" {
		t.Fatalf("New API Key right after login goes to %q, want the identity check", got)
	}
	check := c.get(prefs + "/identity?do=new")
	contains(t, check.Body, "Security Control", "Please enter your password to confirm you own this account",
		"Confirm Password", "Forgot password?", `placeholder="************"`)

	wrong := c.post(prefs+"/identity", url.Values{"csrf_token": {csrf(t, check.Body)}, "do": {"new"}, "password": {"not-it"}})
	if wrong.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("wrong password: status %d", wrong.StatusCode)
	}
	contains(t, wrong.Body, "Incorrect Password, try again or click on Forgot Password to reset your password.")
	// An API key is not a password here either.
	key, _, err := e.s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: e.UserID, Name: "cli", Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	byKey := c.post(prefs+"/identity", url.Values{"csrf_token": {csrf(t, check.Body)}, "do": {"new"}, "password": {key}})
	contains(t, byKey.Body, "Incorrect Password")

	confirmIdentity(t, c, prefs, "new", 0)
	if resp := c.get(prefs + "/apikeys/new"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the check: status %d", resp.StatusCode)
	} else {
		contains(t, resp.Body, "Name your key", "Give a duration for the key's validity")
	}
	clk.Advance(9*time.Minute + 50*time.Second)
	if resp := c.get(prefs + "/apikeys/new"); resp.StatusCode != http.StatusOK {
		t.Errorf("9m50s after the check: status %d, want the dialog", resp.StatusCode)
	}
	clk.Advance(11 * time.Second)
	if got := location(t, c.get(prefs+"/apikeys/new")); got != prefs+"/identity?do=new" {
		t.Errorf("10 minutes after the check the dialog opens without it (%q)", got)
	}
	// Revoking asks again too, and runs once the password is given.
	keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID)
	id := keys[0].ID
	del := c.post(fmt.Sprintf("%s/apikeys/%d/delete", prefs, id), url.Values{"csrf_token": {c.token(prefs)}})
	if got := location(t, del); got != fmt.Sprintf("%s/identity?do=delete&key=%d", prefs, id) {
		t.Fatalf("stale delete goes to %q", got)
	}
	if keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID); len(keys) != 1 {
		t.Fatalf("the key was deleted without the identity check")
	}
	confirmIdentity(t, c, prefs, "delete", id)
	if keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID); len(keys) != 0 {
		t.Errorf("the key survived the confirmed deletion")
	}
}

// TestKeyShownOnce: the key is in the answer to the form that makes it and
// in no other; that answer is not cached; the address it moves to, a
// reload that sends the same form again, and any later page say the key was
// shown, and the form sent again makes no second key.
func TestKeyShownOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 16)
	c := e.client()
	c.login(userLogin, userPassword)
	const prefs = "/web/preferences"
	confirmIdentity(t, c, prefs, "new", 0)
	dialog := c.get(prefs + "/apikeys/new")
	f := formRE.FindStringSubmatch(dialog.Body)
	if f == nil {
		t.Fatalf("no one-time id in the dialog:\n%s", dialog.Body)
	}
	form := url.Values{"csrf_token": {csrf(t, dialog.Body)}, "name": {"backup script"}, "form": {f[1]}}
	first := c.post(prefs+"/apikeys", form)
	m := keyRE.FindStringSubmatch(first.Body)
	if first.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the answer to the form shows no key (status %d):\n%s", first.StatusCode, first.Body)
	}
	key := m[1]
	if first.Header.Get("Cache-Control") != "no-store" || first.Header.Get("Location") != "" {
		t.Errorf("key page Cache-Control %q, Location %q", first.Header.Get("Cache-Control"), first.Header.Get("Location"))
	}
	contains(t, first.Body, "API Key Ready", "Write down your key", "Done!", `data-shown-url="`+prefs+`/apikeys/ready"`,
		"Here is your new API key, use it instead of a password for RPC access. Your login is still necessary for interactive usage.",
		"The key cannot be retrieved later and provides <strong>full access</strong> to your user account, it is very important to store it securely.")

	// The same form again (a reload of that answer): no key, no new key.
	again := c.post(prefs+"/apikeys", form)
	if again.StatusCode != http.StatusOK || keyRE.MatchString(again.Body) {
		t.Fatalf("the form sent again shows a key (status %d)", again.StatusCode)
	}
	contains(t, again.Body, "already been shown")
	if keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID); len(keys) != 1 {
		t.Fatalf("the form sent twice made %d keys, want 1", len(keys))
	}
	// The address the page moved to says the key was shown.
	shown := c.get(prefs + "/apikeys/ready")
	if shown.StatusCode != http.StatusOK || strings.Contains(shown.Body, key) {
		t.Fatalf("the shown address: status %d, or the key again", shown.StatusCode)
	}
	contains(t, shown.Body, "already been shown")
	if uid, err := e.s.Auth.Authenticate(context.Background(), userLogin, key, "127.0.0.1"); err != nil || uid != e.UserID {
		t.Errorf("the key does not work: %d %v", uid, err)
	}
	if list := c.get(prefs + "?tab=security"); !strings.Contains(list.Body, "backup script") || strings.Contains(list.Body, key) {
		t.Errorf("the list lacks the key's name, or shows the key")
	}
	// A new dialog has a new id, and makes a new key.
	if second, _ := newKey(t, c, prefs, "second", nil); second == key {
		t.Errorf("the second dialog gave the same key")
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 17)
	c := e.client()
	c.login(userLogin, userPassword)
	confirmIdentity(t, c, "/web/preferences", "new", 0)
	for name, form := range map[string]url.Values{
		"missing": {"name": {"forged"}},
		"wrong":   {"name": {"forged"}, "csrf_token": {"AAAA" + strings.Repeat("B", 39)}},
	} {
		resp := c.post("/web/preferences/apikeys", form)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s token: status %d, want 400", name, resp.StatusCode)
		}
		contains(t, resp.Body, "CSRF token")
	}
	if keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID); len(keys) != 0 {
		t.Errorf("a forged form created a key")
	}
	// The token of one session is no good in another.
	other := e.client()
	other.login(adminLogin, adminPassword)
	if resp := c.post("/web/session/logout", url.Values{"csrf_token": {other.token("/web")}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another session's token: status %d, want 400", resp.StatusCode)
	}

	// The login form has its own token.
	anon := e.client()
	anon.get("/web/login")
	resp := anon.post("/web/login", url.Values{"login": {userLogin}, "password": {userPassword}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("login without token: status %d, want 400", resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "session_id" && ck.Value != "" {
			t.Errorf("login without token started a session")
		}
	}
}

func TestLoginRefusesAPIKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 18)
	key, _, err := e.s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: e.UserID, Name: "sync", Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	form := c.get("/web/login")
	resp := c.post("/web/login", url.Values{"csrf_token": {csrf(t, form.Body)}, "login": {userLogin}, "password": {key}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login with an API key: status %d, want the form again", resp.StatusCode)
	}
	contains(t, resp.Body, "Wrong login/password")
	lacks(t, resp.Body, key)
	if got := location(t, c.get("/web")); !strings.HasPrefix(got, "/web/login") {
		t.Errorf("logged in with an API key")
	}
}

func TestLoginCooldown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 15)
	c := e.client()
	for i := 0; i < 5; i++ {
		form := c.get("/web/login")
		resp := c.post("/web/login", url.Values{"csrf_token": {csrf(t, form.Body)}, "login": {userLogin}, "password": {"guess"}})
		contains(t, resp.Body, "Wrong login/password")
	}
	form := c.get("/web/login")
	resp := c.post("/web/login", url.Values{"csrf_token": {csrf(t, form.Body)}, "login": {userLogin}, "password": {userPassword}})
	contains(t, resp.Body, "Too many login failures, please wait a bit before trying again.")
}

func TestKeyValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 18)
	c := e.client()
	c.login(userLogin, userPassword)
	const prefs = "/web/preferences"
	confirmIdentity(t, c, prefs, "new", 0)
	form := c.get(prefs + "/apikeys/new")
	contains(t, form.Body, `<option value="1" selected>1 Day</option>`, `<option value="90">3 Months</option>`,
		`<option value="-1">Custom Date</option>`, `Looking for &#34;Persistent Key&#34;? Only administrators`)
	lacks(t, form.Body, "Persistent Key</option>", "6 Months", "1 Year")
	token := csrf(t, form.Body)
	far := time.Now().UTC().AddDate(0, 0, 120).Format("2006-01-02")
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"duration": {"-1"}}, "The API key must have an expiration date"},
		{url.Values{"duration": {"-1"}, "expiration_date": {far}}, "You cannot exceed 90.0 days."},
		{url.Values{"duration": {"365"}}, "You cannot exceed 90.0 days."},
		{url.Values{"duration": {"0"}}, "The API key must have an expiration date"},
	} {
		tc.form.Set("csrf_token", token)
		tc.form.Set("name", "too long")
		resp := c.post(prefs+"/apikeys", tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: status %d", tc.form, resp.StatusCode)
		}
		contains(t, resp.Body, tc.want, "New API Key", `value="too long"`)
	}
	if keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID); len(keys) != 0 {
		t.Errorf("refused keys were created: %d", len(keys))
	}
	// A custom date within the limit is fine.
	near := time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")
	key, _ := newKey(t, c, prefs, "custom", url.Values{"duration": {"-1"}, "expiration_date": {near}})
	if !okapi.LooksLikeKey(key) {
		t.Errorf("bad key %q", key)
	}
	keys, _ := e.s.Auth.Keys(context.Background(), nil, e.UserID)
	if len(keys) != 1 || keys[0].ExpirationDate.Format("2006-01-02") != near {
		t.Errorf("custom date key: %+v", keys)
	}
}

func TestPortalSecurity(t *testing.T) {
	t.Parallel()
	for _, v := range []int{14, 15, 18, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, v)
			e.createUser(auth.UserRequest{Login: "paul", Password: "paul-Secret-7", Name: "Paul Portal", Kind: okapi.KindPortal})
			c := e.client()
			c.login("paul", "paul-Secret-7")
			home := "/web"
			if v >= 19 {
				home = "/odoo"
			}
			if got := location(t, c.get(home)); got != "/my" {
				t.Errorf("a portal user in the web client goes to %q, want /my", got)
			}
			if page := c.get("/my/security?debug=1"); strings.Contains(page.Body, "Developer API Keys") {
				t.Errorf("key section shown while the portal option is off")
			}
			if v < 15 {
				return
			}
			if err := e.s.Auth.SetPortalKeysAllowed(context.Background(), nil, true); err != nil {
				t.Fatal(err)
			}
			if page := c.get("/my/security?debug=0"); strings.Contains(page.Body, "Developer API Keys") {
				t.Errorf("key section shown outside developer mode")
			}
			page := c.get("/my/security?debug=1")
			contains(t, page.Body, "Developer API Keys", "New API Key")

			form := url.Values{"csrf_token": {csrf(t, page.Body)}, "do": {"new"}, "password": {"paul-Secret-7"}}
			if got := location(t, c.post("/my/security/identity", form)); got != "/my/security/apikeys/new" {
				t.Fatalf("identity check goes to %q", got)
			}
			dialog := c.get("/my/security/apikeys/new")
			contains(t, dialog.Body, "Name your key", ">Confirm</button>")
			if v >= 19 {
				contains(t, dialog.Body, `<option value="1" selected>1 Day</option>`)
				lacks(t, dialog.Body, "Custom Date", "Persistent Key</option>", "expiration_date")
			} else {
				lacks(t, dialog.Body, "<select")
			}
			ready := c.post("/my/security/apikeys", url.Values{"csrf_token": {csrf(t, dialog.Body)}, "name": {"shop sync"}, "duration": {"1"}})
			if m := keyRE.FindStringSubmatch(ready.Body); m == nil || ready.StatusCode != http.StatusOK {
				t.Fatalf("no key shown (status %d)", ready.StatusCode)
			}
			contains(t, ready.Body, `data-shown-url="/my/security/apikeys/ready"`)
			keys, _ := e.s.Auth.Keys(context.Background(), nil, 0)
			if len(keys) != 1 {
				t.Fatalf("%d keys", len(keys))
			}
			if want := okapi.ExpirationFor(time.Now(), 1); v >= 18 && !keys[0].ExpirationDate.Equal(want) {
				t.Errorf("portal key expires %v, want %v (the default day)", keys[0].ExpirationDate, want)
			}
			del := c.post(fmt.Sprintf("/my/security/apikeys/%d/delete", keys[0].ID), url.Values{"csrf_token": {csrf(t, page.Body)}})
			location(t, del)
			if keys, _ := e.s.Auth.Keys(context.Background(), nil, 0); len(keys) != 0 {
				t.Errorf("the portal user could not delete the key")
			}
		})
	}
}

func TestAdminPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 17)
	admin := e.client()
	admin.login(adminLogin, adminPassword)
	token := admin.token("/web/settings")

	// Create a user, then archive and restore them.
	created := admin.post("/web/settings/users", url.Values{"csrf_token": {token}, "login": {"bob"}, "name": {"Bob Builder"},
		"email": {"bob@example.com"}, "password": {"bob-Secret-1"}, "kind": {"internal"}})
	userPage := location(t, created)
	contains(t, admin.get(userPage).Body, "Bob Builder", "The user has been created.")
	userPage, _, _ = strings.Cut(userPage, "?")
	if dup := admin.post("/web/settings/users", url.Values{"csrf_token": {token}, "login": {"bob"}, "name": {"Bob 2"}}); dup.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("duplicate login: status %d", dup.StatusCode)
	}
	bob := e.client()
	bob.login("bob", "bob-Secret-1")
	location(t, admin.post(userPage+"/password", url.Values{"csrf_token": {token}, "password": {"bob-New-2"}}))
	if _, err := e.s.Auth.LoginInteractive(context.Background(), "bob", "bob-New-2", "10.0.0.2"); err != nil {
		t.Errorf("new password refused: %v", err)
	}
	location(t, admin.post(userPage+"/active", url.Values{"csrf_token": {token}, "active": {"0"}}))
	if got := location(t, bob.get("/web")); !strings.HasPrefix(got, "/web/login") {
		t.Errorf("an archived user's session still works")
	}
	location(t, admin.post(userPage+"/active", url.Values{"csrf_token": {token}, "active": {"1"}}))
	location(t, admin.post(userPage+"/access", url.Values{"csrf_token": {token}, "kind": {"portal"}}))
	if u, _ := e.s.Auth.UserByLogin(context.Background(), "bob"); u.Internal() {
		t.Errorf("bob is still internal")
	}

	// Every user's keys, with the last use, and revocation.
	key, k, err := e.s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: e.UserID, Name: "nightly export"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Auth.Authenticate(context.Background(), userLogin, key, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	e.s.Auth.Close() // writes the pending last-use times
	list := admin.get("/web/settings/apikeys")
	contains(t, list.Body, "API Keys Listing", "nightly export", userName, "192.0.2.7", "Last Used From")
	lacks(t, list.Body, key)
	confirm := admin.post(fmt.Sprintf("/web/settings/apikeys/%d/delete", k.ID), url.Values{"csrf_token": {token}})
	if got := location(t, confirm); !strings.Contains(got, "/identity?do=delete") {
		t.Fatalf("revoke without identity check goes to %q", got)
	}
	location(t, admin.post("/web/settings/apikeys/identity", url.Values{"csrf_token": {token}, "do": {"delete"},
		"key": {fmt.Sprint(k.ID)}, "password": {adminPassword}}))
	if _, err := e.s.Auth.Authenticate(context.Background(), userLogin, key, "192.0.2.7"); err == nil {
		t.Errorf("the revoked key still works")
	}

	// The portal option: in developer mode only, with 17's label.
	lacks(t, admin.get("/web/settings").Body, "Customers can generate API Keys")
	contains(t, admin.get("/web/settings?debug=1").Body, "Customers can generate API Keys", "Deactivate the developer mode")
	location(t, admin.post("/web/settings/portal-keys", url.Values{"csrf_token": {token}, "portal_allow_api_keys": {"on"}}))
	if on, _ := e.s.Auth.PortalKeysAllowed(context.Background()); !on {
		t.Errorf("portal option not saved")
	}
	audit := admin.get("/web/settings/audit")
	contains(t, audit.Body, "key.created", "key.revoked", "user.created", "user.archived")
	lacks(t, audit.Body, key)
}

func TestUnknownPathsLeftAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 19)
	c := e.client()
	for _, path := range []string{"/nowhere", "/web/nowhere", "/my/nowhere", "/odoo/nowhere"} {
		if resp := c.post(path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404 (the pages must not claim it)", path, resp.StatusCode)
		}
	}
	if got := location(t, c.get("/")); got != "/web/login" {
		t.Errorf("/ goes to %q", got)
	}
	c.login(userLogin, userPassword)
	if got := location(t, c.get("/")); got != "/odoo" {
		t.Errorf("/ when logged in goes to %q", got)
	}
	if got := location(t, c.get("/web")); got != "/odoo" {
		t.Errorf("/web in 19 goes to %q", got)
	}
}

func TestLoginRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 16)
	for redirect, want := range map[string]string{
		"/web/preferences?tab=security": "/web/preferences?tab=security",
		"//evil.example/x":              "/web",
		"https://evil.example/":         "/web",
		"/\\evil.example":               "/web",
	} {
		c := e.client()
		form := c.get("/web/login?redirect=" + url.QueryEscape(redirect))
		resp := c.post("/web/login", url.Values{"csrf_token": {csrf(t, form.Body)}, "login": {userLogin},
			"password": {userPassword}, "redirect": {redirect}})
		if got := location(t, resp); got != want {
			t.Errorf("redirect=%q: went to %q, want %q", redirect, got, want)
		}
	}
	// A page asked for before login comes back after it.
	c := e.client()
	to := location(t, c.get("/web/preferences?tab=security"))
	if to != "/web/login?redirect="+url.QueryEscape("/web/preferences?tab=security") {
		t.Fatalf("login redirect %q", to)
	}
}

// TestLogOutDevices follows "Log out from all devices" (17+): behind the
// identity check it ends every other session of the user, keeps the one
// that asked, leaves API keys working, and is audited. A new password
// ends the other sessions too, as in Odoo. Before 17 there is no button.
func TestLogOutDevices(t *testing.T) {
	t.Parallel()
	for _, v := range []int{16, 17, 18, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, v)
			prefs := "/web/preferences"
			if v >= 19 {
				prefs = "/odoo/preferences"
			}
			here, there := e.client(), e.client()
			here.login(userLogin, userPassword)
			there.login(userLogin, userPassword)
			tab := here.get(prefs + "?tab=security").Body
			if v < 17 {
				lacks(t, tab, "Log out from all devices", "/devices/logout")
				if resp := here.post(prefs+"/devices/logout", url.Values{"csrf_token": {csrf(t, tab)}}); resp.StatusCode == http.StatusSeeOther {
					t.Errorf("Odoo %d logged out devices (status %d)", v, resp.StatusCode)
				}
				return
			}
			contains(t, tab, "Log out from all devices", `action="`+prefs+`/devices/logout"`)
			if v >= 19 {
				contains(t, tab, "<h3>Devices</h3>", "Check if they are yours.")
			} else {
				contains(t, tab, "Other Devices")
			}
			req := auth.KeyRequest{UserID: e.UserID, Name: "sync"}
			if v >= 18 {
				req.Days = 1
			}
			key, _, err := e.s.Auth.CreateKey(ctx, nil, req)
			if err != nil {
				t.Fatal(err)
			}

			// Without a fresh identity check the button asks for the password.
			resp := here.post(prefs+"/devices/logout", url.Values{"csrf_token": {csrf(t, tab)}})
			if got := location(t, resp); got != prefs+"/identity?do=devices" {
				t.Fatalf("the button goes to %q, want the identity check", got)
			}
			if r := there.get(prefs); r.StatusCode != http.StatusOK {
				t.Fatalf("the other session ended before the identity check (status %d)", r.StatusCode)
			}
			// Without the CSRF token nothing happens either.
			if r := here.post(prefs+"/devices/logout", url.Values{}); r.StatusCode == http.StatusSeeOther {
				t.Fatalf("a post without the CSRF token was followed (to %s)", r.Header.Get("Location"))
			}

			confirmIdentity(t, here, prefs, "devices", 0)
			if r := there.get(prefs); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/web/login") {
				t.Errorf("the other browser is still logged in: status %d, Location %q", r.StatusCode, r.Header.Get("Location"))
			}
			page := here.get(prefs + "?tab=security&done=devices")
			if page.StatusCode != http.StatusOK {
				t.Fatalf("the browser that asked was logged out too: status %d", page.StatusCode)
			}
			contains(t, page.Body, "You have been logged out of every other device.")
			if uid, err := e.s.Auth.Authenticate(ctx, userLogin, key, ""); err != nil || uid != e.UserID {
				t.Errorf("the API key stopped working: uid %d, %v", uid, err)
			}
			audit, err := e.s.Store.ListAudit(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range audit {
				if a.Kind == okapi.AuditLoggedOut && a.UserID == e.UserID && a.Detail == "1 web session ended" {
					found = true
				}
			}
			if !found {
				t.Errorf("no audit entry for logging out the devices: %+v", audit)
			}

			// Changing the password ends the other sessions, not this one.
			there.login(userLogin, userPassword)
			const newPassword = "mia-Secret-43"
			resp = here.post(prefs+"/password", url.Values{"csrf_token": {here.token(prefs)},
				"old_password": {userPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
			location(t, resp)
			if r := there.get(prefs); r.StatusCode != http.StatusSeeOther {
				t.Errorf("the other browser survived the password change: status %d", r.StatusCode)
			}
			if r := here.get(prefs); r.StatusCode != http.StatusOK {
				t.Errorf("the browser that changed the password was logged out: status %d", r.StatusCode)
			}
			if uid, err := e.s.Auth.Authenticate(ctx, userLogin, key, ""); err != nil || uid != e.UserID {
				t.Errorf("the API key stopped working after the password change: uid %d, %v", uid, err)
			}
		})
	}
}
