package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/internal/nodetest"
)

// The protocol bridge end to end: tools speak any protocol to the
// gateway, the gateway speaks what the upstream has (docs/bridge.md).

// runPython runs testdata/bridge_client.py, an XML-RPC script as Odoo's
// documentation writes them, against url with the key on stdin.
func runPython(t *testing.T, url, db, login, key string) map[string]any {
	t.Helper()
	cmd := exec.Command("python3", filepath.Join("testdata", "bridge_client.py"), url, db, login)
	cmd.Stdin = strings.NewReader(key)
	raw, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("python printed %s: %v", raw, err)
	}
	return out
}

// TestBridgeOldClientsNewOdoo: Python's xmlrpc.client, npm's odoo-await
// and a JSON-RPC client, through a gateway in front of an Odoo 19 that
// answers only JSON-2 (okapi serve --rpc json2), see what the same tools
// see on an Odoo 19 that still has XML-RPC.
func TestBridgeOldClientsNewOdoo(t *testing.T) {
	var direct map[string]any
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		// The same script against a plain Odoo 19 with XML-RPC, as the
		// reference.
		defer wg.Done()
		store := []string{"--data", t.TempDir()}
		srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, append(store, "--odoo-version", "19", "--db-name", "prod")...)
		mustOkapi(t, append([]string{"user", "create", "--login", "bob", "--password", "bob-pass-1"}, store...)...)
		mustOkapi(t, append([]string{"user", "create", "--login", "alice", "--password", "alice-pass-1"}, store...)...)
		key := strings.TrimSpace(mustOkapi(t, append([]string{"key", "create", "--login", "alice", "--name", "ref"}, store...)...))
		direct = runPython(t, srv.URL, "prod", "alice", key)
	}()
	g := startGatewayUp(t, "19", []string{"--rpc", "json2"}, nil)
	if !strings.Contains(g.gw.Output(), "calls forwarded over json2") {
		t.Fatalf("the gateway does not forward over JSON-2:\n%s", g.gw.Output())
	}
	key := g.key(t, "--name", "old tools")
	got := runPython(t, g.gw.URL, "prod", "alice", key)
	wg.Wait()
	if t.Failed() {
		return
	}
	png := "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
	read, _ := got["read"].(map[string]any)
	lead, _ := got["lead"].(map[string]any)
	switch {
	case got["version"] != "19.0" || got["uid"] != float64(g.upUID):
		t.Errorf("version %v uid %v", got["version"], got["uid"])
	case read["name"] != "Zoë Ørsted 日本" || read["email"] != false || read["image_1920"] != png || len(read["child_ids"].([]any)) != 1:
		t.Errorf("read %v", read)
	case lead["date_deadline"] != "2026-12-31" || lead["probability"] != 12.5 || lead["expected_revenue"] != float64(1<<40):
		t.Errorf("lead %v", lead)
	case got["count"] != float64(1) || got["count_since"] != float64(1) || got["legacy_execute"] != float64(1) || got["write"] != true || got["unlink"] != true:
		t.Errorf("count %v since %v execute %v write %v unlink %v", got["count"], got["count_since"], got["legacy_execute"], got["write"], got["unlink"])
	}
	fault := func(name string, code float64, text string) {
		t.Helper()
		f, _ := got[name].([]any)
		if len(f) != 2 || f[0] != code || !strings.Contains(f[1].(string), text) {
			t.Errorf("%s: %v, want fault %v %q", name, got[name], code, text)
		}
	}
	// (each fault's last line)
	fault("access_fault", 4, "Contact your administrator to request access if necessary.")
	fault("missing_fault", 2, "(Record: res.partner(999999,), User: 4)")
	fault("no_model_fault", 2, "Object no.such.model doesn't exist")
	fault("unnamed_fault", 1, "TypeError: res.partner.no_such_method: cannot pass positional arguments by name")
	// Everything else is what the same script saw on Odoo 19 directly;
	// the one difference is the refusal of positionals nobody can name
	// (the direct Odoo answers AttributeError).
	for k, want := range direct {
		if k == "unnamed_fault" {
			continue
		}
		if !reflect.DeepEqual(withoutIDs(got[k]), withoutIDs(want)) {
			t.Errorf("%s: through the bridge %v, directly %v", k, got[k], want)
		}
	}

	// A JSON-RPC client, too.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	jc := gwClient(t, g.gw.URL, key, client.JSONRPC)
	id, err := jc.Create(ctx, "res.partner", map[string]any{"name": "Over JSON-RPC"})
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := jc.Read(ctx, "res.partner", []int64{id}, "name"); err != nil || len(recs) != 1 || recs[0]["name"] != "Over JSON-RPC" {
		t.Errorf("JSON-RPC read: %v, %v", recs, err)
	}
	if _, err := jc.ExecuteKW(ctx, "res.users", "write", []any{[]any{int64(2)}, map[string]any{"name": "x"}}, nil); !client.IsAccessError(err) {
		t.Errorf("JSON-RPC access error: %v", err)
	}

	// npm's odoo-await, an XML-RPC client.
	var out map[string]any
	nodetest.CRUD(t, g.gw.URL, "prod", "alice", key, &out)
	if out["uid"] != float64(g.upUID) || out["id"] == float64(0) || out["denied"] == nil {
		t.Errorf("odoo-await: %v", out)
	}
	if found, _ := out["found"].([]any); len(found) != 1 {
		t.Errorf("odoo-await searchRead: %v", out["found"])
	}
	if read, _ := out["read"].([]any); len(read) != 1 || read[0].(map[string]any)["phone"] != "555-0199" {
		t.Errorf("odoo-await read after update: %v", out["read"])
	}
	if after, _ := out["after"].([]any); len(after) != 0 {
		t.Errorf("odoo-await after delete: %v", out["after"])
	}
	if nf, _ := out["nameField"].(map[string]any); nf["type"] != "char" {
		t.Errorf("odoo-await getFields: %v", out["nameField"])
	}
}

