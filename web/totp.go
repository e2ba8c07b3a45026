package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// Two-factor authentication in the pages: the section of the security tab
// that turns it on and off, the activation dialog with its QR code, the
// trusted devices, the administrator's "turn off" on a user's page, and
// the second step of the login (/web/login/totp). The words and their
// place follow each version's auth_totp module: views/res_users_views.xml
// (14: views/user_preferences.xml), wizard/auth_totp_wizard_views.xml and
// views/templates.xml of 14.0, 15.0 (saas~14.5), 17.0 and 19.0, and the
// login template of 16.0 ("Log in", as 17); 16 and 18 otherwise show 17's
// words, which their translation templates (auth_totp.pot) share. The
// rules are in package auth; codes are checked in package totp.

const (
	// pendingCookie carries the signed token from the password to the code
	// (Odoo keeps a pre_uid in the session).
	pendingCookie = "okapi_totp_pending"
	// deviceCookie is Odoo's trusted-device cookie.
	deviceCookie = "td_id"
)

// TOTPWords are a version's words for 2FA.
type TOTPWords struct {
	Title   string // the section's title
	Intro   string // the explanation shown while off (15+)
	Off, On string // the status while off, while on
	// Enable and Disable are the buttons of the section.
	Enable, Disable string
	Toggle          bool // 15: icon toggles labelled "Enable 2FA" / "Disable 2FA"

	// The activation dialog.
	DialogTitle string
	Steps       bool // 15–18: "Authenticator App Setup" with its list
	ScanHeading string
	CannotScan  string
	CodeHeading string
	CodeHelp    string
	CodeLabel   string // "" in 19: a placeholder only
	CodeHint    string
	Activate    string
	Cancel      string

	// The second login step.
	LoginText   string
	LoginLabel  string
	LoginHint   string
	Remember    string
	LoginButton string

	// Trusted devices.
	Devices      string
	DeviceColumn string
	AddedOn      string
	Revoke       string
	RevokeAll    string
	RevokeAllAsk string
	DeviceBadge  string // 19: a device trusted for 2FA in the "Devices" list
}

func totpWords(v int) TOTPWords {
	w := TOTPWords{
		Title: "Two-factor Authentication",
		Intro: `Two-factor Authentication ("2FA") is a system of double authentication. The first one is done with your password and ` +
			`the second one with a code you get from a dedicated mobile app. Popular ones include Authy, Google Authenticator or the Microsoft Authenticator.`,
		On: "Your account is protected!", Enable: "Enable 2FA", Disable: "Disable 2FA",
		DialogTitle: "Two-Factor Authentication Activation", Steps: true, CannotScan: "Cannot scan it?",
		CodeHeading: "Enter your six-digit code below", CodeLabel: "Verification Code", CodeHint: "e.g. 123456",
		Activate: "Activate", Cancel: "Cancel",
		LoginText:  "To login, enter below the six-digit authentication code provided by your Authenticator app.",
		LoginLabel: "Authentication Code", LoginHint: "e.g. 123456", Remember: "Don't ask again on this device", LoginButton: "Log in",
		Devices: "Trusted Devices", DeviceColumn: "Device", AddedOn: "Added On", Revoke: "Revoke", RevokeAll: "Revoke All",
		RevokeAllAsk: "Are you sure? You may be asked to enter two-factor codes again on those devices",
	}
	switch {
	case v == 14:
		w.Intro = ""
		w.Off, w.On = "Two-factor authentication not enabled", "Two-factor authentication enabled"
		w.Enable, w.Disable = "Enable two-factor authentication", "(Disable two-factor authentication)"
		w.DialogTitle, w.Steps = "Enable Two-Factor Authentication", false
		w.ScanHeading = "Scan this barcode with your app"
		w.CannotScan = "Or enter the secret code manually:"
		w.CodeHeading = "Enter the 6-digit code from your app"
		w.CodeHelp = "After scanning the barcode, the app will display a 6-digit code that you should enter below. " +
			"Don't worry if the code changes in the app, it stays valid a bit longer."
		w.CodeHint, w.Activate = "", "Enable two-factor authentication"
		w.LoginText = "Open the two-factor authentication app on your device to obtain a code and verify your identity"
		w.LoginLabel, w.LoginHint, w.LoginButton = "Authentication Code (6 digits)", "", "Verify"
		w.DeviceColumn = "Trusted Devices"
		w.RevokeAllAsk = "Are you sure? Two-factor authentication will be required again on all your devices"
	case v == 15:
		w.Toggle, w.LoginButton = true, "Login"
		w.DeviceColumn = "Trusted Devices"
		w.RevokeAllAsk = "Are you sure? Two-factor authentication will be required again on all your devices"
	case v >= 19:
		w.Intro, w.On, w.Disable = "Recommended for extra security.", "Enabled", "Disable"
		w.Steps, w.ScanHeading = false, "Scan this barcode in your Authenticator app"
		w.CodeHeading, w.CodeLabel, w.CodeHint = "Write the code given by your app", "", "Verification code"
		w.Activate, w.Cancel = "Enable Two-Factor Authentication", "Discard"
		w.DeviceBadge = "Trusted for 2FA"
	}
	return w
}

