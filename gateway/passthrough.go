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
		return nil, g.failed(0, login, "common.authenticate", g.fromClient(err))
	}
	g.cfg.Auth.RecordSuccess(ip, login)
	return uid, nil
}

func (g *Gateway) rpcProtocolForAuth() client.Protocol {
	if p := g.rpcProtocol(); p != client.JSON2 {
		return p
	}
	return client.XMLRPC
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
	p := g.rpcProtocol()
	if json2 {
		p = client.JSON2
	}
	c, err := client.New(client.Config{URL: g.cfg.URL, DB: g.cfg.DB, Key: pt.secret, UID: pt.uid, Protocol: p,
		HTTPClient: g.http, UserAgent: "okapi-gateway/1"})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	res, err := c.ExecuteKW(ctx, model, method, args, kwargs)
	if err != nil {
		e := g.fromClient(err)
		if okapi.ErrorCode(e) == okapi.EAccessDenied || okapi.ErrorCode(e) == okapi.EUnauthorized {
			g.cfg.Auth.RecordFailure(ctx, auth.PathExecute, pt.ip, "", "refused by the upstream (passed through, "+name+")")
		}
		return nil, g.failed(0, name, model+"."+method, e)
	}
	g.cfg.Auth.RecordSuccess(pt.ip, "")
	return res, nil
}
