package rpc

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/model"
	"github.com/okapi-erp/okapi/rpc/internal/limits"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
)

// eSessionExpired is the web client's "Odoo Session Expired" (code 100).
const eSessionExpired okapi.Code = "odoo.http.SessionExpiredException"

// jsonFunc handles the params of one JSON-RPC route.
type jsonFunc func(w http.ResponseWriter, r *http.Request, params map[string]any) (any, error)

// jsonrpcRoute is the signature of Odoo's /jsonrpc route,
// RPC.jsonrpc(self, service, method, args) (base/controllers/rpc.py, 16.0–
// 19.0): its params bind to it as keyword arguments, and a missing or
// unknown one is Python's TypeError.
var jsonrpcRoute = &model.Method{Name: "jsonrpc", Qual: "RPC.jsonrpc",
	Params: []model.Param{{Name: "service", Required: true}, {Name: "method", Required: true}, {Name: "args", Required: true}}}

// handleJSONRPC serves /jsonrpc: {"service", "method", "args"}.
func (h *Handler) handleJSONRPC(w http.ResponseWriter, r *http.Request) {
	h.jsonRoute(func(w http.ResponseWriter, r *http.Request, p map[string]any) (any, error) {
		if _, err := jsonrpcRoute.BindKeywords(p); err != nil {
			return nil, err
		}
		service, _ := p["service"].(string)
		method, _ := p["method"].(string)
		var args []any
		switch a := p["args"].(type) {
		case []any:
			args = a
		case nil:
		default:
			return nil, okapi.Errorf(okapi.ETypeError, "args must be a list")
		}
		ctx, note := auth.WithKeyNote(r.Context())
		result, err := h.dispatch(ctx, service, method, args, h.cfg.ClientIP(r))
		if err == nil {
			setKeyExpiration(w, note)
		} else if e := okapi.AsError(err); e != nil && e.Code == okapi.ETooMany && e.RetryAfter > 0 {
			// An exceeded rate: HTTP 429 with Retry-After, the JSON-RPC
			// error in the body.
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
			return nil, withStatus(http.StatusTooManyRequests, err)
		}
		return result, err
	})(w, r)
}

// setKeyExpiration tells the client when the key of the call expires, if
// it does (okapi.KeyExpirationHeader).
func setKeyExpiration(w http.ResponseWriter, n *auth.KeyNote) {
	if !n.Expires.IsZero() {
		w.Header().Set(okapi.KeyExpirationHeader, n.Expires.UTC().Format(okapi.KeyExpirationLayout))
	}
}

// isJSONType reports a JSON-RPC content type.
func isJSONType(ct string, rpc bool) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return mt == "application/json" || rpc && mt == "application/json-rpc"
}

// jsonRoute wraps a JSON-RPC route: the content-type check, the envelope,
// and the answer or error in Odoo's shape for the profile.
func (h *Handler) jsonRoute(fn jsonFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !isJSONType(r.Header.Get("Content-Type"), true) {
			h.wrongJSONType(w, r.URL.Path)
			return
		}
		body := getBuf()
		defer putBuf(body)
		if !h.body(w, r, body) {
			return
		}
		req, err := jsonrpc.DecodeRequest(*body, limits.Request)
		if err != nil {
			// werkzeug's BadRequest page, as Odoo raises it (http.py 17.0,
			// JsonRPCDispatcher).
			htmlError(w, http.StatusBadRequest, "Bad Request", "Invalid JSON data")
			return
		}
		if req.Params == nil {
			req.Params = map[string]any{}
		}
		result, err := fn(w, r, req.Params)
		out := getBuf()
		defer putBuf(out)
		status := http.StatusOK
		var se *statusError
		if errors.As(err, &se) {
			status = se.status
		}
		if err != nil {
			*out, err = h.appendJSONError(*out, req.ID, h.wireError(r, err))
		} else {
			*out, err = jsonrpc.AppendResult(*out, req.ID, result)
		}
		if err != nil {
			h.log.Error("encoding a JSON-RPC answer failed", "err", err)
			*out, _ = h.appendJSONError((*out)[:0], req.ID, &okapi.Error{Code: okapi.EInternal, Message: "Internal server error"})
		}
		writeJSON(w, status, *out)
	}
}

// statusError is an error a JSON-RPC route answers with another HTTP status
// than 200 (werkzeug's exceptions raised in a route, such as Forbidden).
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func withStatus(status int, err error) error { return &statusError{status: status, err: err} }

