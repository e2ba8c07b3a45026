package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/policy"
)

// The gateway's own pages (okapi gateway; Config.Gateway set): a user logs
// in with their Odoo login and password, checked against the upstream
// (auth.LoginGateway); on the security tab they paste their Odoo API key
// to link it (the same code path as okapi upstream link: gateway.Linker),
// and each key they create carries a policy: read-only, models, addresses,
// rate, and a duration whatever the version.

// msgGatewayRefused follows "Wrong login/password" on a gateway: Odoo
// refuses passwords to other programs when two-factor authentication is
// on, which the upstream's answer cannot tell from a wrong password.
const msgGatewayRefused = "This gateway checks your password with the Odoo it stands in front of. " +
	"If two-factor authentication is on for your Odoo user, Odoo refuses your password to other programs: " +
	"log in with a password of this gateway if an administrator gave you one, " +
	"or ask an administrator to link your Odoo key (okapi upstream link)."

// UpstreamSection is the "Odoo account" part of the security tab.
type UpstreamSection struct {
	URL           string // the upstream Odoo
	Linked        bool
	UpstreamUID   int64
	UpstreamLogin string
	LinkURL       string // GET: the dialog; POST: the link
	UnlinkURL     string
	CSRF          string // the session's token, for the unlink form
}

// LinkDialog is "Link your Odoo key": the key, pasted.
type LinkDialog struct {
	Action    string
	CancelURL string
	URL       string // the upstream Odoo
	Login     string // the upstream login the key must be of
	Error     string
}

func (h *Handler) gateway() *gateway.Linker { return h.cfg.Gateway }

// login is the web login: on a gateway, the local or the Odoo password.
func (h *Handler) login(rq *request, login, password string) (*okapi.User, error) {
	ip := h.cfg.ClientIP(rq.r)
	if g := h.gateway(); g != nil {
		if okapi.LooksLikeKey(password) {
			// Odoo's login takes no API key, nor does the upstream's
			// authenticate get one from here.
			return h.auth.LoginInteractive(rq.ctx(), login, password, ip)
		}
		return h.auth.LoginGateway(rq.ctx(), login, password, ip, g)
	}
	return h.auth.LoginInteractive(rq.ctx(), login, password, ip)
}

// checkIdentity is the identity check: on a gateway, the local or the Odoo
// password.
func (h *Handler) checkIdentity(rq *request, password string) error {
	ip := h.cfg.ClientIP(rq.r)
	if g := h.gateway(); g != nil && !okapi.LooksLikeKey(password) {
		return h.auth.CheckIdentityGateway(rq.ctx(), rq.user, password, ip, g)
	}
	return h.auth.CheckIdentity(rq.ctx(), rq.user, password, ip)
}

// upstreamOf is the upstream login the user's Odoo key must be of, and
// its uid (0: not known yet, the login decides).
func (h *Handler) upstreamOf(rq *request) (string, int64, error) {
	login, uid, ok, err := h.gateway().Account(rq.ctx(), rq.user.ID)
	if err != nil || !ok {
		return rq.user.Login, 0, err
	}
	return login, uid, nil
}

