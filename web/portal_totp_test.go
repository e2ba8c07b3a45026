package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/totp"
)

var (
	secretRE = regexp.MustCompile(`id="totp-secret"[^>]*>([^<]+)<`)
	tokenRE  = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// TestPortalTOTP: a portal user turns two-factor authentication on and off
// on /my/security, as Odoo's auth_totp_portal lets them (14–19, the same
// words in each): the section, the identity check, the activation dialog,
// a login that then asks for the code, and disabling it again.
func TestPortalTOTP(t *testing.T) {
	for _, v := range []int{14, 16, 18, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			clock := testclock.New(time.Now())
			e := newEnv(t, v, envOptions{clock: clock})
			portal := e.createUser(auth.UserRequest{Login: "portal1", Password: "portal-pass", Kind: okapi.KindPortal})
			const sec = "/my/security"
			c := e.client()
			c.login("portal1", "portal-pass")

			page := c.get(sec)
			contains(t, page.Body, "Two-factor authentication", "Two-factor authentication not enabled", "Enable two-factor authentication")
			if got := location(t, c.get(sec+"/totp/enable")); got != sec+"/identity?do=totp-enable" {
				t.Fatalf("Enable goes to %q, want the identity check", got)
			}
			check := c.get(sec + "/identity?do=totp-enable")
			contains(t, check.Body, "Security Control")
			resp := c.post(sec+"/identity", url.Values{"csrf_token": {csrf(t, check.Body)}, "do": {"totp-enable"}, "password": {"portal-pass"}})
			if got := location(t, resp); got != sec+"/totp/enable" {
				t.Fatalf("after the identity check: %q", got)
			}
			dlg := c.get(sec + "/totp/enable")
			if dlg.StatusCode != http.StatusOK {
				t.Fatalf("the activation dialog: status %d", dlg.StatusCode)
			}
			ms, mt := secretRE.FindStringSubmatch(dlg.Body), tokenRE.FindStringSubmatch(dlg.Body)
			if ms == nil || mt == nil || !strings.Contains(dlg.Body, `class="o_totp_qr"`) {
				t.Fatalf("no QR code, secret or token in the dialog:\n%s", dlg.Body)
			}
			secret := totp.Compact(html.UnescapeString(ms[1]))
			form := url.Values{"csrf_token": {csrf(t, dlg.Body)}, "token": {html.UnescapeString(mt[1])}}
			wrong, _ := totp.Code(secret, clock.Now().Add(-time.Hour))
			form.Set("code", wrong)
			if r := c.post(sec+"/totp/enable", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, auth.MsgTOTPWrong) {
				t.Fatalf("a wrong code: status %d", r.StatusCode)
			}
			code, _ := totp.Code(secret, clock.Now())
			form.Set("code", code)
			if got := location(t, c.post(sec+"/totp/enable", form)); !strings.HasPrefix(got, sec) {
				t.Fatalf("after the right code: %q", got)
			}
			contains(t, c.get(sec).Body, "Two-factor authentication enabled", "(Disable two-factor authentication)")
			if u, _ := e.s.Auth.UserByLogin(context.Background(), "portal1"); !u.TOTP {
				t.Fatal("2FA is not on for the portal user")
			}

			// The next login asks for a code, then lands on the portal.
			c2 := e.client()
			if got := location(t, c2.login("portal1", "portal-pass")); got != "/web/login/totp" && !strings.HasPrefix(got, "/web/login/totp?") {
				t.Fatalf("a login with 2FA on goes to %q, want the code step", got)
			}
			clock.Advance(totp.Period)
			code, _ = totp.Code(secret, clock.Now())
			step := c2.get("/web/login/totp")
			r := c2.post("/web/login/totp", url.Values{"csrf_token": {csrf(t, step.Body)}, "totp_token": {code}})
			if got := location(t, r); strings.Contains(got, "/web/login") {
				t.Fatalf("the right code went to %q", got)
			}
			contains(t, c2.get(sec).Body, "Two-factor authentication enabled")

			// Disabling it (the identity check is still fresh on c).
			if got := location(t, c.post(sec+"/totp/disable", url.Values{"csrf_token": {c.token(sec)}})); !strings.HasPrefix(got, sec) {
				t.Fatalf("disable went to %q", got)
			}
			contains(t, c.get(sec).Body, "Two-factor authentication not enabled")
			if u, _ := e.s.Auth.UserByLogin(context.Background(), "portal1"); u.TOTP || u.ID != portal.ID {
				t.Fatal("2FA is still on after disabling it")
			}
		})
	}
}
