package gateway

import (
	"context"
	"encoding/hex"
	"strconv"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/client"
)

// passRate limits the calls of one login (or upstream uid) passed through.
func (g *Gateway) passRate(name string) error {
	return g.cfg.Policy.Allow("pass:"+name, g.cfg.PassThroughRate, okapi.DefaultBurst(g.cfg.PassThroughRate),
		"Too many calls passed through the gateway for "+name+"; try again later. (rule: rate)")
}

// passAuthenticate forwards authenticate with a credential the gateway
// does not know; a refusal counts as a failure here too.
func (g *Gateway) passAuthenticate(ctx context.Context, login, secret, ip string) (any, error) {
	if err := g.passRate("login:" + login); err != nil {
		return nil, err
	}
	c, err := client.New(client.Config{URL: g.cfg.URL, DB: g.cfg.DB, Login: login, Key: secret, Protocol: g.rpcProtocolForAuth(),
		HTTPClient: g.http, UserAgent: "okapi-gateway/1"})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	uid, err := c.Authenticate(ctx)
	if err != nil {
		if client.IsAccessDenied(err) {
			g.cfg.Auth.RecordFailure(ctx, auth.PathAuthenticate, ip, login, "refused by the upstream (passed through)")
			return false, nil
		}
		return nil, g.failed(0, login, "common.authenticate", g.fromClient(err, client.XMLRPC))
	}
	g.cfg.Auth.RecordSuccess(ip, login)
	return uid, nil
}

// rpcProtocolForAuth is the protocol an execute_kw credential is passed
// through over: XML-RPC or JSON-RPC while the upstream has them, where a
// password works and the uid is checked, JSON-2 (a key as bearer) on an
// upstream that answers only JSON-2.
func (g *Gateway) rpcProtocolForAuth() client.Protocol {
	switch {
	case !g.hasRPC:
		return client.JSON2
	case g.protocol == client.JSON2:
		return client.XMLRPC
	}
	return g.protocol
}

// passExecute forwards a call with the credential as it came.
func (g *Gateway) passExecute(ctx context.Context, pt *passThrough, model, method string, args []any, kwargs map[string]any, json2 bool) (any, error) {
	// A bearer key is named by a digest, never by any part of itself.
	d := g.cfg.Auth.Digest(pt.secret)
	name := "key " + hex.EncodeToString(d[:6])
	if pt.uid != 0 {
		name = "uid " + strconv.FormatInt(pt.uid, 10)
	}
	if err := g.passRate(name); err != nil {
		return nil, err
	}
	p := g.rpcProtocolForAuth()
	if json2 {
		if g.major < 19 {
			// A bearer key means nothing to Odoo 14–18, and it gives no
			// login to authenticate with.
			return nil, okapi.Errorf(okapi.EUnauthorized, "A key passed through over JSON-2 needs an upstream with JSON-2 (Odoo 19 or later); Odoo %d has none: link the user (okapi upstream link) and use a gateway key.", g.major)
		}
		p = client.JSON2
	}
	c, err := client.New(client.Config{URL: g.cfg.URL, DB: g.cfg.DB, Key: pt.secret, UID: pt.uid, Protocol: p,
		HTTPClient: g.http, UserAgent: "okapi-gateway/1"})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	var res any
	to := client.XMLRPC
	if json2 {
		to = client.JSON2
		res, err = c.ExecuteNamed(ctx, model, method, kwargs)
	} else {
		res, err = c.ExecuteKW(ctx, model, method, args, kwargs)
	}
	if err != nil {
		e := g.fromClient(err, to)
		if okapi.ErrorCode(e) == okapi.EAccessDenied || okapi.ErrorCode(e) == okapi.EUnauthorized {
			g.cfg.Auth.RecordFailure(ctx, auth.PathExecute, pt.ip, "", "refused by the upstream (passed through, "+name+")")
		}
		return nil, g.failed(0, name, model+"."+method, e)
	}
	g.cfg.Auth.RecordSuccess(pt.ip, "")
	return res, nil
}
