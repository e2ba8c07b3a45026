package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
)

//go:embed templates
var templateFS embed.FS

// csp is the Content-Security-Policy of every answer: nothing but this
// site's own files, no inline script or style, no framing, and forms post
// only here. The pages need nothing else, so an injected tag can do nothing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// setPageHeaders sets the headers every page carries. Pages hold CSRF
// tokens and personal data, so no cache keeps them.
func (h *Handler) setPageHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
}

// access is who may open a page.
type access int

const (
	anyone   access = iota
	loggedIn        // any logged-in user, portal users included (/my)
	internal        // internal users: the web client (portal users go to /my)
	admin           // administrators (base.group_system)
)

// request is one page request with its logged-in user, if any.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	user *okapi.User
	sess *okapi.Session
	// formAction is one more origin the page's forms may lead to (through
	// a redirect), besides this site.
	formAction string
}

func (rq *request) ctx() context.Context { return rq.r.Context() }

// redirect answers 303, so that the browser follows with a GET and a reload
// never posts a form again.
func (rq *request) redirect(to string) error {
	http.Redirect(rq.w, rq.r, to, http.StatusSeeOther)
	return nil
}

// handle wraps a page: it sets the headers, finds the user, enforces the
// access level, checks the CSRF token of every POST, keeps the developer
// mode of ?debug= in the session, and turns a returned error into a page.
func (h *Handler) handle(level access, fn func(*request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.setPageHeaders(w)
		rq := &request{w: w, r: r}
		if level > anyone {
			u, s, ok := h.CurrentUser(r)
			if !ok {
				rq.redirect(h.loginURL(r))
				return
			}
			rq.user, rq.sess = u, s
			switch {
			case level == admin && !u.Admin():
				h.fail(rq, errAdminOnly)
				return
			case level == internal && !u.Internal():
				// Portal users have no web client in Odoo either.
				rq.redirect(h.paths.Portal)
				return
			}
			if r.Method == http.MethodPost {
				if err := r.ParseForm(); err != nil {
					h.fail(rq, errBadForm)
					return
				}
				if !validCSRF(r.PostForm.Get("csrf_token"), s.CSRF) {
					h.fail(rq, errCSRF)
					return
				}
			} else if err := h.keepDebug(rq); err != nil {
				h.fail(rq, err)
				return
			}
		}
		if err := fn(rq); err != nil {
			h.fail(rq, err)
		}
	})
}

// keepDebug stores ?debug=1 (on) or ?debug= / ?debug=0 (off) in the
// session, as Odoo keeps the developer mode for the rest of the visit.
func (h *Handler) keepDebug(rq *request) error {
	q := rq.r.URL.Query()
	if !q.Has("debug") {
		return nil
	}
	v := q.Get("debug")
	on := v != "" && v != "0" && v != "false"
	if on == rq.sess.Debug {
		return nil
	}
	rq.sess.Debug = on
	return h.store.UpdateSession(rq.ctx(), rq.sess)
}

// Errors the pages give themselves.
var (
	errCSRF = &okapi.Error{Code: okapi.EBadRequest, Message: "This form was refused: its security token (CSRF token) is missing or wrong. " +
		"This happens when a page stayed open across a logout, or when the form came from another site. Go back, reload the page and try again."}
	errLoginCSRF = &okapi.Error{Code: okapi.EBadRequest, Message: "The login form has expired: its security token (CSRF token) is missing or wrong. Reload the page and log in again."}
	errBadForm   = &okapi.Error{Code: okapi.EBadRequest, Message: "The form could not be read."}
	errAdminOnly = &okapi.Error{Code: okapi.EAccess, Message: "Only administrators can open this page."}
	errNotFound  = &okapi.Error{Code: okapi.ENotFound, Message: "404: Not Found"}
)

