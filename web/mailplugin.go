package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// The consent page of the e-mail add-ins (Odoo's mail_plugin): the add-in
// opens /mail_plugin/auth in a browser window, the person allows or denies,
// and the browser goes back to the add-in's callback with an auth code the
// add-in trades for a key (POST /mail_plugin/auth/access_token, package rpc).

// MailPluginPage asks the person to allow an e-mail add-in.
type MailPluginPage struct {
	Page
	FriendlyName string
	Scope        string
	Redirect     string
	// Confirm is where the form posts: under the prefix the add-in used.
	Confirm      string
	RedirectHost string
	Info         string
	State        string
	Expiring     bool
	Days         int
}

// pluginRequest is what the add-in asks for, checked.
type pluginRequest struct {
	scope, friendlyName, info, state string
	redirect                         *url.URL
}

var errPluginRedirect = &okapi.Error{Code: okapi.EBadRequest,
	Message: "The add-in gave no valid address to come back to (an http or https URL is needed)."}

// readPluginRequest checks the add-in's request: the scope, the name its key
// will get, and the callback, which must be an http(s) URL whose origin can
// be named in the page's form-action policy.
func (h *Handler) readPluginRequest(rq *request, get func(string) string) (*pluginRequest, error) {
	p := &pluginRequest{scope: get("scope"), friendlyName: strings.TrimSpace(get("friendlyname")),
		info: strings.TrimSpace(get("info")), state: get("state")}
	if err := auth.CheckPluginRequest(rq.user, p.scope, auth.PluginName(p.friendlyName, p.info)); err != nil {
		return nil, err
	}
	raw := get("redirect")
	u, err := url.Parse(raw)
	if err != nil || strings.ContainsAny(raw, " \t\r\n\\") || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Host == "" || u.User != nil || !plainHost(u.Host) {
		return nil, errPluginRedirect
	}
	p.redirect = u
	return p, nil
}

// plainHost reports a host[:port] made only of the characters of names and
// addresses, so that it can go into a Content-Security-Policy as it is.
func plainHost(host string) bool {
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}

// handleMailPluginAuth shows the allow/deny page to a logged-in internal
// user (the access level sends others to the login form first).
func (h *Handler) handleMailPluginAuth(rq *request) error {
	p, err := h.readPluginRequest(rq, rq.r.URL.Query().Get)
	if err != nil {
		return err
	}
	// The answer to the form is a redirect to the add-in: browsers hold it
	// to the page's form-action, which must name the add-in's origin.
	rq.formAction = p.redirect.Scheme + "://" + p.redirect.Host
	return h.render(rq, http.StatusOK, "mailplugin", MailPluginPage{Page: h.page(rq, "Connect "+p.friendlyName),
		FriendlyName: p.friendlyName, Scope: p.scope, Redirect: p.redirect.String(), RedirectHost: p.redirect.Host,
		Confirm: rq.r.URL.Path + "/confirm",
		Info:    p.info, State: p.state, Expiring: h.profile.KeysExpire, Days: auth.PluginKeyDays})
}

// handleMailPluginConfirm sends the browser back to the add-in: with
// success=1 and an auth code when the person allowed it, success=0 when
// not, and the add-in's state either way. The code is good for three
// minutes and one exchange; it is never logged (only paths are).
func (h *Handler) handleMailPluginConfirm(rq *request) error {
	p, err := h.readPluginRequest(rq, rq.r.PostForm.Get)
	if err != nil {
		return err
	}
	q := p.redirect.Query()
	if rq.r.PostForm.Get("do") != "" {
		code, err := h.auth.IssuePluginCode(rq.user, p.scope, auth.PluginName(p.friendlyName, p.info))
		if err != nil {
			return err
		}
		q.Set("success", "1")
		q.Set("auth_code", code)
	} else {
		q.Set("success", "0")
	}
	if p.state != "" {
		q.Set("state", p.state)
	}
	p.redirect.RawQuery = q.Encode()
	return rq.redirect(p.redirect.String())
}
