package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/proctest"
)

// The browser tests drive Debian's Chromium with chromedp. One browser
// serves the whole test binary; each test gets its own tab in its own
// browser context, so cookies of parallel tests (all on 127.0.0.1) never
// mix.

func TestMain(m *testing.M) {
	code := m.Run()
	shared.stop()
	proctest.Cleanup()
	os.Exit(code)
}

var shared browserProcess

type browserProcess struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	err    error
}

func chromiumPath() string {
	if p := os.Getenv("OKAPI_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func (bp *browserProcess) start() {
	bp.dir, bp.err = os.MkdirTemp("", "okapi-chromium-")
	if bp.err != nil {
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these, Chromium tries to reach Google's servers, which
		// the closed network of a sandbox or CI turns into failures.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(bp.dir),
		chromedp.WindowSize(1100, 750),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	bp.ctx = bctx
	bp.cancel = func() { bcancel(); acancel() }
	// The first run starts the browser and binds it to bctx, which has no
	// deadline: the browser lives until TestMain stops it.
	bp.err = chromedp.Do(bctx)
}

func (bp *browserProcess) stop() {
	if bp.cancel != nil {
		bp.cancel()
	}
	if bp.dir != "" {
		os.RemoveAll(bp.dir)
	}
}

// tab is one browser tab on one test server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newTab opens a tab on base. Without Chromium the test is skipped, unless
// OKAPI_REQUIRE_BROWSER=1 (as in CI), where it fails.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	if _, err := os.Stat(chromiumPath()); err != nil {
		if os.Getenv("OKAPI_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (OKAPI_REQUIRE_BROWSER=1) but %s is missing: %v", chromiumPath(), err)
		}
		t.Skipf("no Chromium at %s (install Debian's chromium, or set OKAPI_CHROMIUM)", chromiumPath())
	}
	shared.once.Do(shared.start)
	if shared.err != nil {
		t.Fatalf("starting Chromium: %v", shared.err)
	}
	tabCtx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(1100, 750)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancelT := context.WithTimeout(tabCtx, 90*time.Second)
	t.Cleanup(cancelT)
	return &tab{t: t, ctx: ctx, base: base}
}

// text selects the element of a tag whose whole text is s.
func text(tag, s string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//%s[normalize-space()=%s]`, tag, xpathString(s)))
}

func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return `'` + s + `'`
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// follow clicks something that loads a page, and waits for that page.
func follow[S chromedp.Selectable](b *tab, sel S) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel))
	if err != nil {
		b.t.Fatalf("click %v: %v", sel, err)
	}
	return resp.Status
}

func click[S chromedp.Selectable](b *tab, sel S) {
	b.t.Helper()
	b.do(fmt.Sprintf("click %v", sel), chromedp.Click(sel))
}

func (b *tab) typeIn(css, s string) {
	b.t.Helper()
	b.clear(css)
	b.do("type in "+css, chromedp.SendKeys(chromedp.CSS(css), s))
}

// clear empties a field. (chromedp's SetValue cannot set "": it checks the
// value it set by truthiness.)
func (b *tab) clear(css string) {
	b.t.Helper()
	b.do("clear "+css, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ''`, css)))
}

func (b *tab) setValue(css, v string) {
	b.t.Helper()
	b.do("set "+css, chromedp.SetValue(chromedp.CSS(css), v))
}

// text returns what a person sees of an element (its innerText).
func (b *tab) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// seen is the text of the page that is not behind a modal dialog, so a
// check never passes on words a person cannot reach.
func (b *tab) seen() string {
	b.t.Helper()
	return eval[string](b, `[...document.body.children].filter(e => !e.closest('[inert]')).map(e => e.innerText).join('\n')`)
}

func (b *tab) visible(css string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.offsetParent !== null && !e.closest('[inert]'); })()`, css))
}

func (b *tab) sees(want ...string) {
	b.t.Helper()
	page := b.seen()
	for _, w := range want {
		if !strings.Contains(page, w) {
			b.t.Errorf("the page does not show %q; it shows:\n%s", w, page)
		}
	}
}

func (b *tab) seesNot(unwanted ...string) {
	b.t.Helper()
	page := b.seen()
	for _, w := range unwanted {
		if strings.Contains(page, w) {
			b.t.Errorf("the page shows %q, it should not:\n%s", w, page)
		}
	}
}

