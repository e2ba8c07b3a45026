package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
)

const (
	// cookieName is Odoo's: the RPC layer's /web/session/authenticate sets
	// the same cookie, and clients written for Odoo look for it.
	cookieName = "session_id"
	// loginCookie carries the login form's CSRF token: there is no session
	// before login to hold it (sessions belong to a user).
	loginCookie = "okapi_login_csrf"
	// sessionIdle is how long an unused session lives; the auth service
	// prunes the store with the same limit.
	sessionIdle = 7 * 24 * time.Hour
	// seenEvery bounds how often a session's last-seen time is written, so
	// that reading a page is not a database write each time.
	seenEvery = time.Minute
	// identityWindow is how long a password re-entry lets sensitive actions
	// through, as Odoo's identity check (600 s).
	identityWindow = 10 * time.Minute
)

// newToken returns 32 random bytes in URL-safe base64.
func newToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sessionID is what the store keeps of a cookie: its SHA-256. Someone who
// reads the sessions table cannot use what they read as a cookie.
func sessionID(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

func (h *Handler) cookie(r *http.Request, name, value, path string, maxAge time.Duration) *http.Cookie {
	secure := h.cfg.Secure || (h.cfg.SecureRequest != nil && h.cfg.SecureRequest(r))
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
		c.Expires = time.Now().Add(maxAge)
	} else {
		c.MaxAge = -1
	}
	return c
}

// StartSession logs u in: it stores a new session and sets its cookie. The
// RPC layer's /web/session/authenticate uses it too. A session the browser
// had before is ended first, so a cookie planted before login is worthless
// after it.
func (h *Handler) StartSession(w http.ResponseWriter, r *http.Request, u *okapi.User) (*okapi.Session, error) {
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		if err := h.store.DeleteSession(r.Context(), sessionID(c.Value)); err != nil && !errors.Is(err, okapi.ErrNotFound) {
			return nil, err
		}
	}
	value := newToken()
	now := h.now().Truncate(time.Second)
	s := &okapi.Session{ID: sessionID(value), UserID: u.ID, CSRF: newToken(), CreatedAt: now, LastSeen: now}
	if err := h.store.CreateSession(r.Context(), s); err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(r, cookieName, value, "/", sessionIdle))
	return s, nil
}

// CurrentUser returns the logged-in user of r, if any: the session must
// exist, have been used within a week, and belong to an active user.
func (h *Handler) CurrentUser(r *http.Request) (*okapi.User, *okapi.Session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" || len(c.Value) > 256 {
		return nil, nil, false
	}
	ctx := r.Context()
	s, err := h.store.SessionByID(ctx, sessionID(c.Value))
	if err != nil {
		if !errors.Is(err, okapi.ErrNotFound) {
			h.cfg.Log.Warn("reading a web session failed", "err", err)
		}
		return nil, nil, false
	}
	now := h.now()
	if now.Sub(s.LastSeen) > sessionIdle {
		_ = h.store.DeleteSession(ctx, s.ID)
		return nil, nil, false
	}
	u, err := h.auth.User(ctx, s.UserID)
	if err != nil || !u.Active {
		return nil, nil, false
	}
	if now.Sub(s.LastSeen) > seenEvery {
		s.LastSeen = now.Truncate(time.Second)
		if err := h.store.UpdateSession(ctx, s); err != nil {
			h.cfg.Log.Warn("updating a web session failed", "err", err)
		}
	}
	return u, s, true
}

// EndSession logs the browser of r out.
func (h *Handler) EndSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		if err := h.store.DeleteSession(r.Context(), sessionID(c.Value)); err != nil && !errors.Is(err, okapi.ErrNotFound) {
			h.cfg.Log.Warn("deleting a web session failed", "err", err)
		}
	}
	http.SetCookie(w, h.cookie(r, cookieName, "", "/", 0))
}

// RequireAdmin lets only logged-in administrators through to next. Anyone
// else gets 403, except a browser that is not logged in at all asking for a
// page, which is sent to the login form first. It checks access only: a
// handler behind it that changes state on POST checks its own CSRF token
// (the session cookie is SameSite=Lax, so other sites cannot post with it).
func (h *Handler) RequireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _, ok := h.CurrentUser(r)
		switch {
		case !ok && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			h.setPageHeaders(w)
			http.Redirect(w, r, h.loginURL(r), http.StatusSeeOther)
		case !ok || !u.Admin():
			// fail sets the page headers.
			h.fail(&request{w: w, r: r, user: u}, errAdminOnly)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// identityFresh reports whether the password was re-entered in the last
// ten minutes. Odoo does not refresh the time on use, and neither does
// Okapi: ten minutes after the check, the next sensitive action asks again.
func (h *Handler) identityFresh(s *okapi.Session) bool {
	return !s.IdentityCheck.IsZero() && h.now().Sub(s.IdentityCheck) < identityWindow
}

// validCSRF compares a posted token with the expected one in constant time.
func validCSRF(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loginURL is the login form that comes back to r's page afterwards.
func (h *Handler) loginURL(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Path == "/" {
		return h.paths.Login
	}
	return h.paths.Login + "?redirect=" + url.QueryEscape(r.URL.RequestURI())
}

// localPath returns p if it is a path on this site, else "". It guards the
// login form's redirect parameter against sending people elsewhere.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}
