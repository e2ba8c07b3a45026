package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/bridge"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/internal/proctest"
)

// upstream is a real `okapi serve` process playing an Odoo version, with
// alice and her key, as the bridge meets an upstream.
type upstream struct {
	srv   *proctest.Server
	url   string
	alice string // alice's key
	admin string // the administrator's key
}

// startUpstream runs `okapi serve` with its default flags plus args, and
// makes alice and keys with the command line, as a person would.
func startUpstream(t *testing.T, version int, args ...string) *upstream {
	t.Helper()
	bin := proctest.Binary(t)
	data := t.TempDir()
	srv := proctest.Start(t, bin, "", []string{"OKAPI_ADMIN_PASSWORD=admin"}, "http",
		append([]string{"--data", data, "--odoo-version", fmt.Sprint(version), "--db-name", "acme"}, args...)...)
	run := func(args ...string) string {
		out, errs, code := proctest.Run(t, bin, "", append(args, "--data", data)...)
		if code != 0 {
			t.Fatalf("okapi %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		return strings.TrimSpace(out)
	}
	run("user", "create", "--login", "alice", "--password", "alice-pass", "--name", "Alice")
	return &upstream{srv: srv, url: srv.URL,
		alice: run("key", "create", "--login", "alice", "--name", "bridge"),
		admin: run("key", "create", "--login", "admin", "--name", "bridge admin")}
}

func (u *upstream) client(t *testing.T, p client.Protocol) *client.Client {
	return newClient(t, client.Config{URL: u.url, DB: "acme", Login: "alice", Key: u.alice, Protocol: p})
}

// TestJSON2OnlyUpstream: `okapi serve --odoo-version 19 --rpc json2`
// answers JSON-2 alone; XML-RPC and JSON-RPC are 404 pages, as on an Odoo
// that removed them, and version() is still on /json/version.
func TestJSON2OnlyUpstream(t *testing.T) {
	u := startUpstream(t, 19, "--rpc", "json2")
	for _, path := range []string{"/xmlrpc/2/common", "/xmlrpc/2/object", "/xmlrpc/common", "/jsonrpc"} {
		resp, err := http.Post(u.url+path, "text/xml", strings.NewReader("<methodCall><methodName>version</methodName></methodCall>"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "404 Not Found") {
			t.Errorf("%s: %d %q, want Odoo's 404 page", path, resp.StatusCode, body)
		}
	}
	ctx := ctxT(t)
	if _, err := u.client(t, client.XMLRPC).Version(ctx); err == nil {
		t.Error("XML-RPC answered")
	} else if re := (*client.ResponseError)(nil); !errors.As(err, &re) || re.Status != 404 {
		t.Errorf("XML-RPC: %v, want a 404", err)
	}
	c := u.client(t, client.Auto)
	if p, err := c.Protocol(ctx); err != nil || p != client.JSON2 {
		t.Fatalf("protocol %s, %v", p, err)
	}
	// Versions without JSON-2 refuse the flag instead of serving nothing.
	_, errs, code := proctest.Run(t, proctest.Binary(t), "", "serve", "--data", t.TempDir(), "--odoo-version", "18", "--rpc", "json2", "--addr", proctest.FreeAddr(t))
	if code == 0 || !strings.Contains(errs, "no JSON-2") {
		t.Errorf("--rpc json2 on 18: exit %d: %s", code, errs)
	}
}

// TestExecuteKWOverJSON2 is "old client, new Odoo": execute_kw's calls,
// positional arguments and all, to an Odoo 19 that answers only JSON-2.
// Each gives what the same call gives over XML-RPC on an Odoo 19 that still
// has it.
func TestExecuteKWOverJSON2(t *testing.T) {
	u := startUpstream(t, 19, "--rpc", "json2")
	ref := startUpstream(t, 19)
	ctx := ctxT(t)
	j2, xr := u.client(t, client.JSON2), ref.client(t, client.XMLRPC)
	type call struct {
		method string
		args   []any
		kwargs map[string]any
	}
	// Values of every kind: non-ASCII text, False, a date, a float, a
	// many2one, x2many commands, nested structures, a large integer.
	partner := map[string]any{"name": "Zoë Ørsted 日本", "email": false, "comment": "<p>naïve</p>",
		"category_id": []any{[]any{int64(6), int64(0), []any{}}}, "child_ids": []any{[]any{int64(0), int64(0), map[string]any{"name": "Child ü"}}}}
	run := func(c *client.Client, model string, k call) (any, error) {
		return c.ExecuteKW(ctx, model, k.method, k.args, k.kwargs)
	}
	both := func(model string, k call) (any, any) {
		t.Helper()
		a, err := run(j2, model, k)
		if err != nil {
			t.Fatalf("%s over JSON-2: %v", k.method, err)
		}
		b, err := run(xr, model, k)
		if err != nil {
			t.Fatalf("%s over XML-RPC: %v", k.method, err)
		}
		return a, b
	}
	a, b := both("res.partner", call{"create", []any{partner}, nil})
	pa, pb := a.(int64), b.(int64)
	lead := map[string]any{"name": "Lead €", "partner_id": pa, "probability": 12.5, "date_deadline": "2026-12-31",
		"expected_revenue": float64(1 << 40), "description": "multi\nline"}
	leadB := map[string]any{}
	for k, v := range lead {
		leadB[k] = v
	}
	leadB["partner_id"] = pb
	la, err := run(j2, "crm.lead", call{"create", []any{lead}, nil})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := run(xr, "crm.lead", call{"create", []any{leadB}, nil})
	if err != nil {
		t.Fatal(err)
	}
	same := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(scrubIDs(a), scrubIDs(b)) {
			t.Errorf("%s:\nJSON-2:  %v\nXML-RPC: %v", what, a, b)
		}
	}
	// Each side reads its own records back.
	read := func(model string, ida, idb int64, fields ...any) {
		t.Helper()
		a, err := run(j2, model, call{"read", []any{[]any{ida}, fields}, nil})
		if err != nil {
			t.Fatalf("read over JSON-2: %v", err)
		}
		b, err := run(xr, model, call{"read", []any{[]any{idb}, fields}, nil})
		if err != nil {
			t.Fatalf("read over XML-RPC: %v", err)
		}
		same("read "+model, a, b)
	}
	read("res.partner", pa, pb, "name", "email", "comment", "category_id", "child_ids", "create_uid")
	read("crm.lead", la.(int64), lb.(int64), "name", "partner_id", "probability", "date_deadline", "expected_revenue")
	dom := []any{[]any{"name", "=", "Zoë Ørsted 日本"}}
	for _, k := range []call{
		{"search", []any{dom}, nil},
		{"search", []any{dom, int64(0), int64(5), "id desc"}, nil},
		{"search_read", []any{dom, []any{"name"}}, map[string]any{"limit": int64(5)}},
		{"search_count", []any{dom}, nil},
		{"search_count", []any{[]any{[]any{"id", ">", int64(1) << 40}}}, nil},
		// A datetime: <dateTime.iso8601> over XML-RPC, Odoo's string over JSON-2.
		{"search_count", []any{[]any{[]any{"create_date", ">", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}}}, nil},
		{"name_search", []any{"Zoë"}, nil},
		{"name_search", []any{"Zoë", []any{}, "ilike", int64(3)}, nil},
		{"fields_get", []any{[]any{"name"}, []any{"string", "type"}}, nil},
		{"default_get", []any{[]any{"lang", "active"}}, nil},
		// has_access, not check_access: Odoo 19 keeps check_access from
		// remote callers (@api.private, odoo/orm/models.py of 19.0).
		{"has_access", []any{[]any{}, "read"}, nil},
	} {
		a, b := both("res.partner", k)
		same(fmt.Sprintf("%s%v", k.method, k.args), a, b)
	}
	// write, then a method that is not the ORM's: message_post's names
	// come from what the upstream publishes on /doc-bearer.
	a, b = both("res.partner", call{"write", []any{[]any{pa}, map[string]any{"phone": "+33 1"}}, nil})
	same("write", a, b)
	if _, err := run(j2, "res.partner", call{"message_post", []any{[]any{pa}}, map[string]any{"body": "hello ✓"}}); err != nil {
		t.Errorf("message_post with its ids by position: %v", err)
	}
	// A private method is refused as Odoo 19 refuses it, by name.
	_, err = run(j2, "res.partner", call{"check_access", []any{[]any{pa}, "read"}, nil})
	if okapi.ErrorCode(err) != okapi.EAccess || !strings.Contains(err.Error(), "Private methods (such as 'res.partner.check_access') cannot be called remotely.") {
		t.Errorf("check_access on 19: %v", err)
	}
	// What no signature names is refused, saying so.
	_, err = run(j2, "res.partner", call{"no_such_method", []any{[]any{pa}, "x"}, nil})
	if !errors.Is(err, client.ErrPositional) || !strings.Contains(err.Error(), "cannot pass positional arguments by name") {
		t.Errorf("unnamed positionals: %v", err)
	}
	_, err = run(j2, "res.partner", call{"write", []any{[]any{pa}, map[string]any{}, "extra"}, nil})
	if okapi.ErrorCode(err) != okapi.ETypeError {
		t.Errorf("too many positionals: %v", err)
	}
	// Errors keep their meaning: the same predicates hold either way.
	_, e1 := run(j2, "res.users", call{"write", []any{[]any{int64(2)}, map[string]any{"name": "Hacked"}}, nil})
	_, e2 := run(xr, "res.users", call{"write", []any{[]any{int64(2)}, map[string]any{"name": "Hacked"}}, nil})
	if !client.IsAccessError(e1) || !client.IsAccessError(e2) {
		t.Errorf("access error: %v / %v", e1, e2)
	}
	_, e1 = run(j2, "res.partner", call{"unlink", []any{[]any{int64(999999)}}, nil})
	_, e2 = run(xr, "res.partner", call{"unlink", []any{[]any{int64(999999)}}, nil})
	if !client.IsMissing(e1) || !client.IsMissing(e2) {
		t.Errorf("missing record: %v / %v", e1, e2)
	}
	if a, b := both("res.partner", call{"unlink", []any{[]any{pa}}, nil}); a != true || b != true {
		t.Errorf("unlink: %v / %v", a, b)
	}
}

// scrubIDs drops record ids and timestamps, which differ between two
// servers, from an answer.
func scrubIDs(v any) any {
	switch x := v.(type) {
	case int64:
		return "id"
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = scrubIDs(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = scrubIDs(e)
		}
		return out
	}
	return v
}

// TestExecuteNamedOverRPC is "new client, old Odoo": JSON-2's named calls,
// with Odoo 19's parameter names, to Odoo 14–18 over XML-RPC and JSON-RPC.
// Each gives what the same call by position gives there, and errors carry
// the meaning JSON-2 gives them.
func TestExecuteNamedOverRPC(t *testing.T) {
	for v := 14; v <= 18; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			u := startUpstream(t, v)
			ctx := ctxT(t)
			for _, p := range []client.Protocol{client.XMLRPC, client.JSONRPC} {
				c := u.client(t, p)
				named := func(model, method string, params map[string]any) any {
					t.Helper()
					res, err := c.ExecuteNamed(ctx, model, method, params)
					if err != nil {
						t.Fatalf("%s %s.%s(%v): %v", p, model, method, params, err)
					}
					return res
				}
				kw := func(model, method string, args []any, kwargs map[string]any) any {
					t.Helper()
					res, err := c.ExecuteKW(ctx, model, method, args, kwargs)
					if err != nil {
						t.Fatalf("%s %s.%s%v: %v", p, model, method, args, err)
					}
					return res
				}
				name := fmt.Sprintf("Named %d %s ✓", v, p)
				id := named("res.partner", "create", map[string]any{"vals_list": map[string]any{"name": name, "email": false,
					"category_id": []any{[]any{int64(6), int64(0), []any{}}}}}).(int64)
				dom := []any{[]any{"name", "=", name}}
				for _, k := range []struct {
					method string
					params map[string]any
					args   []any
					kwargs map[string]any
				}{
					{"search", map[string]any{"domain": dom}, []any{dom}, nil},
					{"search", map[string]any{"domain": dom, "limit": int64(1), "order": "id"}, []any{dom, int64(0), int64(1), "id"}, nil},
					{"search_read", map[string]any{"domain": dom, "fields": []any{"name", "email"}}, []any{dom, []any{"name", "email"}}, nil},
					{"search_count", map[string]any{"domain": dom}, []any{dom}, nil},
					{"read", map[string]any{"ids": []any{id}, "fields": []any{"name", "category_id", "create_uid"}}, []any{[]any{id}, []any{"name", "category_id", "create_uid"}}, nil},
					{"name_search", map[string]any{"name": name, "domain": []any{}, "limit": int64(2)}, []any{name, []any{}, "ilike", int64(2)}, nil},
					{"fields_get", map[string]any{"attributes": []any{"type"}}, []any{nil, []any{"type"}}, nil},
					{"default_get", map[string]any{"fields": []any{"active"}}, []any{[]any{"active"}}, nil},
					{"search_read", map[string]any{"domain": dom, "fields": []any{"name"}, "context": map[string]any{"lang": "en_US"}}, []any{dom, []any{"name"}}, map[string]any{"context": map[string]any{"lang": "en_US"}}},
				} {
					got := named("res.partner", k.method, k.params)
					want := kw("res.partner", k.method, k.args, k.kwargs)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s %s: named %v, positional %v", p, k.method, got, want)
					}
				}
				if res := named("res.partner", "write", map[string]any{"ids": []any{id}, "vals": map[string]any{"phone": "+49 30"}}); res != true {
					t.Errorf("%s write: %v", p, res)
				}
				// A method the table does not know: ids first, the rest by name.
				if _, err := c.ExecuteNamed(ctx, "res.partner", "message_post", map[string]any{"ids": []any{id}, "body": "hi ✓"}); err != nil {
					t.Errorf("%s message_post: %v", p, err)
				}
				// Errors, carried to what a JSON-2 client expects.
				status := func(what string, err error, code okapi.Code) {
					t.Helper()
					e := okapi.AsError(client.OdooError(err, client.JSON2))
					if e == nil || e.Code != code {
						t.Errorf("%s %s: %v → %v, want %s", p, what, err, e, code)
					}
				}
				_, err := c.ExecuteNamed(ctx, "res.users", "write", map[string]any{"ids": []any{int64(2)}, "vals": map[string]any{"name": "x"}})
				status("access error", err, okapi.EAccess)
				_, err = c.ExecuteNamed(ctx, "res.partner", "write", map[string]any{"ids": []any{id}})
				status("missing argument", err, okapi.EUnprocessable)
				_, err = c.ExecuteNamed(ctx, "res.partner", "unlink", map[string]any{"ids": []any{int64(999999)}})
				status("missing record", err, okapi.EMissing)
				_, err = c.ExecuteNamed(ctx, "no.such.model", "search", map[string]any{"domain": []any{}})
				status("no model", err, okapi.ENotFound)
				_, err = c.ExecuteNamed(ctx, "res.partner", "search", map[string]any{"ids": []any{id}, "domain": []any{}})
				status("ids on a model method", err, okapi.EUnprocessable)
				bad := newClient(t, client.Config{URL: u.url, DB: "acme", Login: "alice", Key: strings.Repeat("0", 40), Protocol: p})
				_, err = bad.ExecuteNamed(ctx, "res.partner", "search", map[string]any{"domain": []any{}})
				status("wrong key", err, okapi.EUnauthorized)
				if res := named("res.partner", "unlink", map[string]any{"ids": []any{id}}); res != true {
					t.Errorf("%s unlink: %v", p, res)
				}
			}
		})
	}
}

