package rpc

import "strings"

// routeFunctions are the Python functions behind Okapi's JSON routes in
// Odoo 14 and 15 (base/controllers/rpc.py, web/controllers/main.py,
// mail_client_extension's controllers), which those versions name in the
// error for a request of the wrong type.
var routeFunctions = map[string]string{
	"/jsonrpc":                           "RPC.jsonrpc",
	"/web/session/authenticate":          "Session.authenticate",
	"/web/session/get_session_info":      "Session.get_session_info",
	"/web/session/destroy":               "Session.destroy",
	"/web/dataset/call_kw":               "DataSet.call_kw",
	"/web/webclient/version_info":        "WebClient.version_info",
	"/mail_client_extension/modules/get": "MailClientExtensionController.modules_get",
}

// oldWrongType is Odoo 14 and 15's text for a JSON route reached by a
// request that is not JSON (odoo/http.py 15.0, WebRequest._call_function):
// the function, the path, and both request types.
func oldWrongType(path string) string {
	fn, ok := routeFunctions[path]
	if !ok {
		switch {
		case strings.HasPrefix(path, "/web/dataset/call_kw/"):
			fn = "DataSet.call_kw"
		case strings.HasPrefix(path, "/mail_client_extension/"), strings.HasPrefix(path, "/mail_plugin/"):
			fn = "MailPluginController." + strings.ReplaceAll(path[strings.LastIndexByte(path, '/')+1:], "-", "_")
		default:
			fn = "Controller.route"
		}
	}
	return "<function " + fn + " at 0x7f0a3c5e1ee0>, " + path +
		": Function declared as capable of handling request of type 'json' but called with a request of type 'http'"
}