// TOTPSection is the 2FA part of the security tab.
type TOTPSection struct {
	W       TOTPWords
	On      bool
	Enable  string // GET: the identity check, then the dialog
	Disable string // POST
	Devices []DeviceRow
	// RevokeAll is the POST that forgets every trusted device.
	RevokeAll string
}

// DeviceRow is a trusted device as the list shows it.
type DeviceRow struct {
	ID        int64
	Name      string
	Added     time.Time
	RevokeURL string
}

// TOTPDialog is the activation dialog.
type TOTPDialog struct {
	W         TOTPWords
	Action    string
	CancelURL string
	QR        template.URL // a data: URL of the PNG
	Secret    string
	URI       string
	Token     string
	Error     string
}

func init() {
	notices["2fa-on"] = "Two-factor authentication is now enabled."
	notices["2fa-off"] = "Two-factor authentication has been disabled."
	notices["2fa-devices"] = "The trusted devices have been revoked: they will be asked for a code at the next login."
}

// totpBase is where a surface's two-factor actions live: the web client's
// preferences (internal users) or the portal's /my/security (every user,
// as Odoo's auth_totp_portal adds the section there, 14–19).
func totpBase(s *surface) string { return s.base + "/totp" }

func (h *Handler) registerTOTP(mux *http.ServeMux) {
	mux.Handle("GET /web/login/totp", h.handle(anyone, h.handleTOTPLoginForm))
	mux.Handle("POST /web/login/totp", h.handle(anyone, h.handleTOTPLogin))
	mux.Handle("POST /web/login/totp/cancel", h.handle(anyone, h.handleTOTPCancel))
	for _, s := range []*surface{h.prefs, h.portal} {
		b := totpBase(s)
		mux.Handle("GET "+b+"/enable", h.handle(s.level, h.handleTOTPForm(s)))
		mux.Handle("POST "+b+"/enable", h.handle(s.level, h.handleTOTPEnable(s)))
		mux.Handle("POST "+b+"/disable", h.handle(s.level, h.handleTOTPDisable(s)))
		mux.Handle("POST "+b+"/devices/{id}/revoke", h.handle(s.level, h.handleDeviceRevoke(s)))
		mux.Handle("POST "+b+"/devices/revoke", h.handle(s.level, h.handleDeviceRevoke(s)))
	}
	mux.Handle("POST "+h.paths.Users+"/{id}/totp/disable", h.handle(admin, h.handleUserTOTPDisable))
}

// totpSection fills a surface's 2FA part for the logged-in user.
func (h *Handler) totpSection(rq *request, s *surface) (*TOTPSection, error) {
	b := totpBase(s)
	sec := &TOTPSection{W: totpWords(h.profile.Version), On: rq.user.TOTP, Enable: b + "/enable", Disable: b + "/disable",
		RevokeAll: b + "/devices/revoke"}
	if !sec.On {
		return sec, nil
	}
	devs, err := h.auth.Devices(rq.ctx(), rq.user, rq.user.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range devs {
		sec.Devices = append(sec.Devices, DeviceRow{ID: d.ID, Name: d.Name, Added: d.CreateDate,
			RevokeURL: b + "/devices/" + strconv.FormatInt(d.ID, 10) + "/revoke"})
	}
	return sec, nil
}

// issuer names this server in the person's authenticator app, as Odoo
// names its company there.
func (h *Handler) issuer() string { return h.cfg.DBName }

func (h *Handler) totpDialog(s *surface, setup *auth.TOTPSetup) *TOTPDialog {
	return &TOTPDialog{W: totpWords(h.profile.Version), Action: totpBase(s) + "/enable", CancelURL: s.back,
		QR:     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(setup.QR)),
		Secret: setup.Secret, URI: setup.URI, Token: setup.Token}
}

