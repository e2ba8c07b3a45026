package hardening

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/sqlite"
	"github.com/okapi-erp/okapi/storetest"
)

// hostileStrings are values an attacker puts where a name, an operator, an
// order or a value goes: SQL fragments and comments, quotes, LIKE and format
// wildcards, paths, Unicode tricks, control characters and NUL, huge values.
// None contains a text that leakSigns looks for, since answers may quote a
// value back (as Odoo's do).
var hostileStrings = []string{
	"'; DROP TABLE res_partner; --",
	"\" OR 1=1 --",
	"name; DROP TABLE res_partner",
	"id desc, (select 1)",
	"id) UNION SELECT login, password FROM res_users --",
	"x' OR 'a'='a",
	"(SELECT 1)",
	"id/*comment*/",
	"id -- comment",
	"name collate \"C\"",
	"name NULLS FIRST; SELECT 1",
	"id desc nulls last nulls first",
	"pg_sleep(5)",
	"randomblob(1000000000)",
	"id desc limit 1",
	"t.id",
	"a1.password",
	"1=1",
	"NULL",
	"?", "$1",
	"'", "\"", "\\", "`", ";",
	"%", "_", "\\%", "%s%n", "${jndi:ldap://x}",
	"../../etc/passwd",
	"名前", "ﬁeld", "\u200bname", "na\u202eme", "😀", "nаme" /* Cyrillic а */, "İ",
	"name\x00", "\x00", "\r\n", "\x1b[31m",
	"name.", ".name", "..", "id.id",
	strings.Repeat("parent_id.", 20) + "name",
	"password", "key_hash", "user_ids.password", "create_uid.password",
	"__class__", "_uid", "id ", "ID", "name asc", "display_name",
	"", " ",
	strings.Repeat("a", 60_000),
	strings.Repeat("name,", 3_000) + "name",
}

// hostileValues are non-string values of the wrong type or at the edges.
func hostileValues() []any {
	deep := any(int64(1))
	for i := 0; i < 50; i++ {
		deep = []any{deep}
	}
	many := make([]any, 2000)
	for i := range many {
		many[i] = int64(i)
	}
	return []any{
		int64(1<<63 - 1), int64(-1 << 63), int64(0), int64(-1), 1e308, -0.5,
		true, false,
		[]any{}, []any{[]any{}}, deep, many,
		[]any{"name", "=", "x"},
		[]any{"|", "|", "|"},
		[]any{"!", "!"},
		[]any{int64(1), "a", nil, 2.5, true, []any{}, map[string]any{}},
		map[string]any{"$ne": int64(1)},
		map[string]any{"name": "x", "__proto__": map[string]any{}},
	}
}

// corpus is every hostile value.
func corpus() []any {
	var out []any
	for _, s := range hostileStrings {
		out = append(out, s)
	}
	return append(out, hostileValues()...)
}

// call is one model call, independent of the transport: the named
// arguments go as execute_kw keyword arguments or as JSON-2 members.
type call struct {
	where         string // the position, for reports
	model, method string
	ids           any // nil for a model method
	named         map[string]any
}

// position puts a hostile value somewhere in a call.
type position struct {
	name  string
	build func(h any) (call, bool)
}

func searchRead(named map[string]any) call {
	return call{model: "res.partner", method: "search_read", named: named}
}

