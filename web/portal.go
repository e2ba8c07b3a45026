package web

import (
	"net/http"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// PortalPage is the portal's "My Account" (/my).
type PortalPage struct {
	Page
}

// PortalSecurityPage is the portal's /my/security: the password form and,
// from 15 on, the "Developer API Keys" section in developer mode when the
// portal option is on.
type PortalSecurityPage struct {
	Page
	Dialogs
	PasswordError string
	Keys          KeySection
	// TwoFA is the "Two-factor authentication" section Odoo's
	// auth_totp_portal adds after the password form (14–19, same words).
	TwoFA *TOTPSection
}

func (h *Handler) portalSurface() *surface {
	s := &surface{level: loggedIn, base: h.paths.Security, keys: h.paths.Security + "/apikeys", back: h.paths.Security,
		create: h.profile.Version >= 15, totp: true,
		// The portal's own dialogs (portal_security.js) are titled
		// "Security Control" in every version and close with "Close".
		identityTitle: "Security Control", generate: "Confirm", cancel: h.profile.UI.IdentityCancel, done: "Close",
		// 18's portal sends only the name, so the key gets the default
		// day; 19 offers every duration but the custom date.
		defaultDays: 1}
	if h.profile.Version >= 19 {
		s.durations = func(p auth.KeyPolicy) []okapi.Duration {
			var out []okapi.Duration
			for _, c := range p.Choices {
				if c.Days >= 0 {
					out = append(out, c)
				}
			}
			return out
		}
	}
	s.show = h.showPortalSecurity
	return s
}

func (h *Handler) handlePortalHome(rq *request) error {
	return h.render(rq, http.StatusOK, "portal", PortalPage{Page: h.page(rq, "My Account")})
}

func (h *Handler) handlePortalSecurity(rq *request) error {
	return h.showPortalSecurity(rq, http.StatusOK, nil)
}

func (h *Handler) showPortalSecurity(rq *request, status int, d *Dialogs) error {
	pg := PortalSecurityPage{Page: h.page(rq, "Connection & Security")}
	if d != nil {
		pg.Dialogs = *d
		pg.Inert = d.Open()
	}
	if err := h.portalSections(rq, &pg); err != nil {
		return err
	}
	return h.render(rq, status, "security", pg)
}

// portalSections fills the page's key and two-factor sections.
func (h *Handler) portalSections(rq *request, pg *PortalSecurityPage) error {
	ks, err := h.portalKeys(rq)
	if err != nil {
		return err
	}
	pg.Keys = ks
	pg.TwoFA, err = h.totpSection(rq, h.portal)
	return err
}

// portalKeys is the key section of /my/security: Odoo shows it from 15 on,
// in developer mode, when the portal option is on.
func (h *Handler) portalKeys(rq *request) (KeySection, error) {
	ks := KeySection{NewURL: h.portal.keys + "/new"}
	if h.profile.Version < 15 {
		return ks, nil
	}
	on, err := h.auth.PortalKeysAllowed(rq.ctx())
	if err != nil {
		return ks, err
	}
	if !on || !rq.sess.Debug {
		return ks, nil
	}
	keys, err := h.auth.Keys(rq.ctx(), rq.user, rq.user.ID)
	if err != nil {
		return ks, err
	}
	ks.Shown, ks.Keys = true, keyRows(keys, h.portal)
	return ks, nil
}

func (h *Handler) handlePortalPassword(rq *request) error {
	f := rq.r.PostForm
	if err := h.changePassword(rq, f.Get("old_password"), f.Get("new_password"), f.Get("confirm_password")); err != nil {
		if !userFacing(err) {
			return err
		}
		pg := PortalSecurityPage{Page: h.page(rq, "Connection & Security"), PasswordError: okapi.ErrorMessage(err)}
		if err := h.portalSections(rq, &pg); err != nil {
			return err
		}
		return h.render(rq, http.StatusUnprocessableEntity, "security", pg)
	}
	return rq.redirect(withNotice(h.paths.Security, "password"))
}
