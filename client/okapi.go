package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
)

// Okapi answers two questions that Odoo leaves to guessing: what the server
// is, and what state a key is in. These calls exist only there; against
// Odoo they return ErrNotOkapi.

// ServerInfo is what an Okapi server says about itself.
type ServerInfo struct {
	OdooVersion   int    // the Odoo version it plays
	ServerVersion string // as version() says it
	KeysExpire    bool
	JSON2         bool
	KeyPath       string // where people create keys, in that version's words
	DB            string // its database, unless it hides the list
	// Gateway: the server is okapi gateway in front of Upstream, which
	// did not answer it just now when UpstreamError says why.
	Gateway       bool
	Upstream      string
	UpstreamError string
}

// OkapiInfo asks the server whether it is Okapi, and what it plays.
func (c *Client) OkapiInfo(ctx context.Context) (*ServerInfo, error) {
	a, err := c.exchange(ctx, http.MethodGet, "/okapi/1/info", nil, nil)
	if err != nil {
		return nil, err
	}
	v, err := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	m, ok := v.(map[string]any)
	if a.status != http.StatusOK || err != nil || !ok || m["okapi"] != true {
		return nil, ErrNotOkapi
	}
	info := &ServerInfo{OdooVersion: toInt(m["odoo_version"])}
	info.ServerVersion, _ = m["server_version"].(string)
	info.KeysExpire, _ = m["keys_expire"].(bool)
	info.JSON2, _ = m["json2"].(bool)
	info.KeyPath, _ = m["key_path"].(string)
	info.DB, _ = m["db"].(string)
	info.Gateway, _ = m["gateway"].(bool)
	info.Upstream, _ = m["upstream"].(string)
	info.UpstreamError, _ = m["upstream_error"].(string)
	return info, nil
}

// Key states that KeyStatus reports: the words the server uses.
const (
	KeyValid           = okapi.KeyValid
	KeyExpired         = okapi.KeyExpired
	KeyRevoked         = okapi.KeyRevoked
	KeyUnknown         = okapi.KeyUnknown
	KeyOtherUser       = okapi.KeyOtherUser
	KeyArchivedUser    = okapi.KeyArchivedUser
	KeyScoped          = okapi.KeyScoped
	KeyNotAKey         = okapi.KeyNotAKey
	KeyUnknownDatabase = okapi.KeyUnknownDatabase
)

// KeyStatus is the state of the client's key, as Okapi tells its holder.
type KeyStatus struct {
	Status  string // one of the Key… states
	Login   string // the key's owner
	KeyName string
	Scope   string
	Expires time.Time // when it expires or expired (zero: never)
	At      time.Time // when it was revoked or deleted
}

// KeyStatus asks Okapi what state the client's key is in: valid, expired,
// revoked, another user's… Only the holder of a key can ask: a key nobody
// holds is just "unknown". During a login cooldown the error is of
// KindRateLimited.
func (c *Client) KeyStatus(ctx context.Context) (*KeyStatus, error) {
	body, _ := jsonrpc.AppendValue(nil, okapi.Struct{{Name: "db", Value: c.cfg.DB}, {Name: "login", Value: c.cfg.Login}, {Name: "key", Value: c.cfg.Key}})
	a, err := c.exchange(ctx, http.MethodPost, "/okapi/1/key-status", http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return nil, err
	}
	v, jerr := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	m, _ := v.(map[string]any)
	status, _ := m["status"].(string)
	switch {
	case a.status == http.StatusTooManyRequests:
		msg, _ := m["message"].(string)
		if msg == "" {
			msg = okapi.MsgCooldown
		}
		return nil, &Error{Kind: KindRateLimited, Message: msg, HTTPStatus: a.status, Call: "okapi.key_status"}
	case jerr != nil || status == "":
		return nil, ErrNotOkapi
	case a.status != http.StatusOK && status != KeyUnknownDatabase:
		return nil, errors.New("client: okapi key-status answered " + strconv.Itoa(a.status))
	}
	ks := &KeyStatus{Status: status}
	ks.Login, _ = m["login"].(string)
	ks.KeyName, _ = m["key_name"].(string)
	ks.Scope, _ = m["scope"].(string)
	ks.Expires = stamp(m["expires"])
	ks.At = stamp(m["at"])
	return ks, nil
}

// stamp reads Odoo's "YYYY-MM-DD HH:MM:SS" (UTC); false is no time.
func stamp(v any) time.Time {
	s, _ := v.(string)
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