// positions are the places a hostile value is put.
func positions(version int, fieldNames map[string]bool) []position {
	str := func(h any) (string, bool) { s, ok := h.(string); return s, ok }
	ps := []position{
		{"domain", func(h any) (call, bool) { return searchRead(map[string]any{"domain": h}), true }},
		{"domain field", func(h any) (call, bool) { return searchRead(map[string]any{"domain": []any{[]any{h, "=", "x"}}}), true }},
		{"domain operator", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"name", h, "x"}}}), true
		}},
		{"domain value =", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"name", "=", h}}}), true
		}},
		{"domain value ilike", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"name", "ilike", h}}}), true
		}},
		{"domain value in", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"id", "in", h}}}), true
		}},
		{"domain value date", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"create_date", ">", h}}}), true
		}},
		{"domain value many2one", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"parent_id", "=", h}}}), true
		}},
		{"domain child_of", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"parent_id", "child_of", h}}}), true
		}},
		{"domain path value", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"user_ids.login", "=like", h}}}), true
		}},
		{"domain operator token", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{h, []any{"name", "=", "a"}, []any{"name", "=", "b"}}}), true
		}},
		{"order", func(h any) (call, bool) { return searchRead(map[string]any{"domain": []any{}, "order": h}), true }},
		{"fields", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{}, "fields": []any{h}, "limit": int64(1)}), true
		}},
		{"fields list", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{}, "fields": h, "limit": int64(1)}), true
		}},
		{"limit", func(h any) (call, bool) { return searchRead(map[string]any{"domain": []any{}, "limit": h}), true }},
		{"offset", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{}, "offset": h, "limit": int64(1)}), true
		}},
		{"context", func(h any) (call, bool) { return searchRead(map[string]any{"domain": []any{}, "context": h}), true }},
		{"context value", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{}, "context": map[string]any{"lang": h, "active_test": h, "tz": h}}), true
		}},
		{"context key", func(h any) (call, bool) {
			s, ok := str(h)
			return searchRead(map[string]any{"domain": []any{}, "context": map[string]any{s: int64(1)}}), ok
		}},
		{"extra keyword", func(h any) (call, bool) {
			s, ok := str(h)
			return searchRead(map[string]any{"domain": []any{}, s: int64(1)}), ok
		}},
		{"model", func(h any) (call, bool) {
			s, ok := str(h)
			return call{model: s, method: "search_count", named: map[string]any{"domain": []any{}}}, ok
		}},
		{"method", func(h any) (call, bool) {
			s, ok := str(h)
			return call{model: "res.partner", method: s, named: map[string]any{}}, ok
		}},
		{"read fields", func(h any) (call, bool) {
			return call{model: "res.users", method: "read", ids: []any{int64(2)}, named: map[string]any{"fields": []any{h}}}, true
		}},
		{"ids", func(h any) (call, bool) {
			// Integer ids would name real records: only wrong types here.
			if _, isInt := h.(int64); isInt {
				return call{}, false
			}
			if l, isList := h.([]any); isList && len(l) > 100 {
				return call{}, false
			}
			return call{model: "res.partner", method: "read", ids: h, named: map[string]any{"fields": []any{"name"}}}, true
		}},
		{"write field", func(h any) (call, bool) {
			s, ok := str(h)
			return call{model: "res.partner", method: "write", ids: []any{int64(1)}, named: map[string]any{"vals": map[string]any{s: "x"}}},
				ok && !fieldNames[s]
		}},
		{"create field", func(h any) (call, bool) {
			s, ok := str(h)
			return call{model: "res.partner", method: "create", named: map[string]any{"vals_list": map[string]any{"name": "never", s: "x"}}},
				ok && !fieldNames[s]
		}},
		{"unlink ids", func(h any) (call, bool) {
			if _, isInt := h.(int64); isInt {
				return call{}, false
			}
			if l, isList := h.([]any); isList && (len(l) > 100 || len(l) == 1) {
				// [1] and the like name a real record.
				return call{}, false
			}
			return call{model: "res.partner", method: "unlink", ids: h, named: map[string]any{}}, true
		}},
		{"write value", func(h any) (call, bool) {
			// Only values no database can store: anything else would be
			// a legitimate change.
			s, ok := str(h)
			return call{model: "res.partner", method: "write", ids: []any{int64(1)}, named: map[string]any{"vals": map[string]any{"name": s}}},
				ok && strings.ContainsRune(s, 0)
		}},
		{"apikeys domain", func(h any) (call, bool) {
			return call{model: "res.users.apikeys", method: "search_read", named: map[string]any{"domain": []any{[]any{"key_hash", "=like", h}}}}, true
		}},
	}
	if version >= 17 {
		ps = append(ps, position{"domain any", func(h any) (call, bool) {
			return searchRead(map[string]any{"domain": []any{[]any{"child_ids", "any", h}}}), true
		}})
	}
	return ps
}