// upstreamSection is the "Odoo account" section; nil on okapi serve.
func (h *Handler) upstreamSection(rq *request) (*UpstreamSection, error) {
	g := h.gateway()
	if g == nil {
		return nil, nil
	}
	s := &UpstreamSection{URL: g.URL, LinkURL: h.paths.Prefs + "/upstream", UnlinkURL: h.paths.Prefs + "/upstream/unlink",
		CSRF: rq.sess.CSRF}
	l, err := g.Store.UpstreamLink(rq.ctx(), rq.user.ID)
	switch {
	case errors.Is(err, okapi.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		s.Linked, s.UpstreamUID, s.UpstreamLogin = true, l.UpstreamUID, l.UpstreamLogin
	}
	return s, nil
}

func (h *Handler) registerGateway(mux *http.ServeMux) {
	if h.gateway() == nil {
		return
	}
	mux.Handle("GET "+h.paths.Prefs+"/upstream", h.handle(internal, h.handleLinkForm))
	mux.Handle("POST "+h.paths.Prefs+"/upstream", h.handle(internal, h.handleLink))
	mux.Handle("POST "+h.paths.Prefs+"/upstream/unlink", h.handle(internal, h.handleUnlink))
}

func (h *Handler) linkDialog(rq *request) (*LinkDialog, error) {
	login, _, err := h.upstreamOf(rq)
	if err != nil {
		return nil, err
	}
	return &LinkDialog{Action: h.paths.Prefs + "/upstream", CancelURL: h.prefs.back, URL: h.gateway().URL, Login: login}, nil
}

func (h *Handler) handleLinkForm(rq *request) error {
	if !h.identityFresh(rq.sess) {
		return rq.redirect(h.prefs.base + "/identity?do=link")
	}
	d, err := h.linkDialog(rq)
	if err != nil {
		return err
	}
	return h.prefs.show(rq, http.StatusOK, &Dialogs{Link: d})
}

// handleLink checks the pasted key against the upstream as the user's
// upstream user and stores it sealed. The key is in no answer, log line,
// audit entry or error.
func (h *Handler) handleLink(rq *request) error {
	if !h.identityFresh(rq.sess) {
		return rq.redirect(h.prefs.base + "/identity?do=link")
	}
	d, err := h.linkDialog(rq)
	if err != nil {
		return err
	}
	login, uid, err := h.upstreamOf(rq)
	if err != nil {
		return err
	}
	_, err = h.gateway().Link(rq.ctx(), gateway.LinkRequest{User: rq.user, UpstreamLogin: login, Key: rq.r.PostForm.Get("odoo_key"),
		WantUID: uid, ActorID: rq.user.ID, IP: h.cfg.ClientIP(rq.r)})
	if err != nil {
		if !userFacing(err) {
			return err
		}
		h.cfg.Log.Info("linking an Odoo key refused", "login", okapi.CapIdent(rq.user.Login), "why", okapi.ErrorMessage(err))
		d.Error = okapi.ErrorMessage(err)
		return h.prefs.show(rq, http.StatusUnprocessableEntity, &Dialogs{Link: d})
	}
	return rq.redirect(withNotice(h.prefs.back, "linked"))
}

func (h *Handler) handleUnlink(rq *request) error {
	if !h.identityFresh(rq.sess) {
		return rq.redirect(h.prefs.base + "/identity?do=unlink")
	}
	return h.unlink(rq)
}

func (h *Handler) unlink(rq *request) error {
	err := h.gateway().Unlink(rq.ctx(), rq.user, rq.user.ID, h.cfg.ClientIP(rq.r))
	if err != nil && !errors.Is(err, okapi.ErrNotFound) {
		return err
	}
	return rq.redirect(withNotice(h.prefs.back, "unlinked"))
}

// readKeyPolicy reads the gateway's fields of the "New API Key" dialog:
// read-only, models, addresses, rate. A field policy.Parse refuses is
// named in the message, as Odoo names the invalid fields of a form.
func readKeyPolicy(d *NewKeyDialog, req *auth.KeyRequest, f map[string][]string) error {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	d.ReadOnly, d.Models, d.AllowIP, d.Rate = get("read_only") != "", get("models"), get("allow_ip"), get("rate")
	for _, field := range []struct{ label, models, nets, rate string }{
		{"Models", d.Models, "", ""}, {"Allowed addresses", "", d.AllowIP, ""}, {"Rate", "", "", d.Rate},
	} {
		if _, err := policy.Parse(field.models, field.nets, field.rate); err != nil {
			return okapi.Errorf(okapi.EValidation, "Invalid field: %s: %s.", field.label, strings.TrimSuffix(err.Error(), "."))
		}
	}
	p, err := policy.Parse(d.Models, d.AllowIP, d.Rate)
	if err != nil {
		return okapi.Errorf(okapi.EValidation, "%s", err.Error())
	}
	req.Policy = p
	if d.ReadOnly {
		req.Scope = okapi.ScopeRPCRead
	}
	return nil
}
