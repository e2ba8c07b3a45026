package gateway

import "testing"

// TestProxied: the add-ins' and session routes go upstream; the gateway's
// own pages, logout included, and the external API stay.
func TestProxied(t *testing.T) {
	for path, want := range map[string]bool{
		"/mail_plugin/partner/get":              true,
		"/mail_client_extension/modules/get":    true,
		"/web/session/authenticate":             true,
		"/web/session/get_session_info":         true,
		"/web/dataset/call_kw/res.partner/read": true,
		"/web/webclient/version_info":           true,
		"/web/session/logout":                   false,
		"/web/login":                            false,
		"/xmlrpc/2/object":                      false,
		"/jsonrpc":                              false,
		"/json/2/res.partner/read":              false,
		"/okapi/1/info":                         false,
	} {
		if got := Proxied(path); got != want {
			t.Errorf("Proxied(%q) = %v, want %v", path, got, want)
		}
	}
}