// oracles are calls that would leak secrets through search or sort if
// hidden fields were reachable: each must be refused.
var oracles = []call{
	{model: "res.users", method: "search_read", named: map[string]any{"domain": []any{[]any{"password", "like", "$argon2%"}}}},
	{model: "res.users", method: "search_read", named: map[string]any{"domain": []any{}, "order": "password"}},
	{model: "res.users", method: "read", ids: []any{int64(2)}, named: map[string]any{"fields": []any{"password"}}},
	{model: "res.partner", method: "search_read", named: map[string]any{"domain": []any{[]any{"user_ids.password", "like", "$%"}}}},
	{model: "res.users.apikeys", method: "search_read", named: map[string]any{"domain": []any{[]any{"key_hash", "like", "$hmac%"}}}},
	{model: "res.users.apikeys", method: "search_read", named: map[string]any{"domain": []any{[]any{"key_index", "like", "a%"}}}},
	{model: "res.users.apikeys", method: "search_read", named: map[string]any{"domain": []any{}, "order": "key_hash"}},
	{model: "res.users.apikeys", method: "search_read", named: map[string]any{"domain": []any{}, "fields": []any{"key_hash", "key_index"}}},
	{model: "res.users", method: "search_read", named: map[string]any{"domain": []any{[]any{"api_key_ids.key_hash", "like", "$%"}}}},
}

// TestInjection throws every hostile value at every position of a call,
// over XML-RPC, JSON-RPC and JSON-2, as the administrator (whose rights
// would let an injection do the most), on SQLite and PostgreSQL. Every
// answer must be a clean result or fault in the transport's shape, with no
// trace of Go, SQL or the database; the database must be unchanged, table
// by table, row by row.
func TestInjection(t *testing.T) {
	t.Parallel()
	var total atomic.Int64
	t.Cleanup(func() { t.Logf("hostile calls made: %d", total.Load()) })
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{})
			ctx := context.Background()
			admin, err := n.s.Auth.User(ctx, okapi.AdminID)
			if err != nil {
				t.Fatal(err)
			}
			key, _, err := n.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: admin.ID, Name: "injection"})
			if err != nil {
				t.Fatal(err)
			}
			// A few rows to find, change or delete.
			for _, name := range []string{"Acme", "O'Brien", "Robert'); DROP TABLE Students;--"} {
				if _, f := n.xmlCall("", "object", "execute_kw", dbName, admin.ID, key, "res.partner", "create", []any{map[string]any{"name": name}}); f != nil {
					t.Fatal(f)
				}
			}
			fieldNames := map[string]bool{}
			fg, f := n.xmlCall("", "object", "execute_kw", dbName, admin.ID, key, "res.partner", "fields_get", []any{}, map[string]any{"attributes": []any{"type"}})
			if f != nil {
				t.Fatal(f)
			}
			for name := range fg.(map[string]any) {
				fieldNames[name] = true
			}
			before := checksum(t, n)

			var calls []call
			for _, p := range positions(n.opts.version, fieldNames) {
				for _, h := range corpus() {
					if c, ok := p.build(h); ok {
						c.where = p.name
						calls = append(calls, c)
					}
				}
			}
			for _, o := range oracles {
				o.where = "hidden field"
				calls = append(calls, o)
			}
			transports := []struct {
				name string
				do   func(c call) (string, error)
			}{
				{"XML-RPC", func(c call) (string, error) { return n.injectXML(admin.ID, key, c) }},
				{"JSON-RPC", func(c call) (string, error) { return n.injectJSONRPC(admin.ID, key, c) }},
				{"JSON-2", func(c call) (string, error) { return n.injectJSON2(key, c) }},
			}
			// Every call goes over JSON-2, which binds named arguments, and
			// over one of XML-RPC and JSON-RPC in turn, which share
			// execute_kw's binding and differ in their codecs: each value
			// reaches all three transports, at two thirds of the cost.
			var wg sync.WaitGroup
			for ti, tr := range transports {
				wg.Add(1)
				go func() {
					defer wg.Done()
					failures := 0
					for i, c := range calls {
						if ti < 2 && i%2 != ti {
							continue
						}
						body, err := tr.do(c)
						total.Add(1)
						if err == nil {
							for _, s := range leakSigns {
								if strings.Contains(body, s) {
									err = fmt.Errorf("the answer holds %q", s)
									break
								}
							}
						}
						if err == nil && i >= len(calls)-len(oracles) && !refusal(body) {
							err = fmt.Errorf("a query on a hidden field was answered")
						}
						if err != nil {
							failures++
							if failures <= 20 {
								t.Errorf("%s, %s: %s.%s %s: %v\n%s", tr.name, c.where, clip(c.model, 60), clip(c.method, 60), clip(describe(c), 200), err, clip(body, 500))
							}
						}
					}
				}()
			}
			wg.Wait()
			after := checksum(t, n)
			for table, sum := range before {
				if after[table] != sum {
					t.Errorf("table %s changed under the hostile calls", table)
				}
			}
			if len(after) != len(before) {
				t.Errorf("the hostile calls changed the tables: %d before, %d after", len(before), len(after))
			}
			t.Logf("%s: %d hostile calls, each over JSON-2 and over XML-RPC or JSON-RPC", dialect, len(calls))
		})
	}
}

