package client

import (
	"context"
	"net/http"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
)

// PasswordNeedsSecondFactor reports whether the configured secret is the
// user's right password but two-factor authentication is on, so that the
// external API refuses it. XML-RPC and JSON-RPC cannot tell: they answer a
// 2FA user's password exactly like a wrong one. The web client's login
// can: every Odoo version (14–19) and Okapi answer /web/session/authenticate
// with {"uid": null} when the password is right and a code is still due,
// and with an error when it is wrong. The probe opens no session.
func (c *Client) PasswordNeedsSecondFactor(ctx context.Context) (bool, error) {
	body := []byte(`{"jsonrpc": "2.0", "method": "call", "id": 1, "params": `)
	body, err := jsonrpc.AppendValue(body, okapi.Struct{{Name: "db", Value: c.cfg.DB}, {Name: "login", Value: c.cfg.Login},
		{Name: "password", Value: c.cfg.Key}})
	if err != nil {
		return false, err
	}
	body = append(body, '}')
	a, err := c.exchange(ctx, http.MethodPost, "/web/session/authenticate", http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return false, err
	}
	if a.status != http.StatusOK {
		return false, c.unexpected(a)
	}
	v, err := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	env, ok := v.(map[string]any)
	if err != nil || !ok {
		return false, c.unexpected(a)
	}
	res, ok := env["result"].(map[string]any)
	if !ok {
		return false, nil // an error: the password is wrong
	}
	uid, present := res["uid"]
	return present && uid == nil, nil
}