// screenshot writes docs/screenshots/<name>.png when OKAPI_SCREENSHOTS=1.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	if os.Getenv("OKAPI_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) login(login, password string) {
	b.t.Helper()
	b.open("/")
	b.sees("Email", "Password", "Log in")
	b.typeIn("#login", login)
	b.typeIn("#password", password)
	follow(b, text("button", "Log in"))
}

// openKeys follows the version's path from the top bar to the key
// section: the avatar, the menu entry, the tab.
func (b *tab) openKeys(p *okapi.Profile) {
	b.t.Helper()
	click(b, chromedp.CSS("summary.o_user_menu_toggle"))
	follow(b, text("a", p.UI.MenuEntry))
	b.sees("Change My Preferences", "Preferences", p.UI.Tab)
	follow(b, text("a", p.UI.Tab))
}

// openNewKeyDialog logs the normal user in and goes to "New API Key":
// the version's path, the button, the identity check.
func (b *tab) openNewKeyDialog(p *okapi.Profile) {
	b.t.Helper()
	b.login(userLogin, userPassword)
	b.openKeys(p)
	follow(b, text("a", p.UI.NewKeyButton))
	b.confirmPassword(p, userPassword)
}

// confirmPassword passes the identity check dialog, after a wrong try
// that must show the version's message.
func (b *tab) confirmPassword(p *okapi.Profile, password string) {
	b.t.Helper()
	b.sees(p.UI.IdentityTitle, p.UI.IdentityHeading, "Confirm Password", p.UI.IdentityCancel, "Forgot password?")
	b.typeIn("#identity-password", "not my password")
	follow(b, text("button", "Confirm Password"))
	want := "Incorrect Password, try again or click on Forgot Password to reset your password."
	if p.Version == 14 {
		want = "Access Denied"
	}
	b.sees(want)
	b.typeIn("#identity-password", password)
	follow(b, text("button", "Confirm Password"))
}

// readKey reads the key from "API Key Ready".
func (b *tab) readKey() string {
	b.t.Helper()
	b.sees("API Key Ready", "Write down your key",
		"Here is your new API key, use it instead of a password for RPC access. Your login is still necessary for interactive usage.",
		"Important: The key cannot be retrieved later and provides full access to your user account, it is very important to store it securely.",
		"Done!")
	key := strings.TrimSpace(b.text("code#api-key"))
	if !okapi.LooksLikeKey(key) {
		b.t.Fatalf("the <code> holds %q, not a key", key)
	}
	if !b.visible("button.o_copy") {
		b.t.Errorf("no copy button")
	}
	return key
}