// refusal reports whether an answer is an error of any transport.
func refusal(body string) bool {
	return strings.Contains(body, "<fault>") || strings.Contains(body, `"error":`) || strings.HasPrefix(body, `{"name": `)
}

// clip shortens s for a report.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

func describe(c call) string {
	b, _ := jsonrpc.AppendValue(nil, map[string]any{"ids": c.ids, "named": c.named})
	return string(b)
}

// execArgs spreads a call into execute_kw's args and kwargs.
func execArgs(c call) ([]any, map[string]any) {
	args := []any{}
	if c.ids != nil {
		args = append(args, c.ids)
	}
	return args, c.named
}

// injectXML makes the call over XML-RPC: the answer must be HTTP 200 and a
// well-formed result or fault.
func (n *node) injectXML(uid int64, key string, c call) (string, error) {
	args, kwargs := execArgs(c)
	params := []any{dbName, uid, key, c.model, c.method, args, kwargs}
	body, err := xmlrpc.AppendCall(nil, "execute_kw", params...)
	if err != nil || !sameAfterXML(body, params) {
		// Not expressible in XML (NUL and other control characters
		// are not XML characters): the encoder would change the call.
		return "", nil
	}
	a := send(n.t, http.MethodPost, n.url+"/xmlrpc/2/object", "text/xml", "", body, nil)
	if a.status != http.StatusOK {
		return a.body, fmt.Errorf("status %d", a.status)
	}
	_, err = xmlrpc.DecodeResponse([]byte(a.body), xmlrpc.DefaultLimits)
	if f, ok := err.(*xmlrpc.Fault); ok {
		if _, isInt := f.Code.(int64); !isInt || f.String == "" {
			return a.body, fmt.Errorf("malformed fault %v", f)
		}
		return a.body, nil
	}
	return a.body, err
}

// sameAfterXML reports whether body decodes to params again.
func sameAfterXML(body []byte, params []any) bool {
	c, err := xmlrpc.DecodeCall(body, xmlrpc.DefaultLimits)
	if err != nil {
		return false
	}
	a, _ := jsonrpc.AppendValue(nil, c.Params)
	b, _ := jsonrpc.AppendValue(nil, params)
	return bytes.Equal(a, b)
}

// injectJSONRPC makes the call over /jsonrpc: HTTP 200 and a result or an
// error object with Odoo's members.
func (n *node) injectJSONRPC(uid int64, key string, c call) (string, error) {
	args, kwargs := execArgs(c)
	body, err := jsonrpc.AppendValue(nil, okapi.Struct{{Name: "jsonrpc", Value: "2.0"}, {Name: "method", Value: "call"}, {Name: "id", Value: int64(7)},
		{Name: "params", Value: okapi.Struct{{Name: "service", Value: "object"}, {Name: "method", Value: "execute_kw"},
			{Name: "args", Value: []any{dbName, uid, key, c.model, c.method, args, kwargs}}}}})
	if err != nil {
		return "", err
	}
	a := send(n.t, http.MethodPost, n.url+"/jsonrpc", "application/json", "", body, nil)
	if a.status != http.StatusOK {
		return a.body, fmt.Errorf("status %d", a.status)
	}
	var out jsonRPCAnswer
	if err := json.Unmarshal([]byte(a.body), &out); err != nil {
		return a.body, err
	}
	if out.Error != nil && (out.Error.Data.Name == "" || out.Error.Data.Message == "") {
		return a.body, fmt.Errorf("error without a name or message")
	}
	return a.body, nil
}

