package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/okapi-erp/okapi"
)

// press sends keys to the focused element, as a person typing.
func (b *tab) press(keys string) {
	b.t.Helper()
	b.do(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// until waits for a JavaScript condition, such as the next page after a key
// that submits a form.
func (b *tab) until(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && (`+js+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: not reached (at %s)", what, eval[string](b, `location.href`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// focused describes the element that has the focus.
func (b *tab) focused() string {
	b.t.Helper()
	return eval[string](b, `(() => { const e = document.activeElement; if (!e) return ''; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.value || '').trim(); })()`)
}

// tabTo presses Tab until the focused element matches css and, when given,
// shows text; a person reaches it with the keyboard alone, or the test fails.
func (b *tab) tabTo(css, text string) {
	b.t.Helper()
	check := fmt.Sprintf(`(() => { const e = document.activeElement; return !!e && e.matches(%q) && (%q === '' || (e.innerText || '').trim() === %q); })()`, css, text, text)
	for i := 0; i < 40; i++ {
		if eval[bool](b, check) {
			return
		}
		b.press(kb.Tab)
	}
	b.t.Fatalf("Tab never reaches %s %q (the focus cycles through other elements; now on %q)", css, text, b.focused())
}

// unlabelled lists the visible fields that have no label a screen reader
// can read.
func (b *tab) unlabelled() []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(e => e.offsetParent !== null && !e.closest('[inert]'))
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
		.map(e => e.id || e.name || e.outerHTML)`)
}

func (b *tab) allLabelled(where string) {
	b.t.Helper()
	if l := b.unlabelled(); len(l) > 0 {
		b.t.Errorf("%s: fields without a label: %q", where, l)
	}
}

// TestBrowserKeyboard creates and uses a key with the keyboard alone: log
// in, the user menu, the entry, the tab, the button, the identity check,
// the name, "Done!"; focus starts in each dialog and stays there; Escape
// closes the preferences dialog; every field on the way has a label.
func TestBrowserKeyboard(t *testing.T) {
	for _, v := range []int{15, 18, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			p := okapi.MustProfile(v)
			e := newEnv(t, v)
			b := newTab(t, e.URL)

			b.open("/web/login")
			b.allLabelled("login")
			if f := b.focused(); !strings.HasPrefix(f, "input#login") {
				t.Errorf("the login page starts with the focus on %q, want the login field", f)
			}
			b.press(userLogin + kb.Tab + userPassword + kb.Enter)
			b.until("the web client after logging in", `!location.pathname.startsWith('/web/login')`)
			b.sees(userName)

			b.tabTo("summary.o_user_menu_toggle", "")
			b.press(kb.Enter)
			b.tabTo("a", p.UI.MenuEntry)
			b.press(kb.Enter)
			b.until("the preferences dialog", `!!document.querySelector('.o_prefs')`)
			if !eval[bool](b, `!!document.activeElement.closest('.o_dialog')`) {
				t.Errorf("the preferences dialog opens with the focus outside it, on %q", b.focused())
			}
			b.tabTo("a.o_tab", p.UI.Tab)
			b.press(kb.Enter)
			b.until("the security tab", `location.search.includes('tab=security')`)
			if p.UI.DevModeRequired {
				// 15: developer mode first, from the hint's button.
				b.tabTo("a", "Activate the developer mode")
				b.press(kb.Enter)
				b.until("developer mode", `!!document.querySelector('.o_new_key_button')`)
			}
			b.allLabelled("security tab")

			b.tabTo("a.o_new_key_button", p.UI.NewKeyButton)
			b.press(kb.Enter)
			b.until("the identity check", `!!document.querySelector('#identity-password')`)
			if f := b.focused(); !strings.HasPrefix(f, "input#identity-password") {
				t.Errorf("the identity check opens with the focus on %q, want the password", f)
			}
			b.allLabelled("identity check")
			// The focus stays in the dialog however far one tabs.
			for i := 0; i < 12; i++ {
				b.press(kb.Tab)
				if !eval[bool](b, `!!document.activeElement.closest('.o_modal:not([inert]) .o_dialog')`) {
					t.Fatalf("Tab %d left the dialog for %q", i+1, b.focused())
				}
			}
			b.tabTo("input#identity-password", "")
			b.press(userPassword + kb.Enter)
			b.until("the New API Key dialog", `!!document.querySelector('#key-name')`)
			if f := b.focused(); !strings.HasPrefix(f, "input#key-name") {
				t.Errorf("New API Key opens with the focus on %q, want the name", f)
			}
			b.allLabelled("New API Key")
			name := fmt.Sprintf("keyboard %d", v)
			b.press(name + kb.Enter)
			b.until("API Key Ready", `location.pathname.endsWith('/apikeys/ready') && !!document.querySelector('#api-key')`)
			key := b.readKey()
			if f := b.focused(); !strings.HasPrefix(f, "button") || !strings.Contains(f, "Copy") {
				t.Errorf("API Key Ready opens with the focus on %q, want the copy button", f)
			}
			if got := pythonAuthenticate(t, e, e.URL, userLogin, key); got != fmt.Sprint(e.UserID) {
				t.Fatalf("the key made with the keyboard does not log in: %s", got)
			}
			b.tabTo("a", "Done!")
			b.press(kb.Enter)
			b.until("the key list", `!location.pathname.endsWith('/apikeys/ready')`)
			b.sees(name)

			// Escape closes the preferences dialog, back to the home screen.
			b.press(kb.Escape)
			b.until("the home screen", `!document.querySelector('.o_prefs')`)
		})
	}
}

// TestBrowserKeyFormSentOnce presses "Generate key" twice while the first
// answer is on its way (the server is slowed down for that): one request
// leaves the browser, one key is made, and it is shown.
func TestBrowserKeyFormSentOnce(t *testing.T) {
	t.Parallel()
	p := okapi.MustProfile(17)
	var posts atomic.Int64
	e := newEnv(t, 17, envOptions{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == prefsPath(p)+"/apikeys" {
				posts.Add(1)
				time.Sleep(400 * time.Millisecond)
			}
			h.ServeHTTP(w, r)
		})
	}})
	b := newTab(t, e.URL)
	b.openNewKeyDialog(p)
	b.typeIn("#key-name", "pressed twice")
	b.do("press Generate key twice", chromedp.Evaluate[chromedp.Void](`(() => {
		const button = [...document.querySelectorAll('form[data-once] button[type=submit]')].find(x => x.innerText.trim() === 'Generate key');
		button.click();
		setTimeout(() => button.click(), 100);
	})()`))
	b.until("API Key Ready", `!!document.querySelector('#api-key') || document.body.innerText.includes('already been shown')`)
	if !eval[bool](b, `!!document.querySelector('#api-key')`) {
		t.Fatalf("the second press won: the page says the key was shown, and the key the first one made was never seen (%d requests)", posts.Load())
	}
	key := b.readKey()
	if n := posts.Load(); n != 1 {
		t.Errorf("%d requests left the browser, want 1", n)
	}
	keys, err := e.s.Auth.Keys(context.Background(), nil, e.UserID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("%d keys made, want 1 (%v)", len(keys), err)
	}
	if got := pythonAuthenticate(t, e, e.URL, userLogin, key); got != fmt.Sprint(e.UserID) {
		t.Fatalf("the key shown does not log in: %s", got)
	}
}
