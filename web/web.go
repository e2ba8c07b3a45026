// Package web serves the pages where people log in and create and revoke
// their API keys, as each Odoo version (14–19) shows them, plus the
// administrators' pages. Pages are server-rendered with html/template and
// embedded assets, with a little plain JavaScript for dialogs and the copy
// button. Sessions live in the store behind an HttpOnly cookie; every form
// carries a CSRF token.
//
// The words, the place of every button and the order of the steps come from
// the running okapi.Profile, so that a person following a guide written for
// their Odoo version finds everything where the guide says. Every rule about
// credentials and keys (who may create what, for how long, which password is
// right) belongs to package auth; the handlers here decode a form, call the
// service and render the answer.
//
// A new key's secret appears in exactly one HTTP response: the answer to
// the form that creates it, which draws "API Key Ready". Nothing of it is
// kept to be shown later, so with several nodes any of them may serve the
// next request; the page's script moves its address to one that says the
// key was shown, and the form's one-time id keeps a resubmission from
// making a second key.
package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/model"
)

// Config is what the pages need.
type Config struct {
	Auth    *auth.Service
	Models  *model.Registry
	Profile *okapi.Profile
	DBName  string
	Log     *slog.Logger
	// Secure: served over TLS, so cookies get the Secure flag.
	Secure bool
	// SecureRequest, when set, tells per request whether it came over
	// HTTPS (a TLS-terminating proxy in front): then cookies get Secure.
	SecureRequest func(*http.Request) bool
	// ClientIP gives the client's address as seen through trusted proxies.
	ClientIP func(*http.Request) string
	Now      func() time.Time
	// Gateway, on okapi gateway, checks Odoo passwords and keys against
	// the upstream and links users (gateway.go); nil on okapi serve.
	Gateway *gateway.Linker
}

// Handler serves the pages.
type Handler struct {
	cfg     Config
	auth    *auth.Service
	store   okapi.Store
	profile *okapi.Profile
	paths   *paths
	pages   map[string]*template.Template
	assets  *assets

	// The three places where keys are listed and revoked.
	prefs, portal, admin *surface
}

// New returns the pages' handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Auth == nil {
		return nil, errors.New("web: Config.Auth is required")
	}
	if cfg.Profile == nil {
		cfg.Profile = cfg.Auth.Profile()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	if cfg.DBName == "" {
		cfg.DBName = "okapi"
	}
	h := &Handler{
		cfg:     cfg,
		auth:    cfg.Auth,
		store:   cfg.Auth.Store(),
		profile: cfg.Profile,
		paths:   newPaths(cfg.Profile),
	}
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = parsePages(h.funcs()); err != nil {
		return nil, err
	}
	h.prefs, h.portal, h.admin = h.prefsSurface(), h.portalSurface(), h.adminSurface()
	return h, nil
}

// paths is the URL layout of the running profile. Odoo 19 moved the web
// client from /web to /odoo; the login, logout and portal pages stayed.
type paths struct {
	Home     string // the web client: /web or /odoo
	Login    string
	Logout   string
	Prefs    string // the preferences dialog
	Settings string
	Users    string
	Keys     string // Settings → Manage API Keys
	Audit    string
	Portal   string // /my
	Security string // /my/security
}

func newPaths(p *okapi.Profile) *paths {
	home := "/web"
	if p.Version >= 19 {
		home = "/odoo"
	}
	return &paths{
		Home:     home,
		Login:    "/web/login",
		Logout:   "/web/session/logout",
		Prefs:    home + "/preferences",
		Settings: home + "/settings",
		Users:    home + "/settings/users",
		Keys:     home + "/settings/apikeys",
		Audit:    home + "/settings/audit",
		Portal:   "/my",
		Security: "/my/security",
	}
}

// SetNotFound makes nf the answer to a file under /web/static/ that is not
// there: the server passes the RPC handler's answer to unknown paths, which
// is each version's (werkzeug's 404 page; Odoo 18's login redirect).
func (h *Handler) SetNotFound(nf http.Handler) { h.assets.notFound = nf }

// Register mounts the pages on mux. Every pattern names its method and, for
// the root, ends with {$}, so that paths the pages do not serve (the RPC
// endpoints among them) are left to whoever registers them.
func (h *Handler) Register(mux *http.ServeMux) {
	p := h.paths
	mux.Handle("GET /{$}", h.handle(anyone, h.handleRoot))
	mux.Handle("GET /web/static/{file}", h.assets)
	mux.Handle("GET /web/login", h.handle(anyone, h.handleLoginForm))
	mux.Handle("POST /web/login", h.handle(anyone, h.handleLogin))
	mux.Handle("GET /web/session/logout", h.handle(anyone, h.handleLogoutForm))
	mux.Handle("POST /web/session/logout", h.handle(loggedIn, h.handleLogout))
	mux.Handle("GET /web/reset_password", h.handle(anyone, h.handleResetPassword))

	mux.Handle("GET "+p.Home, h.handle(internal, h.handleHome))
	if p.Home != "/web" {
		// Odoo 19 still answers the old address of the web client.
		mux.HandleFunc("GET /web", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, p.Home, http.StatusSeeOther)
		})
	}
	mux.Handle("GET "+p.Prefs, h.handle(internal, h.handlePrefs))
	mux.Handle("GET "+p.Prefs+"/password", h.handle(internal, h.handlePasswordForm))
	mux.Handle("POST "+p.Prefs+"/password", h.handle(internal, h.handlePassword))

	mux.Handle("GET "+p.Settings, h.handle(admin, h.handleSettings))
	mux.Handle("POST "+p.Settings+"/portal-keys", h.handle(admin, h.handlePortalKeys))
	mux.Handle("GET "+p.Users, h.handle(admin, h.handleUsers))
	mux.Handle("GET "+p.Users+"/new", h.handle(admin, h.handleUserForm))
	mux.Handle("POST "+p.Users, h.handle(admin, h.handleUserCreate))
	mux.Handle("GET "+p.Users+"/{id}", h.handle(admin, h.handleUser))
	mux.Handle("POST "+p.Users+"/{id}/password", h.handle(admin, h.handleUserPassword))
	mux.Handle("POST "+p.Users+"/{id}/access", h.handle(admin, h.handleUserAccess))
	mux.Handle("POST "+p.Users+"/{id}/active", h.handle(admin, h.handleUserActive))
	mux.Handle("GET "+p.Keys, h.handle(admin, h.handleAdminKeys))
	mux.Handle("GET "+p.Audit, h.handle(admin, h.handleAudit))

	mux.Handle("GET "+p.Portal, h.handle(loggedIn, h.handlePortalHome))
	mux.Handle("GET "+p.Security, h.handle(loggedIn, h.handlePortalSecurity))
	mux.Handle("POST "+p.Security+"/password", h.handle(loggedIn, h.handlePortalPassword))

	// The e-mail add-ins' consent: any logged-in user reaches the page, so
	// that a portal user is told why not rather than sent elsewhere.
	for _, prefix := range h.profile.MailPluginPrefixes() {
		mux.Handle("GET "+prefix+"/auth", h.handle(loggedIn, h.handleMailPluginAuth))
		mux.Handle("POST "+prefix+"/auth/confirm", h.handle(loggedIn, h.handleMailPluginConfirm))
	}

	for _, s := range []*surface{h.prefs, h.portal, h.admin} {
		h.registerSurface(mux, s)
	}
	h.registerTOTP(mux)
	h.registerGateway(mux)
}

// peerIP is the client address when the server gives no ClientIP.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) now() time.Time { return h.cfg.Now().UTC() }
