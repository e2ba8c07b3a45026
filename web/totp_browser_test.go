package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/totp"
)

// TestBrowserTOTP turns two-factor authentication on and uses it, as a
// person does in each version: the security tab, the identity check, the
// activation dialog (a wrong code first), the login's second step (a wrong
// code first) with "Don't ask again on this device", the trusted device
// skipping the code, and its revocation. One flow per profile.
func TestBrowserTOTP(t *testing.T) {
	for v := 14; v <= 19; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			totpFlow(t, okapi.MustProfile(v))
		})
	}
}

// totpWordsOf are the words the flow checks, per version (auth_totp's
// views and templates; see web/totp.go).
func totpWordsOf(v int) (enable, dialog, activate, label, remember, login, on string) {
	switch {
	case v == 14:
		return "Enable two-factor authentication", "Enable Two-Factor Authentication", "Enable two-factor authentication",
			"Authentication Code (6 digits)", "Don't ask again on this device", "Verify", "Two-factor authentication enabled"
	case v == 15:
		return "Enable 2FA", "Two-Factor Authentication Activation", "Activate", "Authentication Code", "Don't ask again on this device",
			"Login", "Your account is protected!"
	case v >= 19:
		return "Enable 2FA", "Two-Factor Authentication Activation", "Enable Two-Factor Authentication", "Authentication Code",
			"Don't ask again on this device", "Log in", "Enabled"
	}
	return "Enable 2FA", "Two-Factor Authentication Activation", "Activate", "Authentication Code", "Don't ask again on this device",
		"Log in", "Your account is protected!"
}

func totpFlow(t *testing.T, p *okapi.Profile) {
	clock := testclock.New(time.Now())
	e := newEnv(t, p.Version, envOptions{clock: clock})
	b := newTab(t, e.URL)
	v := p.Version
	shot := func(step string) { b.screenshot(fmt.Sprintf("%d-2fa-%s", v, step)) }
	enable, dialog, activate, label, remember, loginButton, on := totpWordsOf(v)

	b.login(userLogin, userPassword)
	b.openKeys(p)
	b.sees("Two-factor Authentication")
	if v == 14 {
		b.sees("Two-factor authentication not enabled")
	}
	if got := strings.TrimSpace(strings.TrimPrefix(b.text("a.o_totp_enable"), "○")); got != enable {
		t.Errorf("the button says %q, want %q", got, enable)
	}
	follow(b, chromedp.CSS("a.o_totp_enable"))
	b.confirmPassword(p, userPassword)

	// The activation dialog: QR code, secret behind "Cannot scan it?".
	b.sees(dialog, activate)
	if !b.visible("img.o_totp_qr") {
		t.Fatal("no QR code in the activation dialog")
	}
	if ok := eval[bool](b, `(() => { const i = document.querySelector('img.o_totp_qr'); return i.complete && i.naturalWidth === 200; })()`); !ok {
		t.Error("the QR code image did not load")
	}
	click(b, chromedp.CSS("details.o_totp_secret summary"))
	secret := totp.Compact(b.text("#totp-secret"))
	if !totp.ValidSecret(secret) {
		t.Fatalf("the dialog shows %q, not a secret", secret)
	}
	b.typeIn("#totp-code", "000000")
	if c, _ := totp.Code(secret, clock.Now()); c == "000000" {
		b.typeIn("#totp-code", "111111")
	}
	follow(b, text("button", activate))
	b.sees(auth.MsgTOTPWrong, dialog)
	click(b, chromedp.CSS("details.o_totp_secret summary"))
	if got := totp.Compact(b.text("#totp-secret")); got != secret {
		t.Fatalf("after a wrong code the dialog shows another secret")
	}
	shot("1-activation")
	code, _ := totp.Code(secret, clock.Now())
	b.typeIn("#totp-code", code)
	follow(b, text("button", activate))
	b.sees(on, "Two-factor authentication is now enabled.")

	// The login asks for the code.
	b.logout()
	b.login(userLogin, userPassword)
	b.sees("Two-factor Authentication", label, remember, loginButton)
	b.typeIn("#totp_token", code) // the activation's code: refused, it was used
	follow(b, text("button", loginButton))
	b.sees(auth.MsgTOTPReplay)
	shot("2-login-code")
	clock.Advance(totp.Period)
	code, _ = totp.Code(secret, clock.Now())
	b.typeIn("#totp_token", code)
	click(b, chromedp.CSS("#switch-remember"))
	follow(b, text("button", loginButton))
	b.sees(userName)

	// The trusted device is listed, and skips the code at the next login.
	b.openKeys(p)
	b.sees("Trusted Devices", "Chrome on Linux")
	if v >= 19 {
		b.sees("Trusted for 2FA")
	}
	shot("3-devices")
	b.logout()
	b.login(userLogin, userPassword)
	b.seesNot(label)
	b.sees(userName)

	// Revoked (after the identity check), the device is asked again.
	b.openKeys(p)
	follow(b, chromedp.CSS("button.o_device_revoke"))
	b.confirmPassword(p, userPassword)
	b.sees("The trusted devices have been revoked")
	b.seesNot("Chrome on Linux")
	b.logout()
	b.login(userLogin, userPassword)
	b.sees(label, remember)
	if strings.Contains(b.seen(), userName) {
		t.Error("a revoked device logged in without the code")
	}
}