// handleTOTPForm opens the activation dialog, after the identity check as
// Odoo's action_totp_enable_wizard (@check_identity).
func (h *Handler) handleTOTPForm(s *surface) func(*request) error {
	return func(rq *request) error {
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=totp-enable")
		}
		if rq.user.TOTP {
			return rq.redirect(s.back)
		}
		setup, err := h.auth.BeginTOTP(rq.ctx(), rq.user, h.issuer())
		if err != nil {
			return err
		}
		return s.show(rq, http.StatusOK, &Dialogs{TOTP: h.totpDialog(s, setup)})
	}
}

// handleTOTPEnable takes the code: right, 2FA is on; wrong, the dialog stays
// open with the same QR code and Odoo's message.
func (h *Handler) handleTOTPEnable(s *surface) func(*request) error {
	return func(rq *request) error {
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=totp-enable")
		}
		f := rq.r.PostForm
		err := h.auth.EnableTOTP(rq.ctx(), rq.user, f.Get("token"), f.Get("code"), h.cfg.ClientIP(rq.r))
		if err == nil {
			return rq.redirect(withNotice(s.back, "2fa-on"))
		}
		if !userFacing(err) {
			return err
		}
		setup, serr := h.auth.SetupFromToken(rq.user, f.Get("token"), h.issuer())
		if serr != nil {
			// The dialog's secret is gone (altered or expired): a new one.
			if setup, serr = h.auth.BeginTOTP(rq.ctx(), rq.user, h.issuer()); serr != nil {
				return serr
			}
		}
		d := h.totpDialog(s, setup)
		d.Error = okapi.ErrorMessage(err)
		return s.show(rq, http.StatusUnprocessableEntity, &Dialogs{TOTP: d})
	}
}

func (h *Handler) handleTOTPDisable(s *surface) func(*request) error {
	return h.afterIdentity(s, "totp-disable", func(rq *request) error { return h.totpDisable(rq, s) })
}

func (h *Handler) totpDisable(rq *request, s *surface) error {
	if _, err := h.auth.DisableTOTP(rq.ctx(), rq.user, rq.user.ID, h.cfg.ClientIP(rq.r)); err != nil {
		return err
	}
	return rq.redirect(withNotice(s.back, "2fa-off"))
}

// handleDeviceRevoke forgets one trusted device, or all of them (no id),
// behind the identity check as Odoo's revoke_all_devices.
func (h *Handler) handleDeviceRevoke(s *surface) func(*request) error {
	return func(rq *request) error {
		var id int64
		if v := rq.r.PathValue("id"); v != "" {
			var err error
			if id, err = strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
				return errNotFound
			}
		}
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=totp-revoke&key=" + strconv.FormatInt(id, 10))
		}
		return h.deviceRevoke(rq, s, id)
	}
}

func (h *Handler) deviceRevoke(rq *request, s *surface, id int64) error {
	if _, err := h.auth.RevokeDevices(rq.ctx(), rq.user, rq.user.ID, id, h.cfg.ClientIP(rq.r)); err != nil {
		return err
	}
	return rq.redirect(withNotice(s.back, "2fa-devices"))
}

// totpPending reads what the identity check was asked for, for the
// surface's dispatch (keys.go): do and the device id.
func totpPending(do, key string) (string, int64, bool) {
	switch do {
	case "totp-enable", "totp-disable":
		return do, 0, true
	case "totp-revoke":
		id, err := strconv.ParseInt(key, 10, 64)
		return do, id, err == nil && id >= 0
	}
	return "", 0, false
}

// totpAfterIdentity runs what the identity check was for.
func (h *Handler) totpAfterIdentity(rq *request, s *surface, do string, id int64) error {
	switch do {
	case "totp-enable":
		return rq.redirect(totpBase(s) + "/enable")
	case "totp-disable":
		return h.totpDisable(rq, s)
	}
	return h.deviceRevoke(rq, s, id)
}

// handleUserTOTPDisable is the administrator's "Disable two-factor
// authentication" for a user who lost their phone.
func (h *Handler) handleUserTOTPDisable(rq *request) error {
	return h.userAction(rq, "2fa-off", func(u *okapi.User) error {
		_, err := h.auth.DisableTOTP(rq.ctx(), rq.user, u.ID, h.cfg.ClientIP(rq.r))
		return err
	})
}

// TOTPLoginPage is the second login step.
type TOTPLoginPage struct {
	Page
	W        TOTPWords
	Redirect string
	Error    string
	Token    string // the form's CSRF token (the login form's cookie)
}

