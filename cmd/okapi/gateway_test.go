package main

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read the gateway's tables

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/internal/policytest"
	"github.com/okapi-erp/okapi/internal/proctest"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/storetest"
)

// gw is a gateway in front of a real okapi serve process, with alice made
// on both and linked.
type gw struct {
	gw       *proctest.Server
	upstream *proctest.Server
	odooKey  string   // alice's key on the upstream
	store    []string // the gateway's --data (and --db)
	run      func(args ...string) string
	upRun    func(args ...string) string
	upUID    int64
}

// startGateway starts an upstream okapi serve playing version, a gateway
// in front of it with store (a fresh --data when nil) and extra flags, and
// links alice. Both run with their default flags.
func startGateway(t *testing.T, version string, store []string, extra ...string) *gw {
	t.Helper()
	return startGatewayUp(t, version, nil, store, extra...)
}

// startGatewayUp is startGateway with upArgs added to the upstream's flags
// (--rpc json2, say).
func startGatewayUp(t *testing.T, version string, upArgs, store []string, extra ...string) *gw {
	t.Helper()
	upStore := []string{"--data", t.TempDir()}
	g := &gw{}
	g.upstream = startServer(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, append(append(upStore, "--odoo-version", version, "--db-name", "prod"), upArgs...)...)
	g.upRun = func(args ...string) string { return mustOkapi(t, append(args, upStore...)...) }
	g.upRun("user", "create", "--login", "bob", "--password", "bob-pass-1")
	g.upRun("user", "create", "--login", "alice", "--password", "alice-pass-1")
	g.odooKey = strings.TrimSpace(g.upRun("key", "create", "--login", "alice", "--name", "gateway"))
	if store == nil {
		store = []string{"--data", t.TempDir()}
	}
	g.store = store
	g.run = func(args ...string) string { return mustOkapi(t, append(args, store...)...) }
	g.gw = startGatewayNode(t, g.upstream.URL, store, extra...)
	g.run("user", "create", "--login", "alice", "--password", "alice-gw-pass")
	out, errs, code := runCLI(t, g.odooKey+"\n", append([]string{"upstream", "link", "--login", "alice"}, store...)...)
	if code != 0 {
		t.Fatalf("upstream link: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "uid 4") {
		t.Fatalf("upstream link: %s", out)
	}
	g.upUID = 4 // admin 2, bob 3, alice 4 on the upstream
	return g
}

func startGatewayNode(t *testing.T, upstream string, store []string, extra ...string) *proctest.Server {
	t.Helper()
	args := append([]string{"--log-level", "debug", "--upstream", upstream, "--upstream-db", "prod"}, store...)
	return proctest.StartCommand(t, binary, "gateway", "", []string{"OKAPI_ADMIN_PASSWORD=gw-admin"}, "http", append(args, extra...)...)
}

func (g *gw) key(t *testing.T, args ...string) string {
	t.Helper()
	return strings.TrimSpace(g.run(append([]string{"key", "create", "--login", "alice"}, args...)...))
}

func gwClient(t *testing.T, url, key string, p client.Protocol) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{URL: url, DB: "prod", Login: "alice", Key: key, Protocol: p})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGateway: for each Odoo version the gateway answers version() and
// authenticate as the upstream does (the upstream's version, alice's
// upstream uid), forwards reads and writes, and passes the upstream's
// faults back as they came; an unlinked user is refused; no key appears
// in the gateway's or the upstream's output, or the gateway's database.
func TestGateway(t *testing.T) {
	// One version at a time: each runs two servers, and the package's
	// timing-sensitive tests (rotation overlaps) share the two cores.
	for _, v := range []string{"14", "15", "16", "17", "18", "19"} {
		t.Run(v, func(t *testing.T) {
			g := startGateway(t, v, nil)
			full := g.key(t, "--name", "sync")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			via := gwClient(t, g.gw.URL, full, client.XMLRPC)
			direct := gwClient(t, g.upstream.URL, g.odooKey, client.XMLRPC)
			vg, err := via.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			vd, _ := direct.Version(ctx)
			if *vg != *vd {
				t.Errorf("version through the gateway %+v, upstream %+v", vg, vd)
			}
			if uid, err := via.Authenticate(ctx); err != nil || uid != g.upUID {
				t.Fatalf("authenticate through the gateway: %d, %v; want the upstream uid %d", uid, err, g.upUID)
			}
			id, err := via.Create(ctx, "res.partner", map[string]any{"name": "Made through the gateway"})
			if err != nil {
				t.Fatal(err)
			}
			recs, err := direct.Read(ctx, "res.partner", []int64{id}, "name", "create_uid")
			if err != nil || len(recs) != 1 || recs[0]["name"] != "Made through the gateway" {
				t.Fatalf("the upstream has %v, %v", recs, err)
			}
			if cu, _ := recs[0]["create_uid"].([]any); len(cu) == 0 || cu[0] != g.upUID {
				t.Errorf("created by %v, want the upstream user %d", recs[0]["create_uid"], g.upUID)
			}
			// Faults come back as the upstream gives them.
			for _, call := range []struct {
				model, method string
				args          []any
			}{
				{"res.partner", "write", []any{[]any{99999}, map[string]any{"name": "x"}}},
				{"res.partner", "no_such_method", []any{[]any{}}},
				{"res.users", "write", []any{[]any{1}, map[string]any{"name": "x"}}},
				{"res.partner", "search", []any{[]any{[]any{"bad"}}}},
			} {
				_, eg := via.ExecuteKW(ctx, call.model, call.method, call.args, nil)
				_, ed := direct.ExecuteKW(ctx, call.model, call.method, call.args, nil)
				cg, _ := eg.(*client.Error)
				cd, _ := ed.(*client.Error)
				if v == "19" && call.method == "no_such_method" {
					// The gateway forwards to 19 over JSON-2, which takes
					// names: positionals of a method the upstream does not
					// publish cannot be named, and are refused saying so
					// (docs/bridge.md).
					if cg == nil || cg.FaultCode != int64(1) || !strings.Contains(cg.Message, "cannot pass positional arguments by name") ||
						!strings.Contains(cg.Message, "publishes no public method") {
						t.Errorf("%s.%s through the JSON-2 bridge: %v", call.model, call.method, eg)
					}
					continue
				}
				if cg == nil || cd == nil || cg.FaultCode != cd.FaultCode || cg.Message != cd.Message || cg.Name != cd.Name {
					t.Errorf("%s.%s: through the gateway %#v, upstream %#v", call.model, call.method, eg, ed)
				}
			}
			// Over JSON-RPC too, the same answer.
			jc := gwClient(t, g.gw.URL, full, client.JSONRPC)
			if n, err := jc.SearchCount(ctx, "res.partner", []any{[]any{"id", "=", id}}); err != nil || n != 1 {
				t.Errorf("JSON-RPC search_count %d, %v", n, err)
			}
			if v == "19" {
				j2 := gwClient(t, g.gw.URL, full, client.JSON2)
				if recs, err := j2.Read(ctx, "res.partner", []int64{id}, "name"); err != nil || len(recs) != 1 {
					t.Errorf("JSON-2 read %v, %v", recs, err)
				}
			}
			// The Odoo key itself is refused by default.
			if _, err := gwClient(t, g.gw.URL, g.odooKey, client.XMLRPC).Authenticate(ctx); !client.IsAccessDenied(err) {
				t.Errorf("the Odoo key sent to the gateway: %v, want access denied", err)
			}
			// Unlinked, alice's calls stop within a second, as a revoked
			// key's do (the link cache follows the change feed); linked
			// again, they work again.
			g.run("upstream", "unlink", "--login", "alice")
			waitGatewayRefuses(t, g.gw.URL, full, "unlinked")
			if _, errs, code := runCLI(t, g.odooKey+"\n", append([]string{"upstream", "link", "--login", "alice"}, g.store...)...); code != 0 {
				t.Fatalf("link again: %s", errs)
			}
			waitGatewayAccepts(t, g.gw.URL, full)
			// The linked Odoo key revoked upstream: the tool sees Odoo's
			// Access Denied, the operator an audit entry saying what to do.
			// (The upstream, another process, sees the revocation within a
			// second, as okapi serve promises.)
			g.upRun("key", "revoke", "--login", "alice", "--name", "gateway")
			waitGatewayRefuses(t, g.gw.URL, full, "upstream-revoked")
			waitAudit(t, g.run, "refused alice's linked Odoo key")
			assertNoSecret(t, []string{full, g.odooKey}, g.store[1], g.gw.Output(), g.upstream.Output(),
				g.run("audit", "export"), g.run("upstream", "list"), g.run("key", "list"), get(t, g.gw.URL+"/metrics"), get(t, g.upstream.URL+"/metrics"))
		})
	}
}

