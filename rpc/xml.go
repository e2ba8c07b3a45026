package rpc

import (
	"net/http"
	"strconv"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/rpc/internal/limits"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

// handleXMLRPC serves /xmlrpc/2/<service> (integer fault codes) and the
// legacy /xmlrpc/<service> (string fault codes). Faults come back as HTTP
// 200, as Odoo sends them.
func (h *Handler) handleXMLRPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		htmlError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "The method is not allowed for the requested URL.")
		return
	}
	legacy := len(r.URL.Path) < len("/xmlrpc/2/") || r.URL.Path[:len("/xmlrpc/2/")] != "/xmlrpc/2/"
	service := r.PathValue("service")
	body := getBuf()
	defer putBuf(body)
	if !h.body(w, r, body) {
		return
	}
	call, err := xmlrpc.DecodeCall(*body, limits.Request)
	if err != nil {
		h.writeFault(w, legacy, &okapi.Error{Code: okapi.EException, Message: "malformed XML-RPC request: " + err.Error()})
		return
	}
	ctx, note := auth.WithKeyNote(r.Context())
	result, err := h.dispatch(ctx, service, call.Method, call.Params, h.cfg.ClientIP(r))
	if err != nil {
		if tooManyCalls(w, err) {
			return
		}
		h.writeFault(w, legacy, h.wireError(r, err))
		return
	}
	setKeyExpiration(w, note)
	out := getBuf()
	defer putBuf(out)
	*out, err = xmlrpc.AppendResponse(*out, result)
	if err != nil {
		h.log.Error("encoding an XML-RPC answer failed", "err", err)
		h.writeFault(w, legacy, &okapi.Error{Code: okapi.EInternal, Message: "Internal server error"})
		return
	}
	writeXML(w, *out)
}

func writeXML(w http.ResponseWriter, b []byte) {
	hd := w.Header()
	hd["Content-Type"] = []string{"text/xml; charset=utf-8"}
	hd["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// faultCode is Odoo's /xmlrpc/2 fault code for an error: 3 bad
// credentials, 4 access error, 2 user error or missing record, 1 the rest.
func faultCode(c okapi.Code) int {
	switch c {
	case okapi.EAccessDenied:
		return 3
	case okapi.EAccess:
		return 4
	case okapi.EMissing, okapi.EUser, okapi.EValidation:
		return 2
	}
	return 1
}

// faultText is the fault string: the message for Odoo's own exceptions,
// "Type: message" for the rest, where Odoo would send a whole traceback.
func faultText(e *okapi.Error) string {
	if faultCode(e.Code) != 1 || e.Code == okapi.EDatabase {
		return e.Message
	}
	return pyName(e.Code) + ": " + e.Message
}

func (h *Handler) writeFault(w http.ResponseWriter, legacy bool, e *okapi.Error) {
	out := getBuf()
	defer putBuf(out)
	if !legacy {
		*out = xmlrpc.AppendFault(*out, faultCode(e.Code), faultText(e))
		writeXML(w, *out)
		return
	}
	// The legacy endpoint puts the kind and message in a string faultCode.
	var code, text string
	switch e.Code {
	case okapi.EAccessDenied:
		code, text = "AccessDenied", e.Message
	case okapi.EMissing:
		code = "warning -- MissingError\n\n" + e.Message
	case okapi.EAccess:
		code = "warning -- AccessError\n\n" + e.Message
	case okapi.EUser, okapi.EValidation:
		code = "warning -- UserError\n\n" + e.Message
	default:
		code, text = e.Message, faultText(e)
	}
	*out = xmlrpc.AppendFault(*out, code, text)
	writeXML(w, *out)
}