// sigs is a Lookup of one's own, for Config.Signatures.
type sigs map[string]*bridge.Signature

func (s sigs) Signature(_ context.Context, _, method string) (*bridge.Signature, error) {
	return s[method], nil
}

// TestSignaturesLookup: Config.Signatures names what neither the ORM's
// table nor the server does, and is asked before what the server publishes.
func TestSignaturesLookup(t *testing.T) {
	s := serverFor(t, 19)
	ctx := ctxT(t)
	c := newClient(t, client.Config{URL: s.url, DB: "acme", Key: s.aliceKey, Protocol: client.JSON2})
	id, err := c.Create(ctx, "res.partner", map[string]any{"name": "Signatures"})
	if err != nil {
		t.Fatal(err)
	}
	// Published, message_post's body is keyword-only: by position it is
	// refused.
	if _, err := c.ExecuteKW(ctx, "res.partner", "message_post", []any{[]any{id}, "hello"}, nil); okapi.ErrorCode(err) != okapi.ETypeError {
		t.Fatalf("body by position, published signature: %v", err)
	}
	own := sigs{"message_post": {Method: "message_post", Records: true, Params: []string{"body"}}}
	c = newClient(t, client.Config{URL: s.url, DB: "acme", Key: s.aliceKey, Protocol: client.JSON2, Signatures: own})
	mid, err := c.ExecuteKW(ctx, "res.partner", "message_post", []any{[]any{id}, "hello"}, nil)
	if err != nil {
		t.Fatalf("body by position, own signature: %v", err)
	}
	msgs, err := c.SearchRead(ctx, "mail.message", []any{[]any{"id", "=", mid}}, client.SearchOptions{Fields: []string{"body", "res_id"}})
	if err != nil || len(msgs) != 1 || !strings.Contains(fmt.Sprint(msgs[0]["body"]), "hello") || msgs[0]["res_id"] != id {
		t.Fatalf("the message: %v, %v", msgs, err)
	}
}