// get returns the body of a GET.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(b) == 0 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

// waitAudit waits (the audit log is written in the background, within a
// few hundred milliseconds) until okapi audit export holds each of want.
func waitAudit(t *testing.T, run func(...string) string, want ...string) {
	t.Helper()
	start := time.Now()
	for {
		export := run("audit", "export")
		missing := ""
		for _, w := range want {
			if !strings.Contains(export, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the audit export has no %q:\n%s", missing, export)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// assertNoSecret fails when any secret is in a file under dir or in texts.
func assertNoSecret(t *testing.T, secrets []string, dir string, texts ...string) {
	t.Helper()
	for i, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a key is in output %d", i)
			}
		}
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("a key is in %s", path)
			}
		}
		return nil
	})
}

// TestGatewayPolicies: the same policy test as okapi serve's, on every
// protocol, through the gateway in front of 17 (XML-RPC, JSON-RPC) and 19
// (JSON-2 too); the refusals never reach the upstream.
func TestGatewayPolicies(t *testing.T) {
	for _, v := range []string{"17", "19"} {
		t.Run(v, func(t *testing.T) {
			g := startGateway(t, v, nil)
			policytest.Run(t, policytest.Server{URL: g.gw.URL, DB: "prod", Login: "alice", JSON2: v == "19"}, policytest.Keys{
				ReadOnly: g.key(t, "--name", "ro", "--read-only"),
				Models:   g.key(t, "--name", "models", "--models", "res.partner"),
				Here:     g.key(t, "--name", "here", "--allow-ip", "127.0.0.0/8"),
				Away:     g.key(t, "--name", "away", "--allow-ip", "10.0.0.0/8"),
				Rate:     g.key(t, "--name", "rate", "--rate", "1/m:2", "--duration", "90d"),
			})
			if strings.Contains(g.upstream.Output(), "must not exist") {
				t.Error("a refused create reached the upstream")
			}
			waitAudit(t, g.run, "rule read-only", "rule models", "rule allow-ip", "rule rate")
			if list := g.run("key", "list"); !strings.Contains(list, "models res.partner") || !strings.Contains(list, "from 10.0.0.0/8") || !strings.Contains(list, "2027") && !strings.Contains(list, "2026") {
				t.Errorf("key list does not show the policies and expiry:\n%s", list)
			}
		})
	}
}

