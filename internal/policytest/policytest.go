// Package policytest holds the one test of key policies over every
// protocol, run against okapi serve and okapi gateway alike: each rule
// allowed and refused over XML-RPC, JSON-RPC and (when the server has it)
// JSON-2, refusals as Odoo-shaped access errors naming the rule, an
// exceeded rate as HTTP 429 with Retry-After.
package policytest

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

// Keys are keys of one user, each made with one policy:
//
//	ReadOnly: --read-only
//	Models:   --models res.partner
//	Here:     --allow-ip 127.0.0.0/8
//	Away:     --allow-ip 10.0.0.0/8
//	Rate:     --rate 1/m:2 (two calls, then 429)
type Keys struct {
	ReadOnly, Models, Here, Away, Rate string
}

// Server is what the test needs to know of the server under test.
type Server struct {
	URL, DB, Login string
	// JSON2: the server serves /json/2.
	JSON2 bool
}

// Run checks every rule on every protocol the server has.
func Run(t *testing.T, s Server, k Keys) {
	protocols := []client.Protocol{client.XMLRPC, client.JSONRPC}
	if s.JSON2 {
		protocols = append(protocols, client.JSON2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, p := range protocols {
		c := func(key string) *client.Client {
			cl, err := client.New(client.Config{URL: s.URL, DB: s.DB, Login: s.Login, Key: key, Protocol: p})
			if err != nil {
				t.Fatal(err)
			}
			return cl
		}
		allowed := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Errorf("%s: %s: %v, want it allowed", p, what, err)
			}
		}
		refused := func(what, rule string, err error) {
			t.Helper()
			if !client.IsAccessError(err) || !strings.Contains(err.Error(), "(rule: "+rule+")") {
				t.Errorf("%s: %s: %v, want an access error naming rule %s", p, what, err, rule)
			}
			if e, ok := err.(*client.Error); ok && p == client.JSON2 && e.HTTPStatus != http.StatusForbidden {
				t.Errorf("%s: %s: HTTP %d, want 403", p, what, e.HTTPStatus)
			}
		}
		ro := c(k.ReadOnly)
		_, err := ro.SearchCount(ctx, "res.partner", []any{})
		allowed("read-only search_count", err)
		_, err = ro.ExecuteKW(ctx, "res.partner", "fields_get", nil, map[string]any{"attributes": []any{"type"}})
		allowed("read-only fields_get", err)
		_, err = ro.Create(ctx, "res.partner", map[string]any{"name": "must not exist"})
		refused("read-only create", "read-only", err)
		// By name, which every protocol carries (over XML-RPC the ids go
		// first): no signature names an unknown method's positionals.
		_, err = ro.ExecuteNamed(ctx, "res.partner", "some_new_method", map[string]any{"ids": []any{int64(1)}})
		refused("read-only unknown method", "read-only", err)

		m := c(k.Models)
		_, err = m.SearchCount(ctx, "res.partner", []any{})
		allowed("models: res.partner", err)
		_, err = m.SearchCount(ctx, "res.users", []any{})
		refused("models: res.users", "models", err)

		_, err = c(k.Here).SearchCount(ctx, "res.partner", []any{})
		allowed("allow-ip 127.0.0.0/8", err)
		_, err = c(k.Away).SearchCount(ctx, "res.partner", []any{})
		refused("allow-ip 10.0.0.0/8", "allow-ip", err)
	}
	// The rate: the key allows two calls a minute, whatever the protocol;
	// the third, on each protocol, is HTTP 429 with Retry-After.
	rl := c0(t, s, k.Rate)
	if _, err := rl.SearchCount(ctx, "res.partner", []any{}); err != nil {
		t.Fatalf("rate: first call: %v", err)
	}
	if _, err := rl.SearchCount(ctx, "res.partner", []any{}); err != nil {
		t.Fatalf("rate: second call: %v", err)
	}
	uid, err := rl.Authenticate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range protocols {
		status, retry, body := rawCall(t, s, p, uid, k.Rate)
		if status != http.StatusTooManyRequests || retry == "" {
			t.Errorf("%s: over the rate: HTTP %d, Retry-After %q, %s; want 429 with Retry-After", p, status, retry, body)
			continue
		}
		if n, err := strconv.Atoi(retry); err != nil || n < 1 || n > 60 {
			t.Errorf("%s: Retry-After %q", p, retry)
		}
		if !strings.Contains(body, "(rule: rate)") {
			t.Errorf("%s: the 429 does not name the rule: %s", p, body)
		}
	}
}

func c0(t *testing.T, s Server, key string) *client.Client {
	cl, err := client.New(client.Config{URL: s.URL, DB: s.DB, Login: s.Login, Key: key, Protocol: client.XMLRPC})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// rawCall makes one res.partner.search_count call over p by hand, to see
// the HTTP status and headers a client library hides.
func rawCall(t *testing.T, s Server, p client.Protocol, uid int64, key string) (int, string, string) {
	t.Helper()
	var req *http.Request
	var err error
	switch p {
	case client.XMLRPC:
		var b []byte
		b, err = xmlrpc.AppendCall(nil, "execute_kw", s.DB, uid, key, "res.partner", "search_count", []any{[]any{}})
		if err != nil {
			t.Fatal(err)
		}
		req, err = http.NewRequest("POST", s.URL+"/xmlrpc/2/object", bytes.NewReader(b))
		req.Header.Set("Content-Type", "text/xml")
	case client.JSONRPC:
		b, _ := jsonrpc.AppendValue(nil, map[string]any{"jsonrpc": "2.0", "method": "call", "id": int64(1),
			"params": map[string]any{"service": "object", "method": "execute_kw",
				"args": []any{s.DB, uid, key, "res.partner", "search_count", []any{[]any{}}}}})
		req, err = http.NewRequest("POST", s.URL+"/jsonrpc", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	case client.JSON2:
		req, err = http.NewRequest("POST", s.URL+"/json/2/res.partner/search_count", strings.NewReader(`{"domain": []}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "bearer "+key)
		req.Header.Set("X-Odoo-Database", s.DB)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), buf.String()
}
