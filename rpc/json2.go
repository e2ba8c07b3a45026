package rpc

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/rpc/internal/limits"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
)

// bearerRE is Odoo's reading of the Authorization header: any case of
// "bearer", then the key.
var bearerRE = regexp.MustCompile(`(?i)^bearer\s+(.+)$`)

const (
	msgNoBearer   = "User not authenticated, use an API Key with a Bearer Authorization header."
	msgBadKey     = "Invalid apikey"
	msgDidYouMean = "Did you mean POST /json/2/<model>/<method>?"
)

// handleJSON2 serves POST /json/2/<model>/<method> (Odoo 19): named
// arguments in a JSON object, the key as a bearer token, the bare result or
// a JSON error with the HTTP status Odoo gives.
func (h *Handler) handleJSON2(w http.ResponseWriter, r *http.Request) {
	if !h.profile.JSON2 {
		h.UnknownRoute(w, r)
		return
	}
	if r.Method != http.MethodPost {
		h.json2Error(w, &okapi.Error{Code: okapi.ENotFound, Message: msgDidYouMean})
		return
	}
	if !isJSONType(r.Header.Get("Content-Type"), false) {
		w.Header().Set("Accept", "application/json")
		htmlError(w, http.StatusUnsupportedMediaType, "Unsupported Media Type",
			"Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header and try again.")
		return
	}
	ctx, user, note, ok := h.bearerUser(w, r)
	if !ok {
		return
	}
	body := getBuf()
	defer putBuf(body)
	if !h.body(w, r, body) {
		return
	}
	params := map[string]any{}
	if len(*body) > 0 {
		v, err := jsonrpc.Decode(*body, limits.Request)
		if err != nil {
			h.json2Error(w, &okapi.Error{Code: okapi.EBadRequest, Message: "could not parse the body as json: " + err.Error()})
			return
		}
		// Odoo ignores a body that is not an object (a list, say).
		if obj, ok := v.(map[string]any); ok {
			params = obj
		}
	}
	model, method := r.PathValue("model"), r.PathValue("method")
	if err := h.checkPolicy(user, model, method, h.cfg.ClientIP(r)); err != nil {
		if e := okapi.AsError(err); e.Code == okapi.ETooMany {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		h.json2Error(w, okapi.AsError(err))
		return
	}
	result, err := h.cfg.Exec.ExecuteNamed(ctx, user, model, method, params)
	if err != nil {
		h.json2Error(w, h.wireError(r, err))
		return
	}
	out := getBuf()
	defer putBuf(out)
	if *out, err = jsonrpc.AppendValue(*out, result); err != nil {
		h.log.Error("encoding a JSON-2 answer failed", "err", err)
		h.json2Error(w, &okapi.Error{Code: okapi.EInternal, Message: "Internal server error"})
		return
	}
	setKeyExpiration(w, note)
	writeJSON(w, http.StatusOK, *out)
}

// bearerUser checks the database header and the bearer key of a JSON-2
// request, as Odoo's auth='bearer' routes do, answering the refusal itself
// (ok false).
func (h *Handler) bearerUser(w http.ResponseWriter, r *http.Request) (ctx context.Context, user *okapi.User, note *auth.KeyNote, ok bool) {
	if db := r.Header.Get("X-Odoo-Database"); db != "" && db != h.cfg.DBName {
		htmlError(w, http.StatusNotFound, "Not Found",
			"No database is selected and the requested URL was not found in the server-wide controllers.<!-- Alternatively, use the X-Odoo-Database header. -->")
		return nil, nil, nil, false
	}
	m := bearerRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || m[1] == "" {
		h.json2Error(w, &okapi.Error{Code: okapi.EUnauthorized, Message: msgNoBearer})
		return nil, nil, nil, false
	}
	ctx, note = auth.WithKeyNote(r.Context())
	var err error
	if front, ok := h.cfg.Exec.(Front); ok {
		ctx, user, err = front.CheckBearer(ctx, m[1], h.cfg.ClientIP(r))
	} else {
		user, err = h.cfg.Auth.CheckBearer(ctx, m[1], h.cfg.ClientIP(r))
	}
	if err != nil {
		if auth.IsCooldown(err) {
			e := okapi.AsError(err)
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
			h.json2Error(w, &okapi.Error{Code: okapi.ETooMany, Message: okapi.MsgCooldown})
			return nil, nil, nil, false
		}
		if okapi.ErrorCode(err) == okapi.EAccessDenied {
			h.json2Error(w, &okapi.Error{Code: okapi.EUnauthorized, Message: msgBadKey})
			return nil, nil, nil, false
		}
		h.json2Error(w, h.wireError(r, err))
		return nil, nil, nil, false
	}
	return ctx, user, note, true
}

// handleDocBearer serves /doc-bearer/<model>.json (Odoo 19): a model's
// public methods and their signatures, for a bearer key whose user may
// read the model. Protocol bridges (Okapi's gateway among them) read it to
// name execute_kw's positional arguments.
func (h *Handler) handleDocBearer(w http.ResponseWriter, r *http.Request) {
	model, isJSON := strings.CutSuffix(r.PathValue("file"), ".json")
	if !h.profile.JSON2 || !isJSON {
		notFoundPage(w)
		return
	}
	if _, front := h.cfg.Exec.(Front); front {
		// A gateway has no signatures of its own to publish: its
		// models are the upstream's.
		notFoundPage(w)
		return
	}
	_, user, note, ok := h.bearerUser(w, r)
	if !ok {
		return
	}
	doc, err := h.cfg.Models.Doc(r.Context(), user, model)
	if err != nil {
		h.json2Error(w, h.wireError(r, err))
		return
	}
	out := getBuf()
	defer putBuf(out)
	*out, _ = jsonrpc.AppendValue(*out, doc)
	setKeyExpiration(w, note)
	writeJSON(w, http.StatusOK, *out)
}

// handleJSON2Elsewhere answers /json/2 and any other path under it.
func (h *Handler) handleJSON2Elsewhere(w http.ResponseWriter, r *http.Request) {
	if !h.profile.JSON2 {
		h.UnknownRoute(w, r)
		return
	}
	h.json2Error(w, &okapi.Error{Code: okapi.ENotFound, Message: msgDidYouMean})
}

// json2Status is the HTTP status Odoo gives each kind of error.
func json2Status(c okapi.Code) int {
	switch c {
	case okapi.EUnauthorized:
		return http.StatusUnauthorized
	case okapi.ENotFound, okapi.EMissing:
		return http.StatusNotFound
	case okapi.EUnprocessable, okapi.EUser, okapi.EValidation:
		return http.StatusUnprocessableEntity
	case okapi.EBadRequest:
		return http.StatusBadRequest
	case okapi.EAccess, okapi.EAccessDenied:
		return http.StatusForbidden
	case okapi.ETooMany:
		return http.StatusTooManyRequests
	case okapi.EUpstream:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// httpError reports the werkzeug exceptions, whose arguments carry the status.
func httpError(c okapi.Code) bool {
	switch c {
	case okapi.EUnauthorized, okapi.ENotFound, okapi.EUnprocessable, okapi.EBadRequest, okapi.ETooMany:
		return true
	}
	return false
}

var statusText = map[int]string{401: "401 Unauthorized", 404: "404 Not Found", 422: "422 Unprocessable Entity", 400: "400 Bad Request", 429: "429 Too Many Requests"}

// json2Error writes {"name", "message", "arguments", "context", "debug"}.
func (h *Handler) json2Error(w http.ResponseWriter, e *okapi.Error) {
	status := json2Status(e.Code)
	args := e.Args
	debug := pyName(e.Code) + ": " + e.Message
	if httpError(e.Code) {
		args = []any{e.Message, int64(status)}
		debug = pyName(e.Code) + ": " + statusText[status] + ": " + e.Message
	} else if args == nil {
		args = []any{e.Message}
	}
	if e.Code == okapi.EUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer ")
	}
	out := getBuf()
	defer putBuf(out)
	*out, _ = jsonrpc.AppendValue(*out, okapi.Struct{
		{Name: "name", Value: string(e.Code)},
		{Name: "message", Value: e.Message},
		{Name: "arguments", Value: args},
		{Name: "context", Value: okapi.Struct{}},
		{Name: "debug", Value: debug},
	})
	writeJSON(w, status, *out)
}