// TestGatewayPython: Python's xmlrpc.client through the gateway with a
// gateway key, as Odoo's documentation does it; a read-only key's write is
// Fault 4 naming the rule; an exceeded rate is a 429 ProtocolError.
func TestGatewayPython(t *testing.T) {
	g := startGateway(t, "17", nil)
	full := g.key(t, "--name", "python")
	ro := g.key(t, "--name", "python-ro", "--read-only", "--rate", "1/m:2")
	cmd := exec.Command("python3", "-c", `
import sys, xmlrpc.client
url, db, login = sys.argv[1:4]
full, ro = sys.stdin.read().split()
common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
print("version", common.version()["server_version"])
uid = common.authenticate(db, login, full, {})
print("uid", uid)
m = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
pid = m.execute_kw(db, uid, full, "res.partner", "create", [{"name": "From Python"}])
print("read", m.execute_kw(db, uid, full, "res.partner", "read", [[pid]], {"fields": ["name"]})[0]["name"])
print("ro count", m.execute_kw(db, uid, ro, "res.partner", "search_count", [[["id", "=", pid]]]))
try:
    m.execute_kw(db, uid, ro, "res.partner", "write", [[pid], {"name": "x"}])
except xmlrpc.client.Fault as f:
    print("ro write fault", f.faultCode, f.faultString.splitlines()[0])
m.execute_kw(db, uid, ro, "res.partner", "search_count", [[]])
try:
    m.execute_kw(db, uid, ro, "res.partner", "search_count", [[]])
except xmlrpc.client.ProtocolError as e:
    print("rate", e.errcode, e.headers.get("Retry-After") is not None)
`, g.gw.URL, "prod", "alice")
	cmd.Stdin = strings.NewReader(full + "\n" + ro)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	for _, want := range []string{"version " + okapi.MustProfile(17).ServerVersion + "\n", "uid 4\n", "read From Python\n", "ro count 1\n",
		"ro write fault 4 This API key is read-only", "rate 429 True\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("python printed:\n%s\nwant %q", out, want)
		}
	}
}

