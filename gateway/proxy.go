package gateway

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// ProxiedPrefixes are the paths the gateway passes to the upstream
// unchanged, as a reverse proxy: the e-mail add-ins' routes and the web
// client's session routes, which carry their own authentication (Odoo's
// session cookie, the add-ins' own keys) that the gateway does not check.
var ProxiedPrefixes = []string{
	"/mail_plugin/", "/mail_client_extension/",
	"/web/session/", "/web/dataset/", "/web/webclient/",
}

// Proxied reports whether path is passed to the upstream unchanged. The
// logout of the gateway's own pages (/web/session/logout) stays here.
func Proxied(path string) bool {
	if path == "/web/session/logout" {
		return false
	}
	for _, p := range ProxiedPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// Proxy returns the reverse proxy to the upstream, on the gateway's pooled
// connections. An upstream that cannot be reached answers 502 with a line
// saying why, never a hang (the transport's dial and the server's write
// timeout bound it).
func (g *Gateway) Proxy() http.Handler {
	target, _ := url.Parse(g.cfg.URL)
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.SetXForwarded()
		},
		Transport: g.http.Transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			g.log.Warn("proxying to the upstream failed", "path", r.URL.Path, "why", why(err))
			http.Error(w, "The upstream Odoo at "+g.cfg.URL+" is unreachable: "+why(err)+".", http.StatusBadGateway)
		},
	}
}