// logout logs out from the home screen's user menu (the preferences
// dialog keeps the top bar out of reach).
func (b *tab) logout() {
	b.t.Helper()
	b.open("/")
	click(b, chromedp.CSS("summary.o_user_menu_toggle"))
	follow(b, text("button", "Log out"))
}

// TestBrowserPortalTOTP: a portal user turns two-factor authentication on
// in Chromium on /my/security (the portal's "Security Control" check, the
// activation dialog), another browser's login then asks for the code, and
// the first turns it off again.
func TestBrowserPortalTOTP(t *testing.T) {
	t.Parallel()
	const v = 17
	clock := testclock.New(time.Now())
	e := newEnv(t, v, envOptions{clock: clock})
	e.createUser(auth.UserRequest{Login: "portal1", Password: "portal-pass", Kind: okapi.KindPortal})
	_, dialog, activate, label, _, loginButton, _ := totpWordsOf(v)

	b := newTab(t, e.URL)
	b.login("portal1", "portal-pass")
	b.open("/my/security")
	b.sees("Two-factor authentication", "Two-factor authentication not enabled")
	follow(b, chromedp.CSS("a.o_totp_enable"))
	b.sees("Security Control")
	b.typeIn("#identity-password", "portal-pass")
	follow(b, text("button", "Confirm Password"))
	b.sees(dialog, activate)
	if !b.visible("img.o_totp_qr") {
		t.Fatal("no QR code in the activation dialog")
	}
	click(b, chromedp.CSS("details.o_totp_secret summary"))
	secret := totp.Compact(b.text("#totp-secret"))
	code, _ := totp.Code(secret, clock.Now())
	b.typeIn("#totp-code", code)
	follow(b, text("button", activate))
	b.sees("Two-factor authentication enabled", "Two-factor authentication is now enabled.")
	b.screenshot(fmt.Sprintf("%d-portal-2fa", v))

	other := newTab(t, e.URL)
	other.login("portal1", "portal-pass")
	other.sees(label, loginButton)
	clock.Advance(totp.Period)
	code, _ = totp.Code(secret, clock.Now())
	other.typeIn("#totp_token", code)
	follow(other, text("button", loginButton))
	other.open("/my/security")
	other.sees("Two-factor authentication enabled")

	follow(b, chromedp.CSS("button.o_totp_disable"))
	b.sees("Two-factor authentication not enabled", "Two-factor authentication has been disabled.")
}