// TestGatewayUpstreamFailures: an upstream that refuses connections, one
// that does not answer in time, and one that answers garbage each give an
// Odoo-shaped error saying the upstream is unreachable and why, quickly,
// and an audit entry.
func TestGatewayUpstreamFailures(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		t.Parallel()
		g := startGateway(t, "17", nil)
		key := g.key(t, "--name", "k")
		keyFile := filepath.Join(t.TempDir(), "k.key")
		os.WriteFile(keyFile, []byte(key+"\n"), 0o600)
		connect := func() (string, int) {
			out, _, code := runCLI(t, "", "connect", g.gw.URL, "--db", "prod", "--login", "alice", "--key-file", keyFile)
			return out, code
		}
		// okapi connect says whether the gateway and its upstream each work.
		if out, code := connect(); code != 0 || !strings.Contains(out, "Okapi gateway in front of Odoo "+okapi.MustProfile(17).ServerVersion+" at "+g.upstream.URL) {
			t.Errorf("connect with the upstream up: exit %d\n%s", code, out)
		}
		g.upstream.Stop()
		if out, code := connect(); code != 3 || !strings.Contains(out, "its upstream does not answer") || !strings.Contains(out, "connection refused") {
			t.Errorf("connect with the upstream down: exit %d\n%s", code, out)
		}
		start := time.Now()
		_, err := gwClient(t, g.gw.URL, key, client.XMLRPC).SearchCount(context.Background(), "res.partner", []any{})
		if e, ok := err.(*client.Error); !ok || !strings.Contains(e.Message, "is unreachable: connection refused") {
			t.Fatalf("upstream down: %#v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
		// JSON-RPC says the same, as an Odoo error object.
		_, err = gwClient(t, g.gw.URL, key, client.JSONRPC).SearchCount(context.Background(), "res.partner", []any{})
		if e, ok := err.(*client.Error); !ok || e.Name != "okapi.UpstreamUnavailable" {
			t.Fatalf("upstream down over JSON-RPC: %#v", err)
		}
		waitAudit(t, g.run, "upstream.error")
	})
	for _, mode := range []string{"slow", "garbage"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			up := fakeUpstream(t, mode)
			store := []string{"--data", t.TempDir()}
			// A 1 s timeout instead of the default 30 s, so that the slow
			// upstream's test takes seconds (the default is in --help).
			node := startGatewayNode(t, up, store, "--upstream-timeout", "1s")
			mustOkapi(t, append([]string{"user", "create", "--login", "alice", "--password", "alice-gw-pass"}, store...)...)
			if _, errs, code := runCLI(t, strings.Repeat("ab", 20)+"\n", append([]string{"upstream", "link", "--login", "alice"}, store...)...); code != 0 {
				t.Fatal(errs)
			}
			key := strings.TrimSpace(mustOkapi(t, append([]string{"key", "create", "--login", "alice", "--name", "k"}, store...)...))
			start := time.Now()
			_, err := gwClient(t, node.URL, key, client.XMLRPC).SearchCount(context.Background(), "res.partner", []any{})
			want := map[string]string{"slow": "did not answer in time", "garbage": "not Odoo's protocol"}[mode]
			if e, ok := err.(*client.Error); !ok || !strings.Contains(e.Message, "is unreachable") || !strings.Contains(e.Message, want) {
				t.Fatalf("%s upstream: %#v", mode, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// fakeUpstream is a tiny loopback HTTP server that answers version() and
// authenticate as Odoo 17 does, and model calls slowly ("slow": 10 s) or
// with garbage ("garbage": an HTML page with status 200).
func fakeUpstream(t *testing.T, mode string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call, err := xmlrpc.DecodeCall(readAll(r), xmlrpc.DefaultLimits)
		if err != nil {
			http.Error(w, "bad", 400)
			return
		}
		var result any
		switch {
		case call.Method == "version":
			result = map[string]any{"server_version": "17.0", "server_version_info": []any{int64(17), int64(0), int64(0), "final", int64(0), ""},
				"server_serie": "17.0", "protocol_version": int64(1)}
		case call.Method == "authenticate":
			result = int64(2)
		case mode == "slow":
			select {
			case <-time.After(10 * time.Second):
			case <-r.Context().Done():
				return
			}
			result = int64(0)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><title>Oops</title><body>not xml-rpc</body></html>"))
			return
		}
		b, _ := xmlrpc.AppendResponse(nil, result)
		w.Header().Set("Content-Type", "text/xml")
		w.Write(b)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func readAll(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	return b
}

// TestGatewayRevocationAcrossNodes: two gateway nodes share one PostgreSQL
// database; a key revoked, a user archived or a key expiring on the command
// line is refused on both nodes from the next request on.
func TestGatewayRevocationAcrossNodes(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	store := []string{"--data", t.TempDir(), "--db", storetest.PostgresURL(t)}
	g := startGateway(t, "17", store)
	second := startGatewayNode(t, g.upstream.URL, store)
	key := g.key(t, "--name", "both")
	other := g.key(t, "--name", "other")
	ctx := context.Background()
	nodes := []*proctest.Server{g.gw, second}
	for _, n := range nodes {
		if _, err := gwClient(t, n.URL, key, client.XMLRPC).SearchCount(ctx, "res.partner", []any{}); err != nil {
			t.Fatalf("%s before revocation: %v", n.URL, err)
		}
	}
	g.run("key", "revoke", "--login", "alice", "--name", "both")
	for _, n := range nodes {
		waitGatewayRefuses(t, n.URL, key, "revoked")
		if _, err := gwClient(t, n.URL, other, client.XMLRPC).SearchCount(ctx, "res.partner", []any{}); err != nil {
			t.Errorf("%s: the other key: %v", n.URL, err)
		}
	}
	g.run("user", "archive", "--login", "alice")
	for _, n := range nodes {
		waitGatewayRefuses(t, n.URL, other, "archived")
	}
	// No key, the gateway's or Odoo's, in any row of the database.
	db, err := sql.Open("pgx", store[3])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	for _, table := range tables {
		var dump sql.NullString
		if err := db.QueryRow(`SELECT string_agg(t::text, E'\n') FROM "` + table + `" t`).Scan(&dump); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		for _, secret := range []string{key, other, g.odooKey} {
			if strings.Contains(dump.String, secret) {
				t.Errorf("a key is in table %s", table)
			}
		}
	}
}

// execClient calls execute_kw as alice's upstream uid (4) straight away,
// as a tool that authenticated earlier does.
func execClient(t *testing.T, url, key string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{URL: url, DB: "prod", Login: "alice", Key: key, Protocol: client.XMLRPC, UID: 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitGatewayAccepts waits (at most a second) until node accepts key.
func waitGatewayAccepts(t *testing.T, node, key string) {
	t.Helper()
	start := time.Now()
	for {
		_, err := execClient(t, node, key).SearchCount(context.Background(), "res.partner", []any{})
		if err == nil {
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("%s: the key is still refused after a second: %v", node, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// waitGatewayRefuses waits (at most a second, as okapi serve's nodes do,
// a few tries so as not to start a cooldown) until node refuses key.
func waitGatewayRefuses(t *testing.T, node, key, what string) {
	t.Helper()
	start := time.Now()
	for {
		_, err := execClient(t, node, key).SearchCount(context.Background(), "res.partner", []any{})
		if client.IsAccessDenied(err) {
			t.Logf("%s: %s key refused after %v", node, what, time.Since(start))
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("%s: the %s key still works after a second: %v", node, what, err)
		}
		time.Sleep(450 * time.Millisecond) // at most three tries: no cooldown
	}
}

// TestGatewayPassthrough: with --passthrough an Odoo key sent straight to
// the gateway is forwarded unchanged (authenticate answers the upstream
// uid, calls work), a wrong one is refused by the upstream and counted by
// the gateway's cooldown (the default: 5 failures), which then refuses
// even the right key for the cooldown, without asking the upstream.
func TestGatewayPassthrough(t *testing.T) {
	g := startGateway(t, "17", nil, "--passthrough")
	ctx := context.Background()
	odoo := gwClient(t, g.gw.URL, g.odooKey, client.XMLRPC)
	if uid, err := odoo.Authenticate(ctx); err != nil || uid != g.upUID {
		t.Fatalf("the Odoo key passed through: %d, %v", uid, err)
	}
	if n, err := odoo.SearchCount(ctx, "res.partner", []any{}); err != nil || n == 0 {
		t.Fatalf("a call passed through: %d, %v", n, err)
	}
	// Gateway keys still work as without --passthrough.
	if n, err := gwClient(t, g.gw.URL, g.key(t, "--name", "own"), client.XMLRPC).SearchCount(ctx, "res.partner", []any{}); err != nil || n == 0 {
		t.Fatalf("a gateway key: %d, %v", n, err)
	}
	wrong := strings.Repeat("0", 40)
	for i := 0; i < 5; i++ {
		if _, err := gwClient(t, g.gw.URL, wrong, client.XMLRPC).Authenticate(ctx); !client.IsAccessDenied(err) {
			t.Fatalf("wrong key %d: %v", i, err)
		}
	}
	// The address is in a cooldown now: a password from it waits (it is
	// not forwarded)...
	if _, err := gwClient(t, g.gw.URL, "not a key, a password", client.XMLRPC).Authenticate(ctx); !client.IsAccessDenied(err) {
		t.Fatalf("during the cooldown a password: %v, want refused", err)
	}
	// ...but a key is never held back by one: the upstream's right key
	// still goes through (SECURITY.md), and its success clears the count.
	if _, err := gwClient(t, g.gw.URL, g.odooKey, client.XMLRPC).Authenticate(ctx); err != nil {
		t.Fatalf("during the cooldown the right key: %v, want accepted", err)
	}
	waitAudit(t, g.run, "refused by the upstream (passed through)", "login.cooldown")
	assertNoSecret(t, []string{g.odooKey, wrong}, g.store[1], g.gw.Output(), g.run("audit", "export"))
}

// TestGatewayOdooAwait drives the npm client odoo-await (a real third-party
// XML-RPC client, the script of conformance.TestOdooAwait) through the
// gateway with a gateway key: create, search, read, update, delete land on
// the upstream, and a wrong key is refused.
func TestGatewayOdooAwait(t *testing.T) {
	src, _ := filepath.Abs(filepath.Join("..", "..", "conformance", "testdata", "node"))
	// Its own copy, so as not to race conformance's npm ci in the same folder.
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "crud.js"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	g := startGateway(t, "16", nil)
	key := g.key(t, "--name", "node")
	cmd := exec.Command("node", "crud.js", g.gw.URL, "prod", "alice")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(key)
	raw, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	out := string(raw)
	for _, want := range []string{`"uid":4`, `"name":"Kool Keith"`, `"street":"1 Spaceship Way"`, `"phone":"555-0199"`, `"after":[]`} {
		if !strings.Contains(out, want) {
			t.Errorf("node printed %s\nwant %s", out, want)
		}
	}
	if strings.Contains(out, `"denied":null`) {
		t.Errorf("a wrong key was accepted: %s", out)
	}
}
