package model_test

import (
	"context"
	"encoding/json"
	"github.com/okapi-erp/okapi/internal/codectest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/model"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/storetest"
)

// fuzzConformanceDir holds the recordings of real Odoo that seed the
// fuzzers.
var fuzzConformanceDir = codectest.ConformanceDir()

// recordedSearches returns the domains and orders of every search the
// recordings of real Odoo make, over XML-RPC, JSON-RPC and JSON-2, as JSON.
func recordedSearches(f *testing.F) (domains []string, orders []string) {
	files, _ := filepath.Glob(filepath.Join(fuzzConformanceDir, "*", "*.json"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var rec struct {
			Request struct {
				URL  string `json:"url"`
				Body string `json:"body"`
			} `json:"request"`
		}
		if json.Unmarshal(raw, &rec) != nil || rec.Request.Body == "" {
			continue
		}
		var named map[string]any
		switch {
		case strings.Contains(rec.Request.URL, "/xmlrpc/"):
			c, err := xmlrpc.DecodeCall([]byte(rec.Request.Body), xmlrpc.DefaultLimits)
			if err != nil || len(c.Params) < 6 {
				continue
			}
			named = map[string]any{}
			if args, ok := c.Params[5].([]any); ok && len(args) > 0 {
				named["domain"] = args[0]
			}
			if len(c.Params) > 6 {
				if kw, ok := c.Params[6].(map[string]any); ok {
					named["order"] = kw["order"]
				}
			}
		case strings.Contains(rec.Request.URL, "/jsonrpc"):
			req, err := jsonrpc.DecodeRequest([]byte(rec.Request.Body), jsonrpc.DefaultLimits)
			if err != nil {
				continue
			}
			args, _ := req.Params["args"].([]any)
			if len(args) < 6 {
				continue
			}
			named = map[string]any{}
			if a, ok := args[5].([]any); ok && len(a) > 0 {
				named["domain"] = a[0]
			}
		case strings.Contains(rec.Request.URL, "/json/2/"):
			v, err := jsonrpc.Decode([]byte(rec.Request.Body), jsonrpc.DefaultLimits)
			if err != nil {
				continue
			}
			named, _ = v.(map[string]any)
		}
		if d, ok := named["domain"]; ok {
			if b, err := jsonrpc.AppendValue(nil, d); err == nil {
				domains = append(domains, string(b))
			}
		}
		if o, ok := named["order"].(string); ok {
			orders = append(orders, o)
		}
	}
	return domains, orders
}

// FuzzDomain compiles and runs arbitrary domains and orders (JSON, as the
// transports decode them) against a real database through search and
// search_count. Whatever the input, the answer is a result or an error
// with a code Odoo's clients understand: never a panic, never an internal
// error (a database refusing the SQL made of it), and search and
// search_count agree.
func FuzzDomain(f *testing.F) {
	domains, orders := recordedSearches(f)
	for i, d := range domains {
		o := ""
		if len(orders) > 0 {
			o = orders[i%len(orders)]
		}
		f.Add(d, o)
	}
	for _, seed := range []struct{ domain, order string }{
		{`[]`, ""},
		{`[["name", "ilike", "a"], "|", ["id", ">", 1], ["parent_id.name", "=like", "A%"]]`, "name desc, id"},
		{`["!", ["child_ids", "any", [["is_company", "=", true]]]]`, "parent_id asc nulls first"},
		{`[["id", "child_of", [1, 2]], ["category_id", "not in", [false, 1]]]`, "display_name"},
		{`[["create_date", ">=", "2024-01-01 00:00:00"], ["email", "=?", false]]`, "create_date desc"},
		{`[["user_ids.login", "not ilike", "%_\\\\"], ["active", "in", [true, false]]]`, "id desc, name"},
		{`[[1, "=", 1], [0, "=", 1], true, false]`, "name; DROP TABLE res_partner"},
		{`"garbage"`, "id desc, (select 1)"},
	} {
		f.Add(seed.domain, seed.order)
	}

	ctx := context.Background()
	o := storetest.Open(f, "sqlite")
	h, _ := secret.NewHasher(make([]byte, secret.PepperLen))
	a, err := auth.New(auth.Config{Profile: okapi.MustProfile(19), Store: o.Store, Hasher: h})
	if err != nil {
		f.Fatal(err)
	}
	reg := model.NewRegistry(okapi.MustProfile(19), o.Store.DB(), a)
	admin, err := a.User(ctx, okapi.AdminID)
	if err != nil {
		f.Fatal(err)
	}
	parent, err := reg.Execute(ctx, admin, "res.partner", "create", []any{map[string]any{"name": "Acme", "is_company": true, "email": "a@acme.example"}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"Wile E. Coyote", "O'Brien", "50% off_sale", `back\slash`, "Jürgen"} {
		if _, err := reg.Execute(ctx, admin, "res.partner", "create", []any{map[string]any{"name": name, "parent_id": parent}}, nil); err != nil {
			f.Fatal(err)
		}
	}

	f.Fuzz(func(t *testing.T, domainJSON, order string) {
		var domain any = domainJSON
		if v, err := jsonrpc.Decode([]byte(domainJSON), jsonrpc.Limits{MaxDepth: 32, MaxElements: 10_000, MaxStringBytes: 64 << 10}); err == nil {
			domain = v
		}
		ids, errSearch := reg.Execute(ctx, admin, "res.partner", "search", []any{domain}, map[string]any{"order": order})
		checkModelError(t, "search", errSearch)
		n, errCount := reg.Execute(ctx, admin, "res.partner", "search_count", []any{domain}, nil)
		checkModelError(t, "search_count", errCount)
		if errSearch == nil && errCount == nil && int64(len(ids.([]int64))) != n.(int64) {
			t.Fatalf("search found %d records, search_count %d", len(ids.([]int64)), n)
		}
		_, err := reg.Execute(ctx, admin, "res.users", "search_read", []any{domain}, map[string]any{"fields": []any{"login"}, "order": order, "limit": int64(3)})
		checkModelError(t, "search_read", err)
	})
}

// checkModelError fails unless err is nil or an error with a code: an
// error without one is the database (or Go) refusing what the domain was
// compiled to, which the compiler should have refused in Odoo's words.
func checkModelError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if e := okapi.AsError(err); e == nil || e.Code == okapi.EInternal {
		t.Fatalf("%s: internal error %v", what, err)
	}
}