// json2Statuses are the statuses a JSON-2 call may get: Odoo's, plus 500
// for Python built-in exceptions (TypeError, …) as Odoo gives it.
var json2Statuses = []int{200, 400, 403, 404, 422, 500}

// injectJSON2 makes the call over JSON-2: a known status and, for an
// error, Odoo's error object; 500 only for a built-in exception, never an
// internal error.
func (n *node) injectJSON2(key string, c call) (string, error) {
	named := map[string]any{}
	for k, v := range c.named {
		named[k] = v
	}
	if c.ids != nil {
		named["ids"] = c.ids
	}
	body, err := jsonrpc.AppendValue(nil, named)
	if err != nil {
		return "", err
	}
	a := n.json2("", key, c.model, c.method, body)
	switch {
	case a.status >= 300 && a.status < 400:
		// The router cleaning a path such as /json/2/../x.
		return a.body, nil
	case a.status == http.StatusRequestHeaderFieldsTooLarge || a.status == http.StatusRequestURITooLong:
		// A model name too long for a URL.
		return a.body, nil
	case !slices.Contains(json2Statuses, a.status):
		return a.body, fmt.Errorf("status %d", a.status)
	case a.status == 200:
		return a.body, nil
	case strings.HasPrefix(a.header.Get("Content-Type"), "text/html"):
		// Werkzeug's pages for a route that does not match (404).
		if a.status != http.StatusNotFound {
			return a.body, fmt.Errorf("HTML page with status %d", a.status)
		}
		return a.body, nil
	}
	var e struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(bytes.NewReader([]byte(a.body))).Decode(&e); err != nil {
		return a.body, err
	}
	if e.Name == "" || e.Message == "" || e.Name == string(okapi.EInternal) {
		return a.body, fmt.Errorf("error %q %q", e.Name, e.Message)
	}
	if a.status == 500 && !strings.HasPrefix(e.Name, "builtins.") {
		return a.body, fmt.Errorf("status 500 for %s", e.Name)
	}
	return a.body, nil
}

