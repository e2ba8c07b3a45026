package rpc

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/rpc/internal/limits"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
)

// Okapi's own endpoints, beyond Odoo's API, for the connection checker.
const (
	// InfoPath answers GET with what this server is: that it is Okapi, the
	// Odoo version it plays and where people create keys.
	InfoPath = "/okapi/1/info"
	// KeyStatusPath answers POST {"db", "login", "key"} with what state the
	// key is in; only the holder of a key can ask about it.
	KeyStatusPath = "/okapi/1/key-status"
)

func (h *Handler) handleInfo(w http.ResponseWriter, r *http.Request) {
	p := h.profile
	info := okapi.Struct{
		{Name: "okapi", Value: true},
		{Name: "odoo_version", Value: int64(p.Version)},
		{Name: "server_version", Value: p.ServerVersion},
		{Name: "keys_expire", Value: p.KeysExpire},
		{Name: "json2", Value: p.JSON2},
		{Name: "key_path", Value: p.Path()},
	}
	if !h.cfg.NoListDB {
		info = append(info, okapi.Member{Name: "db", Value: h.cfg.DBName})
	}
	if g, ok := h.cfg.Exec.(interface {
		UpstreamStatus(ctx context.Context) (string, error)
	}); ok {
		// A gateway says so, and whether its upstream answers now.
		url, err := g.UpstreamStatus(r.Context())
		msg := ""
		if err != nil {
			msg = okapi.ErrorMessage(err)
		}
		info = append(info, okapi.Member{Name: "gateway", Value: true}, okapi.Member{Name: "upstream", Value: url},
			okapi.Member{Name: "upstream_error", Value: msg})
	}
	out, _ := jsonrpc.AppendValue(nil, info)
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) handleKeyStatus(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v okapi.Struct) {
		out, _ := jsonrpc.AppendValue(nil, v)
		writeJSON(w, status, out)
	}
	if r.Method != http.MethodPost || !isJSONType(r.Header.Get("Content-Type"), false) {
		reply(http.StatusBadRequest, okapi.Struct{{Name: "error", Value: "POST a JSON object {\"db\", \"login\", \"key\"}"}})
		return
	}
	body := getBuf()
	defer putBuf(body)
	if !h.body(w, r, body) {
		return
	}
	v, err := jsonrpc.Decode(*body, limits.Request)
	req, ok := v.(map[string]any)
	if err != nil || !ok {
		reply(http.StatusBadRequest, okapi.Struct{{Name: "error", Value: "the body is not a JSON object"}})
		return
	}
	db, _ := req["db"].(string)
	login, _ := req["login"].(string)
	key, _ := req["key"].(string)
	if db != h.cfg.DBName {
		reply(http.StatusNotFound, okapi.Struct{{Name: "status", Value: okapi.KeyUnknownDatabase}})
		return
	}
	st, err := h.cfg.Auth.KeyStatus(r.Context(), login, key, h.cfg.ClientIP(r))
	if err != nil {
		if auth.IsCooldown(err) {
			w.Header().Set("Retry-After", strconv.Itoa(okapi.AsError(err).RetryAfter))
			reply(http.StatusTooManyRequests, okapi.Struct{{Name: "status", Value: "cooldown"}, {Name: "message", Value: okapi.MsgCooldown}})
			return
		}
		h.wireError(r, err)
		reply(http.StatusInternalServerError, okapi.Struct{{Name: "error", Value: "Internal server error"}})
		return
	}
	stamp := func(t time.Time) any {
		if t.IsZero() {
			return false
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	reply(http.StatusOK, okapi.Struct{
		{Name: "status", Value: st.Status},
		{Name: "login", Value: st.Login},
		{Name: "key_name", Value: st.KeyName},
		{Name: "scope", Value: st.Scope},
		{Name: "expires", Value: stamp(st.Expires)},
		{Name: "at", Value: stamp(st.When)},
	})
}
