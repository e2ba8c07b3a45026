package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// msgWrongLogin is Odoo's login page error for every refused login: an
// unknown login, a wrong password, an archived user, or an API key typed
// where the password goes.
const msgWrongLogin = "Wrong login/password"

// LoginPage is the login form.
type LoginPage struct {
	Page
	Login    string
	Redirect string
	Error    string
	Hint     string // on a gateway, why a right Odoo password may be refused
	Token    string // the form's CSRF token, also in the loginCookie
	DBName   string
}

// LogoutPage asks to confirm a logout reached by its address.
type LogoutPage struct {
	Page
}

func (h *Handler) handleRoot(rq *request) error {
	if u, _, ok := h.CurrentUser(rq.r); ok {
		return rq.redirect(h.homeOf(u))
	}
	return rq.redirect(h.paths.Login)
}

func (h *Handler) handleLoginForm(rq *request) error {
	q := rq.r.URL.Query()
	if u, _, ok := h.CurrentUser(rq.r); ok {
		if to := localPath(q.Get("redirect")); to != "" {
			return rq.redirect(to)
		}
		return rq.redirect(h.homeOf(u))
	}
	return h.renderLogin(rq, http.StatusOK, LoginPage{Login: q.Get("login"), Redirect: localPath(q.Get("redirect"))})
}

// renderLogin shows the form with a CSRF token bound to a cookie (the
// double-submit pattern): another site can make a browser post here, but
// cannot read the cookie to put the same value in the form.
func (h *Handler) renderLogin(rq *request, status int, pg LoginPage) error {
	pg.Page = h.page(rq, "Login")
	pg.Token, pg.DBName = h.loginToken(rq), h.cfg.DBName
	return h.render(rq, status, "login", pg)
}

// loginToken is the CSRF token of the login forms (the password's and the
// code's), set in the loginCookie.
func (h *Handler) loginToken(rq *request) string {
	token := newToken()
	if c, err := rq.r.Cookie(loginCookie); err == nil && len(c.Value) == len(token) {
		// Keep the token of a form open in another tab valid.
		token = c.Value
	}
	http.SetCookie(rq.w, h.cookie(rq.r, loginCookie, token, h.paths.Login, 12*time.Hour))
	return token
}

// readLoginForm reads a login form and checks its token against the
// loginCookie.
func readLoginForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !validCSRF(r.PostForm.Get("csrf_token"), c.Value) {
		return errLoginCSRF
	}
	return nil
}

func (h *Handler) handleLogin(rq *request) error {
	r := rq.r
	if err := readLoginForm(r); err != nil {
		return err
	}
	pg := LoginPage{Login: strings.TrimSpace(r.PostForm.Get("login")), Redirect: localPath(r.PostForm.Get("redirect"))}
	// The password only, never an API key: LoginInteractive refuses keys,
	// as Odoo's interactive login does.
	u, err := h.login(rq, pg.Login, r.PostForm.Get("password"))
	switch {
	case auth.IsCooldown(err):
		pg.Error = okapi.MsgCooldown
		return h.renderLogin(rq, http.StatusOK, pg)
	case okapi.ErrorCode(err) == okapi.EAccessDenied:
		pg.Error = msgWrongLogin
		if h.gateway() != nil {
			pg.Hint = msgGatewayRefused
		}
		return h.renderLogin(rq, http.StatusOK, pg)
	case okapi.ErrorCode(err) == okapi.EUpstream, okapi.ErrorCode(err) == okapi.EAccess:
		// The upstream could not be reached (the message says why), or
		// its user of this login changed: nothing was counted.
		pg.Error = okapi.ErrorMessage(err)
		return h.renderLogin(rq, http.StatusOK, pg)
	case err != nil:
		return err
	}
	// With two-factor authentication on, the code comes next (totp.go).
	if done, err := h.totpStep(rq, u, pg.Redirect); done {
		return err
	}
	return h.finishLogin(rq, u, pg.Redirect)
}

// handleLogoutForm asks before logging out: a link elsewhere must not be
// able to end the session (every state change is a POST with a token).
func (h *Handler) handleLogoutForm(rq *request) error {
	u, s, ok := h.CurrentUser(rq.r)
	if !ok {
		return rq.redirect(h.paths.Login)
	}
	rq.user, rq.sess = u, s
	return h.render(rq, http.StatusOK, "logout", LogoutPage{Page: h.page(rq, "Log out")})
}

func (h *Handler) handleLogout(rq *request) error {
	h.EndSession(rq.w, rq.r)
	return rq.redirect(h.paths.Login)
}

// handleResetPassword answers the "Forgot password?" link. Okapi sends no
// mail, so the way back in is an administrator.
func (h *Handler) handleResetPassword(rq *request) error {
	pg := MessagePage{Page: h.page(rq, "Reset Password"), Status: http.StatusOK, Heading: "Reset Password",
		Message: "This server does not send password-reset e-mails. Ask an administrator to set a new password for you " +
			"(Settings → Users → your user → Change Password).", Back: h.paths.Login}
	if u, _, ok := h.CurrentUser(rq.r); ok {
		pg.Back = h.homeOf(u)
	}
	return h.render(rq, http.StatusOK, "message", pg)
}