// checksum digests each table of the node's database: its columns and rows
// (sorted), leaving out what reading the database itself changes
// (the audit log, the change feed, failure counts, sessions, and when and
// from where a key was last used).
func checksum(t *testing.T, n *node) map[string]string {
	t.Helper()
	var db *sql.DB
	var err error
	var tables string
	if n.dialect == "postgres" {
		db, err = sql.Open("pgx", n.opts.dbURL)
		tables = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`
	} else {
		db, err = sql.Open("sqlite3", "file:"+filepath.Join(n.opts.dataDir, sqlite.FileName)+"?mode=ro")
		tables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	names := queryStrings(t, db, ctx, tables)
	skip := map[string]bool{"audit_log": true, "auth_events": true, "login_failures": true, "web_sessions": true, "key_addresses": true}
	sums := map[string]string{}
	rowsSeen := 0
	for _, table := range names {
		h := sha256.New()
		sums[table] = ""
		if skip[table] {
			continue
		}
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("reading %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(h, "columns %v\n", cols)
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line strings.Builder
			for i, c := range cols {
				if strings.HasPrefix(c, "last_used") {
					continue
				}
				v := vals[i]
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&line, "%s=%v|", c, v)
			}
			lines = append(lines, line.String())
		}
		rows.Close()
		slices.Sort(lines)
		for _, l := range lines {
			fmt.Fprintln(h, l)
		}
		rowsSeen += len(lines)
		sums[table] = hex.EncodeToString(h.Sum(nil))

	}
	if len(names) < 10 || rowsSeen == 0 {
		t.Fatalf("checksum saw %d tables and %d rows: wrong database?", len(names), rowsSeen)
	}
	return sums
}

func queryStrings(t *testing.T, db *sql.DB, ctx context.Context, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestInjectionCredentials puts every hostile string where a database
// name, login, password, key or uid goes, on every path that checks one:
// each answer is the path's ordinary refusal (false, Access Denied, 401, the
// login page's message), cleanly, and the database is unchanged.
func TestInjectionCredentials(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{})
			// The target has a key and no password, so that a wrong
			// secret for it costs no password hash: the unknown logins
			// below cost one each already.
			ctx := context.Background()
			bot, err := n.s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "target", Name: "Target"})
			if err != nil {
				t.Fatal(err)
			}
			u := user{login: bot.Login, id: bot.ID}
			if u.key, _, err = n.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: bot.ID, Name: "target"}); err != nil {
				t.Fatal(err)
			}
			before := checksum(t, n)
			calls := 0
			for _, h := range credentialStrings() {
				what := clip(fmt.Sprintf("%q", h), 80)
				check := func(path, body string) {
					t.Helper()
					calls++
					checkClean(t, path+" with "+what, body)
				}
				xmlCall := func(service, method string, params ...any) (string, bool) {
					body, err := xmlrpc.AppendCall(nil, method, params...)
					if err != nil || !sameAfterXML(body, params) {
						return "", false
					}
					a := send(t, http.MethodPost, n.url+"/xmlrpc/2/"+service, "text/xml", "", body, nil)
					if a.status != http.StatusOK {
						t.Errorf("XML-RPC %s with %s: status %d", method, what, a.status)
					}
					return a.body, true
				}
				if body, ok := xmlCall("common", "authenticate", dbName, h, h, map[string]any{}); ok {
					check("authenticate login", body)
					if !strings.Contains(body, "<boolean>0</boolean>") {
						t.Errorf("authenticate with login %s: not false: %s", what, clip(body, 300))
					}
				}
				if body, ok := xmlCall("common", "authenticate", dbName, u.login, h, map[string]any{}); ok {
					check("authenticate secret", body)
					if !strings.Contains(body, "<boolean>0</boolean>") {
						t.Errorf("authenticate with secret %s: not false: %s", what, clip(body, 300))
					}
				}
				if body, ok := xmlCall("common", "authenticate", h, u.login, u.key, map[string]any{}); ok {
					check("authenticate database", body)
				}
				if body, ok := xmlCall("object", "execute_kw", dbName, h, h, "res.partner", "search_count", []any{[]any{}}); ok {
					check("execute_kw uid", body)
					if !strings.Contains(body, "<fault>") {
						t.Errorf("execute_kw with uid %s: no fault", what)
					}
				}
				if body, ok := xmlCall("object", "execute_kw", dbName, u.id, h, "res.partner", "search_count", []any{[]any{}}); ok {
					check("execute_kw password", body)
					if !strings.Contains(body, "Access Denied") {
						t.Errorf("execute_kw with password %s: %s", what, clip(body, 300))
					}
				}
				a := n.jsonRPC("", "common", "authenticate", dbName, h, h, map[string]any{})
				if a.Error != nil || a.Result != false {
					t.Errorf("/jsonrpc authenticate with %s: %+v", what, a)
				}
				calls++
				sess := n.jsonRoute("", "/web/session/authenticate", mustJSON(t, map[string]any{"params": map[string]any{"db": dbName, "login": h, "password": h}}))
				if sess.Error == nil || sess.Error.Data.Message != "Access Denied" {
					t.Errorf("/web/session/authenticate with %s: %+v", what, sess.Error)
				}
				calls++
				st := send(t, http.MethodPost, n.url+"/okapi/1/key-status", "application/json", "", mustJSON(t, map[string]any{"db": dbName, "login": h, "key": h}), nil)
				if st.status != http.StatusOK {
					t.Errorf("key-status with %s: %d %s", what, st.status, clip(st.body, 300))
				}
				check("key-status", st.body)
				if validHeader(h) {
					j := n.json2("", h, "res.partner", "search_count", []byte(`{"domain": []}`))
					if j.status != http.StatusUnauthorized {
						t.Errorf("JSON-2 with bearer %s: %d %s", what, j.status, clip(j.body, 300))
					}
					check("JSON-2 bearer", j.body)
				}
				login := n.browser("").tryLogin(h, h)
				if login.status != http.StatusOK || !strings.Contains(login.body, "Wrong login/password") {
					t.Errorf("web login with %s: %d %s", what, login.status, clip(login.body, 300))
				}
				check("web login", login.body)
			}
			after := checksum(t, n)
			for table, sum := range before {
				if after[table] != sum {
					t.Errorf("table %s changed under the hostile credentials", table)
				}
			}
			t.Logf("%s: %d hostile credential checks", dialect, calls)
		})
	}
}

// credentialStrings are the hostile strings tried as credentials, one of
// each kind: most paths spend a password hash (tens of milliseconds) on
// each, so not the whole corpus.
func credentialStrings() []string {
	return []string{
		"'; DROP TABLE res_partner; --", "x' OR 'a'='a", "%", "\\",
		"na\u202eme", "name\x00", "\x00", "", strings.Repeat("a", 10_000),
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := jsonrpc.AppendValue(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validHeader reports whether s can be sent in an HTTP header at all.
func validHeader(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(s) != ""
}

// TestInjectionEnvelope puts every hostile value where the transports
// themselves read names and shapes: XML-RPC's method name and service path,
// JSON-RPC's service, method and args, execute_kw's args and kwargs. Each
// answer is a clean fault or error in the transport's shape.
func TestInjectionEnvelope(t *testing.T) {
	t.Parallel()
	n := startNode(t, "sqlite", nodeOptions{})
	u := n.addUser("envelope")
	before := checksum(t, n)
	calls := 0
	clean := func(what string, a answer) {
		t.Helper()
		calls++
		if a.status != http.StatusOK && a.status != http.StatusNotFound && a.status != http.StatusMethodNotAllowed && a.status != http.StatusBadRequest &&
			a.status != http.StatusTemporaryRedirect && a.status != http.StatusMovedPermanently {
			// (The router answers a path such as /xmlrpc/2/.. with a
			// redirect to its clean form.)
			t.Errorf("%s: status %d", what, a.status)
		}
		checkClean(t, what, a.body)
	}
	xml := func(path string, method string, params ...any) (answer, bool) {
		body, err := xmlrpc.AppendCall(nil, method, params...)
		if err != nil || !sameAfterXML(body, params) {
			return answer{}, false
		}
		return send(t, http.MethodPost, n.url+path, "text/xml", "", body, nil), true
	}
	for _, h := range corpus() {
		what := clip(fmt.Sprintf("%#v", h), 80)
		if a, ok := xml("/xmlrpc/2/object", "execute_kw", dbName, u.id, u.key, "res.partner", "search", h, h); ok {
			clean("execute_kw args and kwargs "+what, a)
		}
		if a, ok := xml("/xmlrpc/2/object", "execute", dbName, u.id, u.key, "res.partner", "search", h); ok {
			clean("execute args "+what, a)
		}
		if s, isStr := h.(string); isStr {
			if a, ok := xml("/xmlrpc/2/object", s, dbName, u.id, u.key); ok {
				clean("XML-RPC method name "+what, a)
			}
			if a, ok := xml("/xmlrpc/2/"+url.PathEscape(s), "version"); ok {
				clean("XML-RPC service "+what, a)
			}
			if a, ok := xml("/xmlrpc/"+url.PathEscape(s), "login", dbName, u.login, u.key); ok {
				clean("legacy XML-RPC service "+what, a)
			}
		}
		for _, params := range []map[string]any{
			{"service": h, "method": "version", "args": []any{}},
			{"service": "object", "method": h, "args": []any{dbName, u.id, u.key, "res.partner", "search", []any{}}},
			{"service": "object", "method": "execute_kw", "args": h},
			{"service": "common", "method": "authenticate", "args": h},
			{"service": "db", "method": h, "args": h},
		} {
			body := mustJSON(t, map[string]any{"jsonrpc": "2.0", "method": "call", "params": params, "id": h})
			clean("JSON-RPC "+what, send(t, http.MethodPost, n.url+"/jsonrpc", "application/json", "", body, nil))
		}
	}
	after := checksum(t, n)
	for table, sum := range before {
		if after[table] != sum {
			t.Errorf("table %s changed", table)
		}
	}
	t.Logf("hostile envelopes: %d", calls)
}