// withoutIDs drops what differs between two databases: record ids.
func withoutIDs(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) && x > 1 && x < 1e6 {
			return "id"
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutIDs(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = withoutIDs(e)
		}
		return out
	}
	return v
}

// TestBridgeJSON2OldOdoo: a JSON-2 client through a gateway in front of
// each of Odoo 14–18, which have no JSON-2: the gateway serves JSON-2 as
// Odoo 19 defines it (bearer key, X-Odoo-Database, its statuses and error
// body) and forwards each call as execute_kw.
func TestBridgeJSON2OldOdoo(t *testing.T) {
	for _, v := range []string{"14", "15", "16", "17", "18"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			g := startGateway(t, v, nil)
			key := g.key(t, "--name", "json2 tool")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			j2 := gwClient(t, g.gw.URL, key, client.JSON2)
			direct := gwClient(t, g.upstream.URL, g.odooKey, client.XMLRPC)
			if ver, err := j2.Version(ctx); err != nil || fmt.Sprint(ver.Major) != v {
				t.Fatalf("/json/version: %+v, %v", ver, err)
			}
			if uid, err := j2.Authenticate(ctx); err != nil || uid != g.upUID {
				t.Fatalf("JSON-2 authenticate: %d, %v", uid, err)
			}
			name := "JSON-2 on Odoo " + v + " ✓"
			id, err := j2.Create(ctx, "res.partner", map[string]any{"name": name, "email": false})
			if err != nil {
				t.Fatal(err)
			}
			if err := j2.Write(ctx, "res.partner", []int64{id}, map[string]any{"phone": "+1 555"}); err != nil {
				t.Fatal(err)
			}
			recs, err := direct.Read(ctx, "res.partner", []int64{id}, "name", "phone", "create_uid")
			if err != nil || len(recs) != 1 || recs[0]["name"] != name || recs[0]["phone"] != "+1 555" {
				t.Fatalf("the upstream has %v, %v", recs, err)
			}
			// Named calls give what the same call by position gives on
			// the upstream directly, with Odoo 19's names for each
			// parameter.
			dom := []any{[]any{"id", "=", id}}
			for _, c := range []struct {
				method string
				named  map[string]any
				args   []any
			}{
				{"search_read", map[string]any{"domain": dom, "fields": []any{"name", "phone"}}, []any{dom, []any{"name", "phone"}}},
				{"search", map[string]any{"domain": dom, "limit": int64(1)}, []any{dom, int64(0), int64(1)}},
				{"search_count", map[string]any{"domain": dom}, []any{dom}},
				{"read", map[string]any{"ids": []any{id}, "fields": []any{"name", "create_uid"}}, []any{[]any{id}, []any{"name", "create_uid"}}},
				{"name_search", map[string]any{"name": "JSON-2 on Odoo", "domain": dom}, []any{"JSON-2 on Odoo", dom}},
				{"fields_get", map[string]any{"attributes": []any{"type"}}, []any{nil, []any{"type"}}},
				{"default_get", map[string]any{"fields": []any{"active"}}, []any{[]any{"active"}}},
			} {
				got, err := j2.ExecuteNamed(ctx, "res.partner", c.method, c.named)
				if err != nil {
					t.Errorf("%s: %v", c.method, err)
					continue
				}
				want, err := direct.ExecuteKW(ctx, "res.partner", c.method, c.args, nil)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s: through JSON-2 %v; directly %v, %v", c.method, got, want, err)
				}
			}
			// The JSON-2 client's own positional calls are named with
			// the upstream's names (it asks /json/version), then placed.
			if n, err := j2.SearchCount(ctx, "res.partner", dom); err != nil || n != 1 {
				t.Errorf("search_count helper: %d, %v", n, err)
			}
			if _, err := j2.ExecuteKW(ctx, "res.partner", "message_post", nil, map[string]any{"body": "x"}); err == nil {
				t.Errorf("message_post without ids was accepted")
			}
			// JSON-2's answers as Odoo 19 gives them.
			status := func(what string, req *http.Request, want int, name string) {
				t.Helper()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				var e map[string]any
				json.Unmarshal(body, &e)
				if resp.StatusCode != want || name != "" && (e["name"] != name || e["message"] == nil || e["arguments"] == nil || e["context"] == nil || e["debug"] == nil) {
					t.Errorf("%s: %d %s, want %d %s", what, resp.StatusCode, body, want, name)
				}
				if strings.Contains(string(body), "Traceback") {
					t.Errorf("%s: a traceback: %s", what, body)
				}
			}
			post := func(path, bearer, db, body string) *http.Request {
				r, _ := http.NewRequest(http.MethodPost, g.gw.URL+path, strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				if bearer != "" {
					r.Header.Set("Authorization", "bearer "+bearer)
				}
				if db != "" {
					r.Header.Set("X-Odoo-Database", db)
				}
				return r
			}
			status("no key", post("/json/2/res.partner/search", "", "prod", `{"domain": []}`), 401, "werkzeug.exceptions.Unauthorized")
			status("wrong key", post("/json/2/res.partner/search", strings.Repeat("0", 40), "prod", `{"domain": []}`), 401, "werkzeug.exceptions.Unauthorized")
			status("the Odoo key", post("/json/2/res.partner/search", g.odooKey, "prod", `{"domain": []}`), 401, "werkzeug.exceptions.Unauthorized")
			status("access error", post("/json/2/res.users/write", key, "prod", `{"ids": [2], "vals": {"name": "x"}}`), 403, "odoo.exceptions.AccessError")
			status("missing record", post("/json/2/res.partner/unlink", key, "prod", `{"ids": [999999]}`), 404, "odoo.exceptions.MissingError")
			status("no model", post("/json/2/no.such.model/search", key, "prod", `{"domain": []}`), 404, "werkzeug.exceptions.NotFound")
			status("no method", post("/json/2/res.partner/no_such_method", key, "prod", `{}`), 404, "werkzeug.exceptions.NotFound")
			status("missing argument", post("/json/2/res.partner/write", key, "prod", fmt.Sprintf(`{"ids": [%d]}`, id)), 422, "werkzeug.exceptions.UnprocessableEntity")
			status("ids on a model method", post("/json/2/res.partner/search", key, "prod", fmt.Sprintf(`{"ids": [%d], "domain": []}`, id)), 422, "werkzeug.exceptions.UnprocessableEntity")
			// A name search_count does not take: Odoo 19 binds before it
			// calls (422), as okapi serve 19 does; search_read takes
			// **kwargs from 15 on, so there its unknown name fails inside
			// (19.0: a 500); 14's search_read has none (422).
			status("unknown argument", post("/json/2/res.partner/search_count", key, "prod", `{"domain": [], "limitt": 1}`), 422, "werkzeug.exceptions.UnprocessableEntity")
			if v != "14" {
				status("unknown argument of **kwargs", post("/json/2/res.partner/search_read", key, "prod", `{"domain": [], "limitt": 1}`), 500, "builtins.TypeError")
			} else {
				status("unknown argument of 14's search_read", post("/json/2/res.partner/search_read", key, "prod", `{"domain": [], "limitt": 1}`), 422, "werkzeug.exceptions.UnprocessableEntity")
			}
			status("malformed JSON", post("/json/2/res.partner/search", key, "prod", `{"domain": `), 400, "werkzeug.exceptions.BadRequest")
			status("wrong database", post("/json/2/res.partner/search", key, "nope", `{"domain": []}`), 404, "")
			if err := j2.Unlink(ctx, "res.partner", []int64{id}); err != nil {
				t.Errorf("unlink: %v", err)
			}
		})
	}
}
