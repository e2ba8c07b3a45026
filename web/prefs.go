package web

import (
	"net/http"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// HomeContent is the web client's home screen, also drawn behind the
// preferences dialog.
type HomeContent struct {
	Apps  []App
	Path  string   // the short path to a new key, from the profile
	Steps []string // the same, step by step
}

// App is a tile of the home screen.
type App struct {
	Name string
	URL  string
	Icon string // CSS class of the tile's colour
}

// HomePage is the web client's home (/web, /odoo in 19).
type HomePage struct {
	Page
	Home HomeContent
}

// PrefsPage is the preferences dialog ("My Profile", 19 "My
// Preferences") over the home screen, with its tabs.
type PrefsPage struct {
	Page
	Dialogs
	Home HomeContent
	Tab  string // "preferences" or "security"
	Keys KeySection
	// TwoFA is the two-factor section of the security tab (totp.go).
	TwoFA *TOTPSection
}

// KeySection is the API-key part of a security tab or page.
type KeySection struct {
	// Shown is false in 15 outside developer mode (and on the portal
	// page unless developer mode and the portal option are both on).
	Shown bool
	// DevHint says where developer mode is switched on, when Shown is
	// false because of it.
	DevHint string
	DevURL  string
	Keys    []KeyRow
	NewURL  string
	// Gateway: the list shows each key's policy and last use (okapi
	// gateway), and Upstream the user's link to the upstream Odoo.
	Gateway  bool
	Upstream *UpstreamSection
}

func (h *Handler) homeContent(u *okapi.User) HomeContent {
	c := HomeContent{Path: h.profile.Path(), Steps: h.profile.Steps()}
	if u.Admin() {
		c.Apps = append(c.Apps, App{Name: "Settings", URL: h.paths.Settings, Icon: "o_app_settings"})
	}
	return c
}

func (h *Handler) handleHome(rq *request) error {
	return h.render(rq, http.StatusOK, "home", HomePage{Page: h.page(rq, "Home"), Home: h.homeContent(rq.user)})
}

func (h *Handler) prefsSurface() *surface {
	back := h.paths.Prefs + "?tab=security"
	s := &surface{level: internal, base: h.paths.Prefs, keys: h.paths.Prefs + "/apikeys", back: back, create: true,
		devices: h.profile.UI.Devices, totp: true, upstream: h.gateway() != nil,
		identityTitle: h.profile.UI.IdentityTitle, generate: "Generate key", cancel: "Cancel", done: "Done!",
		durations: func(p auth.KeyPolicy) []okapi.Duration { return p.Choices }, defaultDays: 1}
	s.show = func(rq *request, status int, d *Dialogs) error { return h.showPrefs(rq, status, "security", d) }
	return s
}

func (h *Handler) handlePrefs(rq *request) error {
	tab := rq.r.URL.Query().Get("tab")
	if tab != "security" {
		tab = "preferences"
	}
	return h.showPrefs(rq, http.StatusOK, tab, nil)
}

// showPrefs draws the preferences dialog on tab, with d open over it.
func (h *Handler) showPrefs(rq *request, status int, tab string, d *Dialogs) error {
	pg := PrefsPage{Page: h.page(rq, "Change My Preferences"), Home: h.homeContent(rq.user), Tab: tab}
	// The dialog is modal: the home screen behind it is out of reach.
	pg.Inert = true
	if d != nil {
		pg.Dialogs = *d
	}
	if tab == "security" {
		ks, err := h.prefsKeys(rq)
		if err != nil {
			return err
		}
		pg.Keys = ks
		if pg.TwoFA, err = h.totpSection(rq, h.prefs); err != nil {
			return err
		}
	}
	return h.render(rq, status, "prefs", pg)
}

// prefsKeys is the key section of the security tab. In 15 it exists only
// in developer mode; elsewhere it is always there.
func (h *Handler) prefsKeys(rq *request) (KeySection, error) {
	ks := KeySection{Shown: true, NewURL: h.prefs.keys + "/new", Gateway: h.gateway() != nil}
	var err error
	if ks.Upstream, err = h.upstreamSection(rq); err != nil {
		return ks, err
	}
	if h.profile.UI.DevModeRequired && !rq.sess.Debug {
		ks.Shown = false
		ks.DevHint = h.profile.Steps()[0]
		ks.DevURL = h.paths.Prefs + "?tab=security&debug=1"
		return ks, nil
	}
	keys, err := h.auth.Keys(rq.ctx(), rq.user, rq.user.ID)
	if err != nil {
		return ks, err
	}
	ks.Keys = keyRows(keys, h.prefs)
	return ks, nil
}

// PasswordDialog is "Change Password": the old password, then the new one
// twice.
type PasswordDialog struct {
	Action    string
	CancelURL string
	Error     string
}

func (h *Handler) passwordDialog() *PasswordDialog {
	return &PasswordDialog{Action: h.paths.Prefs + "/password", CancelURL: h.paths.Prefs + "?tab=security"}
}

func (h *Handler) handlePasswordForm(rq *request) error {
	return h.showPrefs(rq, http.StatusOK, "security", &Dialogs{Password: h.passwordDialog()})
}

func (h *Handler) handlePassword(rq *request) error {
	f := rq.r.PostForm
	if err := h.changePassword(rq, f.Get("old_password"), f.Get("new_password"), f.Get("confirm_password")); err != nil {
		if !userFacing(err) {
			return err
		}
		d := h.passwordDialog()
		d.Error = okapi.ErrorMessage(err)
		return h.showPrefs(rq, http.StatusUnprocessableEntity, "security", &Dialogs{Password: d})
	}
	return rq.redirect(withNotice(h.paths.Prefs+"?tab=security", "password"))
}

// changePassword checks the old password as the identity check does, then
// sets the new one. Having just typed the password, the person passes the
// identity check for the next ten minutes.
func (h *Handler) changePassword(rq *request, old, new, confirm string) error {
	if new != confirm {
		return okapi.Errorf(okapi.EUser, "The new password and its confirmation must be identical.")
	}
	if err := h.auth.CheckIdentity(rq.ctx(), rq.user, old, h.cfg.ClientIP(rq.r)); err != nil {
		return err
	}
	if err := h.auth.SetPassword(rq.ctx(), rq.user, rq.user.ID, new, rq.sess.ID); err != nil {
		return err
	}
	return h.markIdentity(rq)
}