// totpStep is the login's second step, called once the password was right:
// it reports whether it answered (u has 2FA on). A browser that u trusted
// before goes straight in; any other is sent to /web/login/totp.
func (h *Handler) totpStep(rq *request, u *okapi.User, redirect string) (bool, error) {
	if !u.TOTP {
		return false, nil
	}
	if c, err := rq.r.Cookie(deviceCookie); err == nil && h.auth.DeviceTrusted(rq.ctx(), u, c.Value) {
		return true, h.finishLogin(rq, u, redirect)
	}
	http.SetCookie(rq.w, h.cookie(rq.r, pendingCookie, h.auth.PendingLogin(u), "/web/login", 10*time.Minute))
	to := "/web/login/totp"
	if redirect != "" {
		to += "?redirect=" + url.QueryEscape(redirect)
	}
	return true, rq.redirect(to)
}

// finishLogin opens the session and goes where the login was headed.
func (h *Handler) finishLogin(rq *request, u *okapi.User, redirect string) error {
	if _, err := h.StartSession(rq.w, rq.r, u); err != nil {
		return err
	}
	http.SetCookie(rq.w, h.cookie(rq.r, loginCookie, "", h.paths.Login, 0))
	http.SetCookie(rq.w, h.cookie(rq.r, pendingCookie, "", "/web/login", 0))
	if redirect != "" {
		return rq.redirect(redirect)
	}
	return rq.redirect(h.homeOf(u))
}

func (h *Handler) pendingUser(rq *request) (*okapi.User, bool) {
	c, err := rq.r.Cookie(pendingCookie)
	if err != nil {
		return nil, false
	}
	u, err := h.auth.PendingUser(rq.ctx(), c.Value)
	return u, err == nil
}

func (h *Handler) renderTOTPLogin(rq *request, status int, pg TOTPLoginPage) error {
	pg.Page = h.page(rq, "Two-factor Authentication")
	pg.W, pg.Token = totpWords(h.profile.Version), h.loginToken(rq)
	return h.render(rq, status, "totp_login", pg)
}

func (h *Handler) handleTOTPLoginForm(rq *request) error {
	if _, _, ok := h.CurrentUser(rq.r); ok {
		return rq.redirect(h.paths.Home)
	}
	if _, ok := h.pendingUser(rq); !ok {
		return rq.redirect(h.paths.Login)
	}
	return h.renderTOTPLogin(rq, http.StatusOK, TOTPLoginPage{Redirect: localPath(rq.r.URL.Query().Get("redirect"))})
}

func (h *Handler) handleTOTPLogin(rq *request) error {
	r := rq.r
	if err := readLoginForm(r); err != nil {
		return err
	}
	u, ok := h.pendingUser(rq)
	if !ok {
		return rq.redirect(h.paths.Login)
	}
	pg := TOTPLoginPage{Redirect: localPath(r.PostForm.Get("redirect"))}
	ip := h.cfg.ClientIP(r)
	if err := h.auth.CheckTOTP(rq.ctx(), u, r.PostForm.Get("totp_token"), ip); err != nil {
		if !userFacing(err) {
			return err
		}
		pg.Error = okapi.ErrorMessage(err)
		return h.renderTOTPLogin(rq, http.StatusOK, pg)
	}
	if r.PostForm.Get("remember") != "" {
		secret, err := h.auth.TrustDevice(rq.ctx(), u, deviceName(r), ip)
		if err != nil {
			return err
		}
		c := h.cookie(rq.r, deviceCookie, secret, "/", auth.DeviceAge)
		http.SetCookie(rq.w, c)
	}
	h.cfg.Log.Info("Login successful", "login", u.Login, "ip", ip, "second_factor", "totp")
	return h.finishLogin(rq, u, pg.Redirect)
}

// deviceName names a trusted device as Odoo does, "Browser on Platform",
// from the User-Agent (never anything secret).
func deviceName(r *http.Request) string {
	ua := r.UserAgent()
	browser, platform := "Unknown browser", "Unknown platform"
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, p := range []struct{ token, name string }{{"Android", "Android"}, {"iPhone", "Iphone"}, {"iPad", "Ipad"}, {"Windows", "Windows"},
		{"Mac OS X", "Macos"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, p.token) {
			platform = p.name
			break
		}
	}
	return fmt.Sprintf("%s on %s", browser, platform)
}

// handleTOTPCancel is the step's "Cancel": back to the login form, the
// password forgotten.
func (h *Handler) handleTOTPCancel(rq *request) error {
	http.SetCookie(rq.w, h.cookie(rq.r, pendingCookie, "", "/web/login", 0))
	return rq.redirect(h.paths.Login)
}