// wrongJSONType is werkzeug's page for a JSON route reached without JSON:
// 400 up to 18, 415 (with the Accept header) from 19.
func (h *Handler) wrongJSONType(w http.ResponseWriter, path string) {
	route := htmlEscape(path)
	if h.profile.Version >= 19 {
		w.Header().Set("Accept", "application/json, application/json-rpc")
		htmlError(w, http.StatusUnsupportedMediaType, "Unsupported Media Type",
			"Request inferred type is compatible with [&#39;http&#39;] but &#39;"+route+"&#39; is type=&#39;jsonrpc&#39;.<br><br>Please verify the Content-Type request header and try again.")
		return
	}
	if h.profile.Version <= 15 {
		htmlError(w, http.StatusBadRequest, "Bad Request", htmlEscape(oldWrongType(path)))
		return
	}
	htmlError(w, http.StatusBadRequest, "Bad Request",
		"Request inferred type is compatible with [&#39;http&#39;] but &#39;"+route+"&#39; is type=&#39;json&#39;.")
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	hd := w.Header()
	hd["Content-Type"] = []string{"application/json; charset=utf-8"}
	hd["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
}

// appendJSONError writes Odoo's JSON-RPC error object: code 200 (0 from 19),
// "Odoo Server Error", and data with the exception's name, message and
// arguments; "debug" holds one clean line where Odoo puts a traceback.
func (h *Handler) appendJSONError(dst []byte, id jsonrpc.RawID, e *okapi.Error) ([]byte, error) {
	code, msg := h.profile.JSONRPCErrorCode, "Odoo Server Error"
	name := string(e.Code)
	message := e.Message
	if e.Code == eSessionExpired {
		code, msg = 100, "Odoo Session Expired"
	}
	args := e.Args
	if args == nil {
		args = []any{message}
	}
	debug := pyName(e.Code) + ": " + message + "\n"
	var data okapi.Struct
	if h.profile.DebugFirst {
		data = okapi.Struct{{Name: "name", Value: name}, {Name: "debug", Value: debug}, {Name: "message", Value: message},
			{Name: "arguments", Value: args}, {Name: "context", Value: okapi.Struct{}}}
	} else {
		data = okapi.Struct{{Name: "name", Value: name}, {Name: "message", Value: message}, {Name: "arguments", Value: args},
			{Name: "context", Value: okapi.Struct{}}, {Name: "debug", Value: debug}}
	}
	return jsonrpc.AppendError(dst, id, code, msg, data)
}

// sessionAuthenticate is /web/session/authenticate: an interactive login,
// so the password only — an API key is refused there, as in Odoo.
func (h *Handler) sessionAuthenticate(w http.ResponseWriter, r *http.Request, p map[string]any) (any, error) {
	db, _ := p["db"].(string)
	if db != "" && db != h.cfg.DBName {
		return nil, okapi.Errorf(okapi.EAccess, "Database not found.")
	}
	login, _ := p["login"].(string)
	password, _ := p["password"].(string)
	u, err := h.cfg.Auth.LoginInteractive(r.Context(), login, password, h.cfg.ClientIP(r))
	if err != nil {
		return nil, err
	}
	if u.TOTP {
		// The password was right but the code is missing: no session, and
		// {"uid": null}, as every Odoo version answers for a 2FA user here
		// (web/controllers/session.py: "Please use /web/login instead").
		return okapi.Struct{{Name: "uid", Value: nil}}, nil
	}
	if h.cfg.Sessions != nil {
		if _, err := h.cfg.Sessions.StartSession(w, r, u); err != nil {
			return nil, err
		}
	}
	return h.sessionInfoStruct(r, u), nil
}

func sessionExpired() error {
	return &okapi.Error{Code: eSessionExpired, Message: "Session expired", Args: []any{"Session expired"}}
}

func (h *Handler) sessionUser(r *http.Request) (*okapi.User, error) {
	if h.cfg.Sessions == nil {
		return nil, sessionExpired()
	}
	u, _, ok := h.cfg.Sessions.CurrentUser(r)
	if !ok {
		return nil, sessionExpired()
	}
	return u, nil
}

func (h *Handler) sessionInfo(w http.ResponseWriter, r *http.Request, _ map[string]any) (any, error) {
	u, err := h.sessionUser(r)
	if err != nil {
		return nil, err
	}
	return h.sessionInfoStruct(r, u), nil
}

func (h *Handler) sessionDestroy(w http.ResponseWriter, r *http.Request, _ map[string]any) (any, error) {
	if h.cfg.Sessions != nil {
		h.cfg.Sessions.EndSession(w, r)
	}
	return nil, nil
}

// callKw is /web/dataset/call_kw: the web client's model calls, with the
// session's user.
func (h *Handler) callKw(w http.ResponseWriter, r *http.Request, p map[string]any) (any, error) {
	u, err := h.sessionUser(r)
	if err != nil {
		return nil, err
	}
	model, _ := p["model"].(string)
	method, _ := p["method"].(string)
	args, _ := p["args"].([]any)
	kwargs, _ := p["kwargs"].(map[string]any)
	return h.cfg.Models.Execute(r.Context(), u, model, method, args, kwargs)
}

func (h *Handler) versionInfo(w http.ResponseWriter, r *http.Request, _ map[string]any) (any, error) {
	return h.profile.VersionStruct(), nil
}

// handleVersion serves GET /web/version and /json/version (19); earlier
// versions have no such route. A gateway that serves JSON-2 in front of an
// earlier Odoo answers /json/version, which JSON-2 clients read, and leaves
// /web/version as that Odoo has it.
func (h *Handler) handleVersion(w http.ResponseWriter, r *http.Request) {
	if !h.profile.JSON2 || r.URL.Path == "/web/version" && h.profile.Version < 19 {
		if r.URL.Path == "/json/version" {
			h.UnknownRoute(w, r)
			return
		}
		notFoundPage(w)
		return
	}
	out := getBuf()
	defer putBuf(out)
	*out, _ = jsonrpc.AppendValue(*out, okapi.Struct{{Name: "version_info", Value: h.profile.ServerVersionInfo}, {Name: "version", Value: h.profile.ServerVersion}})
	writeJSON(w, http.StatusOK, *out)
}
