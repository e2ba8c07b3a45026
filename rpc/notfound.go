package rpc

import "net/http"

// UnknownRoute answers a path no route serves, as each version does: Odoo
// 18 sends a visitor without a session to the login page (the recorded
// 18.0 answers to /json/version and /json/2/…, 303 to
// /web/login?redirect=…); 14–17 and 19 answer werkzeug's 404 HTML page (the
// recorded 16.0 and 17.0 answers to the same paths).
func (h *Handler) UnknownRoute(w http.ResponseWriter, r *http.Request) {
	if h.profile.Version == 18 {
		loginRedirect(w, r)
		return
	}
	notFoundPage(w)
}