// statusOf is the one table from error codes to HTTP statuses.
func statusOf(code okapi.Code) int {
	switch code {
	case okapi.EBadRequest, okapi.EUser, okapi.EValidation, okapi.EValueError, okapi.EUnprocessable:
		return http.StatusBadRequest
	case okapi.EAccess, okapi.EAccessDenied:
		return http.StatusForbidden
	case okapi.EMissing, okapi.ENotFound:
		return http.StatusNotFound
	case okapi.ETooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// userFacing reports whether err carries a message meant for the person
// filling a form (a refused value, a refused action), rather than a failure.
func userFacing(err error) bool {
	switch okapi.ErrorCode(err) {
	case okapi.EUser, okapi.EValidation, okapi.EAccess, okapi.EAccessDenied, okapi.EMissing, okapi.EUpstream:
		// EUpstream: on a gateway, the upstream Odoo could not be
		// reached, and the message says why.
		return true
	}
	return false
}

// MessagePage is an error or notice shown on its own.
type MessagePage struct {
	Page
	Status  int
	Heading string
	Message string
	Back    string
}

// fail turns an error into a page. Errors without a code are logged and
// shown as a bare "Internal server error": they may hold internals.
func (h *Handler) fail(rq *request, err error) {
	e := okapi.AsError(err)
	status := http.StatusInternalServerError
	msg := "Internal server error"
	if e != nil {
		status, msg = statusOf(e.Code), e.Message
	}
	if status == http.StatusInternalServerError {
		h.cfg.Log.Error("web page failed", "method", rq.r.Method, "path", okapi.CapIdent(rq.r.URL.Path), "err", err)
		msg = "Internal server error"
	}
	pg := MessagePage{Page: h.page(rq, http.StatusText(status)), Status: status,
		Heading: fmt.Sprintf("%d: %s", status, http.StatusText(status)), Message: msg, Back: h.paths.Login}
	if rq.user != nil {
		pg.Back = h.homeOf(rq.user)
	}
	if err := h.render(rq, status, "message", pg); err != nil {
		h.cfg.Log.Error("rendering an error page failed", "err", err)
		http.Error(rq.w, msg, status)
	}
}

// render executes a page into memory first, so that a template failure
// never sends half a page.
func (h *Handler) render(rq *request, status int, name string, data any) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("web: rendering %s: %w", name, err)
	}
	h.setPageHeaders(rq.w)
	if rq.formAction != "" {
		rq.w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+rq.formAction, 1))
	}
	rq.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.w.WriteHeader(status)
	// A failed write means the client went away; nothing is left to tell it.
	rq.w.Write(buf.Bytes())
	return nil
}

// Page is what every page shows around its content: the top bar, the user
// menu, the developer-mode marker and the CSRF token of its forms.
type Page struct {
	Title   string
	App     string // app name in the top bar
	User    *okapi.User
	CSRF    string
	Debug   bool
	Profile *okapi.Profile
	UI      okapi.UI
	Paths   *paths
	// Theme follows Odoo's look of the version (see themeOf).
	Theme string
	// Inert: a dialog is open over the page, which is then out of reach of
	// the keyboard and the mouse.
	Inert bool
	// Notice is a one-line confirmation shown at the top.
	Notice string
}

func (h *Handler) page(rq *request, title string) Page {
	p := Page{Title: title, Profile: h.profile, UI: h.profile.UI, Paths: h.paths, User: rq.user, Theme: themeOf(h.profile)}
	if rq.sess != nil {
		p.CSRF, p.Debug = rq.sess.CSRF, rq.sess.Debug
	}
	p.Notice = notices[rq.r.URL.Query().Get("done")]
	return p
}

// themeOf names the look of a version's web client: "classic" (14–16:
// plum top bar, lavender buttons), "plum" (17: the darker plum of the new
// design) or "light" (18–19: a white top bar).
func themeOf(p *okapi.Profile) string {
	switch {
	case p.Version <= 16:
		return "classic"
	case p.Version == 17:
		return "plum"
	}
	return "light"
}

// notices are the confirmations a redirect may ask for with ?done=; only
// these fixed texts can appear, never anything from the address itself.
var notices = map[string]string{
	"password":    "The password has been changed.",
	"user":        "The user has been created.",
	"access":      "The access rights have been saved.",
	"archived":    "The user has been archived: their sessions and API keys stop working.",
	"restored":    "The user has been restored.",
	"settings":    "The settings have been saved.",
	"revoked":     "The API key has been deleted: it stops working at once.",
	"devices":     "You have been logged out of every other device. API keys are not affected: delete a key to stop it.",
	"userpass":    "The user's password has been changed.",
	"portal-keys": "The settings have been saved.",
	"linked":      "Your Odoo key has been checked and linked: your API keys of this gateway now reach the Odoo.",
	"unlinked":    "Your Odoo key has been unlinked: your API keys of this gateway stop reaching the Odoo.",
}

// homeOf is where a user lands: the web client, or /my for portal users.
func (h *Handler) homeOf(u *okapi.User) string {
	if u != nil && !u.Internal() {
		return h.paths.Portal
	}
	return h.paths.Home
}

func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template, len(files))
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
}

// Date formats of Odoo's default English (US) language. Times are shown in
// UTC, the time zone Odoo servers keep.
const (
	dateTimeLayout = "01/02/2006 15:04:05"
	dateLayout     = "01/02/2006"
)

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"static":   func(name string) string { return h.assets.url(name) },
		"datetime": fmtDateTime,
		"date":     fmtDate,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"initials": initials,
		"avatar":   func(u *okapi.User) string { return fmt.Sprintf("o_avatar_%d", u.ID%8) },
	}
}

func fmtDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateTimeLayout)
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

// initials are the letters of the avatar: the first letters of the first
// and last words of the name (or the login).
func initials(u *okapi.User) string {
	name := strings.TrimSpace(u.Name)
	if name == "" {
		name = u.Login
	}
	words := strings.Fields(name)
	if len(words) == 0 {
		return "?"
	}
	first := []rune(words[0])
	out := strings.ToUpper(string(first[0]))
	if len(words) > 1 {
		last := []rune(words[len(words)-1])
		out += strings.ToUpper(string(last[0]))
	}
	return out
}