// goBackToKey goes back in history to the page that showed the key, and
// checks that it shows the key no more.
func (b *tab) goBackToKey(key string) {
	b.t.Helper()
	b.do("history.back()", chromedp.Evaluate[chromedp.Void](`history.back()`))
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname + '\n' + document.documentElement.outerHTML`))
		if strings.Contains(page, key) {
			b.t.Fatalf("going back shows the key again")
		}
		if strings.HasSuffix(strings.SplitN(page, "\n", 2)[0], "/apikeys/ready") && strings.Contains(page, "already been shown") {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("going back did not reach the key page; at:\n%s", page)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func prefsPath(p *okapi.Profile) string {
	if p.Version >= 19 {
		return "/odoo/preferences"
	}
	return "/web/preferences"
}

// TestBrowserKeyFlow follows, for each version, the path of that version's
// guide as a normal internal user: the user menu, the entry, the tab, the
// button, the identity check, the name (and in 18+ the duration), "Generate
// key"; reads the key from the page and logs in with it through Python's
// xmlrpc.client; then deletes it in the page and sees the login fail.
func TestBrowserKeyFlow(t *testing.T) {
	for v := 14; v <= 19; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			keyFlow(t, okapi.MustProfile(v))
		})
	}
}

func keyFlow(t *testing.T, p *okapi.Profile) {
	e := newEnv(t, p.Version)
	b := newTab(t, e.URL)
	v := p.Version
	shot := func(step string) {
		if v >= 18 {
			b.screenshot(fmt.Sprintf("%d-%s", v, step))
		}
	}

	b.open("/")
	shot("1-login")
	b.login(userLogin, userPassword)
	b.sees(userName)
	b.openKeys(p)

	if p.UI.DevModeRequired {
		// 15: no key section until developer mode is on, and a hint
		// saying where to switch it on.
		b.seesNot(p.UI.NewKeyButton)
		b.sees("shown in developer mode only", `Settings → Developer Tools → "Activate the developer mode"`, "?debug=1")
		follow(b, text("a", "Activate the developer mode"))
		// The session keeps it: the tab shows the section without ?debug.
		b.open(prefsPath(p) + "?tab=security")
		if !eval[bool](b, `!!document.querySelector('.o_debug_badge')`) {
			t.Errorf("no developer-mode marker in the top bar")
		}
	} else {
		b.seesNot("developer mode only")
	}
	b.sees(p.UI.Section, p.UI.NewKeyButton)
	if p.UI.SectionHelp != "" {
		b.sees(p.UI.SectionHelp)
	}
	shot("2-security")

	follow(b, text("a", p.UI.NewKeyButton))
	shot("3-identity")
	b.confirmPassword(p, userPassword)

	b.sees("New API Key", "Name your key", "Enter a description of and purpose for the key.",
		"It is very important that this description be clear and complete, it will be the only way to identify the key once created.",
		"Generate key", "Cancel")
	if got := eval[string](b, `document.querySelector('#key-name').placeholder`); got != "What's this key for?" {
		t.Errorf("name placeholder %q", got)
	}
	name := fmt.Sprintf("Invoice sync (Odoo %d)", v)
	b.typeIn("#key-name", name)
	var expires time.Time
	if p.KeysExpire {
		b.sees("Give a duration for the key's validity", "The key will be deleted once this period has elapsed.",
			`Looking for "Persistent Key"? Only administrators can create keys that never expire.`)
		options := eval[[]string](b, `[...document.querySelectorAll('#key-duration option')].map(o => o.textContent.trim())`)
		if want := []string{"1 Day", "1 Week", "1 Month", "3 Months", "Custom Date"}; !slices.Equal(options, want) {
			t.Errorf("a normal user's durations: %q, want %q (no Persistent Key)", options, want)
		}
		if b.visible("#key-expiration") {
			t.Errorf("the custom date shows before Custom Date is chosen")
		}
		b.setValue("#key-duration", "-1")
		if !b.visible("#key-expiration") {
			t.Errorf("Custom Date does not show the date field")
		}
		b.setValue("#key-duration", "7")
		expires = okapi.ExpirationFor(time.Now(), 7)
	} else if b.visible("#key-duration") {
		t.Errorf("a duration selector before 18")
	}
	shot("4-new-key")
	follow(b, text("button", "Generate key"))

	key := b.readKey()
	shot("5-key-ready")
	if got := pythonAuthenticate(t, e, e.URL, userLogin, key); got != fmt.Sprint(e.UserID) {
		t.Fatalf("xmlrpc.client authenticate with the new key: %s, want %d", got, e.UserID)
	}
	follow(b, text("a", "Done!"))

	if p.UI.Cards {
		card := b.text(".o_key_card")
		for _, want := range []string{name, "Expires on: " + expires.Format("01/02/2006"), "Delete"} {
			if !strings.Contains(card, want) {
				t.Errorf("the card %q lacks %q", card, want)
			}
		}
		if strings.Contains(card, "Scope:") {
			t.Errorf("the card shows a scope, but the key has none: %q", card)
		}
		b.sees(p.UI.NewKeyButton)
	} else {
		row := b.text(".o_key_row")
		if !strings.Contains(row, name) {
			t.Errorf("the list row %q lacks the name", row)
		}
		b.sees("Description", "Scope", "Creation Date")
		if p.UI.ExpirationColumn {
			b.sees("Expiration Date")
			if !strings.Contains(row, expires.Format("01/02/2006")) {
				t.Errorf("the 1-week key's row %q lacks its expiration date %s", row, expires.Format("01/02/2006"))
			}
		} else {
			b.seesNot("Expiration Date")
		}
		if got := eval[string](b, `document.querySelector('.o_key_row button.o_delete').title`); got != p.UI.DeleteLabel {
			t.Errorf("trash button title %q, want %q", got, p.UI.DeleteLabel)
		}
	}
	shot("6-keys")

	b.goBackToKey(key)

	b.open(prefsPath(p) + "?tab=security")
	follow(b, chromedp.CSS("button.o_delete"))
	b.seesNot(name)
	if got := pythonAuthenticate(t, e, e.URL, userLogin, key); got != "False" {
		t.Errorf("authenticate with the deleted key: %s, want False", got)
	}

	// 17+: "Log out from all devices" ends the user's other sessions (the
	// identity check is still fresh, so it runs at once) and keeps this one.
	if p.UI.Devices {
		other := e.client()
		other.login(userLogin, userPassword)
		follow(b, text("button", "Log out from all devices"))
		b.sees("You have been logged out of every other device.", p.UI.NewKeyButton)
		shot("7-devices")
		if r := other.get(prefsPath(p)); r.StatusCode != http.StatusSeeOther {
			t.Errorf("another browser's session survived \"Log out from all devices\" (status %d)", r.StatusCode)
		}
	} else {
		b.seesNot("Log out from all devices")
	}

	if v == 17 {
		// The login page takes the password only: the key is refused like
		// a wrong password.
		b.open("/")
		click(b, chromedp.CSS("summary.o_user_menu_toggle"))
		follow(b, text("button", "Log out"))
		b.login(userLogin, key)
		b.sees("Wrong login/password")
	}
}

// TestBrowserPersistentKeyAdmin: in 18 an administrator gets "Persistent
// Key" (a normal user does not: see the flow above) and no hint.
func TestBrowserPersistentKeyAdmin(t *testing.T) {
	t.Parallel()
	p := okapi.MustProfile(18)
	e := newEnv(t, 18)
	b := newTab(t, e.URL)
	b.login(adminLogin, adminPassword)
	b.openKeys(p)
	follow(b, text("a", p.UI.NewKeyButton))
	b.confirmPassword(p, adminPassword)
	options := eval[[]string](b, `[...document.querySelectorAll('#key-duration option')].map(o => o.textContent.trim())`)
	if want := []string{"1 Day", "1 Week", "1 Month", "3 Months", "6 Months", "1 Year", "Persistent Key", "Custom Date"}; !slices.Equal(options, want) {
		t.Errorf("an administrator's durations: %q, want %q", options, want)
	}
	b.seesNot("Only administrators can create keys that never expire")
	b.typeIn("#key-name", "ERP bridge")
	b.setValue("#key-duration", "0")
	follow(b, text("button", "Generate key"))
	key := b.readKey()
	follow(b, text("a", "Done!"))
	if row := b.text(".o_key_row"); !strings.Contains(row, "ERP bridge") {
		t.Errorf("row %q", row)
	}
	if got := strings.TrimSpace(b.text(".o_key_row .o_key_expires")); got != "" {
		t.Errorf("a persistent key shows an expiration %q", got)
	}
	if got := pythonAuthenticate(t, e, e.URL, adminLogin, key); got != "2" {
		t.Errorf("authenticate: %s", got)
	}
}

// TestBrowserValidationInDialog: Odoo's duration errors appear in the
// dialog, and Escape closes a dialog.
func TestBrowserValidationInDialog(t *testing.T) {
	t.Parallel()
	p := okapi.MustProfile(19)
	e := newEnv(t, 19)
	b := newTab(t, e.URL)
	b.openNewKeyDialog(p)
	b.typeIn("#key-name", "too long")
	b.setValue("#key-duration", "-1")
	b.setValue("#key-expiration", time.Now().UTC().AddDate(0, 0, 200).Format("2006-01-02"))
	// The date field's min/max checks are the server's; skip the browser's.
	b.do("novalidate", chromedp.Evaluate[chromedp.Void](`document.querySelector('.o_new_key form').noValidate = true`))
	follow(b, text("button", "Generate key"))
	b.sees("You cannot exceed 90.0 days.", "Name your key")
	if got := eval[string](b, `document.activeElement.id`); got != "key-name" {
		t.Errorf("focus on %q, want the name field", got)
	}
	b.clear("#key-expiration")
	follow(b, text("button", "Generate key"))
	b.sees("The API key must have an expiration date")

	// Tab stays in the dialog: from its last control to its first.
	b.do("focus Cancel", chromedp.Focus(text("a", "Cancel")))
	b.do("Tab", chromedp.KeyEvent("\t"))
	if got := eval[bool](b, `!!document.activeElement.closest('.o_new_key')`); !got {
		t.Errorf("Tab left the dialog for %s", eval[string](b, `document.activeElement.outerHTML`))
	}

	// Escape closes the dialog, back to the Security tab.
	b.do("Escape", chromedp.KeyEvent("\x1b"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(eval[string](b, `location.search`), "tab=security") {
		if time.Now().After(deadline) {
			t.Fatalf("Escape did not close the dialog: at %s", eval[string](b, `location.href`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recorder keeps a copy of every answer's headers and body.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	all  []string
}

type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tw := &teeWriter{ResponseWriter: w}
	rec.next.ServeHTTP(tw, r)
	var head bytes.Buffer
	w.Header().Write(&head)
	rec.mu.Lock()
	rec.all = append(rec.all, "HEADERS "+r.Method+" "+r.URL.String()+"\n"+head.String(), "BODY "+r.Method+" "+r.URL.String()+"\n"+tw.buf.String())
	rec.mu.Unlock()
}

// TestBrowserKeyInOneResponse records every answer of the server while a
// key is created, shown, used, left, gone back to and revoked: the key is
// in exactly one response body, and in no header.
func TestBrowserKeyInOneResponse(t *testing.T) {
	t.Parallel()
	p := okapi.MustProfile(19)
	rec := &recorder{}
	e := newEnv(t, 19, envOptions{wrap: func(h http.Handler) http.Handler { rec.next = h; return rec }})
	b := newTab(t, e.URL)
	b.openNewKeyDialog(p)
	b.typeIn("#key-name", "one response")
	follow(b, text("button", "Generate key"))
	key := b.readKey()
	if got := pythonAuthenticate(t, e, e.URL, userLogin, key); got != fmt.Sprint(e.UserID) {
		t.Fatalf("authenticate: %s", got)
	}
	b.do("reload", chromedp.Reload())
	b.seesNot(key)
	follow(b, text("a", "Done!"))
	b.goBackToKey(key)
	b.open(prefsPath(p) + "?tab=security")
	follow(b, chromedp.CSS("button.o_delete"))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	var where []string
	for _, r := range rec.all {
		if strings.Contains(r, key) {
			where = append(where, strings.SplitN(r, "\n", 2)[0])
		}
	}
	if len(where) != 1 || where[0] != "BODY POST /odoo/preferences/apikeys" {
		t.Errorf("the key is in %d responses: %q; want exactly the body of the answer to the form that made it", len(where), where)
	}
	if len(rec.all) < 20 {
		t.Errorf("only %d records: the recorder missed the flow", len(rec.all))
	}
}

// TestBrowserNarrowWindow: on a phone-sized window nothing sticks out
// sideways, and the dialogs take the whole screen.
func TestBrowserNarrowWindow(t *testing.T) {
	t.Parallel()
	for _, v := range []int{16, 19} {
		p := okapi.MustProfile(v)
		e := newEnv(t, v)
		b := newTab(t, e.URL)
		b.do("viewport", chromedp.EmulateViewport(390, 720, chromedp.EmulateScale(1)))
		b.login(userLogin, userPassword)
		if _, _, err := e.s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: e.UserID,
			Name: "a key with a rather long description, to see it wrap"}); err != nil {
			t.Fatal(err)
		}
		b.openKeys(p)
		for _, step := range []string{"security tab", "identity check"} {
			if w := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("%d %s: the page is %dpx wider than a 390px window", v, step, w)
			}
			if w := eval[int](b, `Math.round(document.querySelector('.o_modal:last-of-type .o_dialog').getBoundingClientRect().width)`); w != 390 {
				t.Errorf("%d %s: the dialog is %dpx wide, want the whole 390px", v, step, w)
			}
			if step == "security tab" {
				follow(b, text("a", p.UI.NewKeyButton))
			}
		}
		if v == 19 {
			b.screenshot("19-narrow-identity")
		}
	}
}
