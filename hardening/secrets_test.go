package hardening

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/storage"
	"github.com/okapi-erp/okapi/storetest"
)

// haystack is everything a scenario let out, by where it came from.
type haystack struct {
	mu    sync.Mutex
	parts map[string]*strings.Builder
}

func (h *haystack) add(where, text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.parts == nil {
		h.parts = map[string]*strings.Builder{}
	}
	b := h.parts[where]
	if b == nil {
		b = &strings.Builder{}
		h.parts[where] = b
	}
	b.WriteString(text)
	b.WriteByte('\n')
}

// secrets are the credentials a scenario used, right and wrong.
type secrets struct {
	mu   sync.Mutex
	list []string
}

func (s *secrets) add(v string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, v)
	return v
}

// forms are the ways a secret could appear: as it is, URL- or
// JSON-encoded, and for a key also without its 8-character index (which
// is stored in clear by design).
func forms(secret string) []string {
	out := []string{secret, url.QueryEscape(secret)}
	if len(secret) == 40 {
		out = append(out, secret[8:], strings.ToUpper(secret[8:]))
	}
	return out
}

var keyLineRE = regexp.MustCompile(`^[0-9a-f]{40}\n$`)

// TestNoSecretInOutput runs a full scenario against a real `okapi serve`
// at --log-level debug: users with passwords, keys made on the command line
// and in the web pages, every path used with keys and passwords, wrong keys
// and passwords until a cooldown, revocations from both sides, an expiry
// and its clean-up (across a restart), key-status, the metrics and the
// pages. It then searches everything the server and the commands wrote,
// every answer body but the one page that shows each new key (and the
// stdout of `key create`), the metrics, the audit log and the database
// files for every secret used. Each must be found nowhere.
func TestNoSecretInOutput(t *testing.T) {
	t.Parallel()
	okapiBinary(t)
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			found := secretScenario(t, dialect)
			t.Logf("%s: secrets found in output: %d", dialect, found)
		})
	}
}

func secretScenario(t *testing.T, dialect string) int {
	var hay haystack
	var sec secrets
	// control holds the two places a key is meant to be shown: if the
	// search did not find every key there, it would prove nothing.
	var control haystack
	data := t.TempDir()
	store := []string{"--data", data}
	dbURL := ""
	if dialect == "postgres" {
		dbURL = storetest.PostgresURL(t)
		store = append(store, "--db", dbURL)
	}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		out, errs := runCLI(t, stdin, append(args, store...)...)
		hay.add("stderr of okapi "+args[0]+" "+args[1], errs)
		hay.add("stdout of okapi "+args[0]+" "+args[1], out)
		return out
	}
	keyCreate := func(args ...string) string {
		t.Helper()
		out, errs := runCLI(t, "", append(append([]string{"key", "create"}, args...), store...)...)
		hay.add("stderr of okapi key create", errs)
		if !keyLineRE.MatchString(out) {
			t.Fatalf("key create printed %q", out)
		}
		// Its stdout is the key: the one place it is meant to be.
		control.add("key create", out)
		return sec.add(strings.TrimSpace(out))
	}

	adminPw := sec.add("Adm-" + randHex(10))
	serveArgs := append([]string{"--log-level", "debug", "--odoo-version", "19", "--db-name", dbName,
		"--cooldown-after", "6", "--cooldown", "2s"}, store...)
	env := []string{"OKAPI_ADMIN_PASSWORD=" + adminPw}
	srv := startProcess(t, env, "http", serveArgs...)
	n := &node{t: t, url: srv.URL, dialect: dialect, opts: nodeOptions{version: 19}, rec: func(what, body string) { hay.add("answer: "+what, body) }}

	alicePw, bobPw := sec.add("Alice-"+randHex(10)), sec.add("Bob-"+randHex(10))
	cli(alicePw+"\n", "user", "create", "--login", "alice", "--password", "-", "--name", "Alice")
	cli(bobPw+"\n", "user", "create", "--login", "bob", "--password", "-", "--name", "Bob")
	cliKey := keyCreate("--login", "alice", "--name", "cli key")
	doomed := keyCreate("--login", "alice", "--name", "to revoke")
	expiring := keyCreate("--login", "alice", "--name", "short", "--expires", time.Now().Add(3*time.Second).UTC().Format(time.RFC3339))
	bobKey := keyCreate("--login", "bob", "--name", "bob key", "--duration", "30d")

	// Alice makes a key in the pages: the ready page is the only answer
	// left out of the haystack.
	alice := n.browser("")
	alice.login("alice", alicePw)
	if a := alice.identity(19, alicePw); a.status != http.StatusSeeOther {
		t.Fatalf("identity check: %d", a.status)
	}
	webKey, ready := alice.createKey(19, "web key")
	control.add("ready page", ready.body)
	sec.add(webKey)

	// Every path, with keys and passwords.
	aliceID := n.authenticate("", "alice", cliKey)
	if aliceID == 0 || n.authenticate("", "alice", webKey) != aliceID || n.authenticate("", "alice", alicePw) != aliceID {
		t.Fatal("alice cannot authenticate with her keys and password")
	}
	for _, k := range []string{cliKey, webKey, alicePw} {
		if _, f := n.searchCount("", aliceID, k); f != nil {
			t.Fatalf("execute_kw: %v", f)
		}
		if a := n.jsonRPC("", "object", "execute_kw", dbName, aliceID, k, "res.partner", "search_read", []any{[]any{}}, map[string]any{"limit": int64(2)}); a.Error != nil {
			t.Fatalf("/jsonrpc execute_kw: %+v", a.Error)
		}
	}
	for _, k := range []string{cliKey, webKey, bobKey} {
		if a := n.json2("", k, "res.partner", "search_read", []byte(`{"domain": [], "fields": ["name"], "limit": 2}`)); a.status != http.StatusOK {
			t.Fatalf("JSON-2: %d %s", a.status, a.body)
		}
	}
	sessionAuth := func(login, pw string) jsonRPCAnswer {
		return n.jsonRoute("", "/web/session/authenticate", mustJSON(t, map[string]any{"params": map[string]any{"db": dbName, "login": login, "password": pw}}))
	}
	if a := sessionAuth("bob", bobPw); a.Error != nil {
		t.Fatalf("session authenticate: %+v", a.Error)
	}
	keyStatus := func(login, key, want string) {
		t.Helper()
		a := n.record("key-status", send(t, http.MethodPost, n.url+"/okapi/1/key-status", "application/json", "", mustJSON(t, map[string]any{"db": dbName, "login": login, "key": key}), nil))
		if !strings.Contains(a.body, `"status": "`+want+`"`) {
			t.Errorf("key-status: %s, want %s", a.body, want)
		}
	}
	keyStatus("alice", cliKey, "valid")
	keyStatus("bob", webKey, "other_user")

	// Revocation from the command line and from the pages.
	cli("", "key", "revoke", "--login", "alice", "--name", "to revoke")
	eventually(t, 2*time.Second, "revoked key refused", func() bool { return n.authenticate("", "alice", doomed) == 0 })
	page := alice.get("/odoo/preferences?tab=security")
	newest := ""
	for _, m := range regexp.MustCompile(`/odoo/preferences/apikeys/(\d+)/delete`).FindAllStringSubmatch(page.body, -1) {
		if len(m[1]) > len(newest) || len(m[1]) == len(newest) && m[1] > newest {
			newest = m[1] // the web key, made last
		}
	}
	if newest == "" {
		t.Fatalf("no key to revoke on the security tab:\n%s", page.body)
	}
	if a := alice.post("/odoo/preferences/apikeys/"+newest+"/delete", url.Values{"csrf_token": {csrf(t, page.body)}}); a.status != http.StatusSeeOther {
		t.Fatalf("revoking in the pages: %d", a.status)
	}
	if n.authenticate("", "alice", webKey) != 0 {
		t.Error("a key revoked in the pages still works")
	}
	keyStatus("alice", doomed, "revoked")

	// Expiry.
	eventually(t, 6*time.Second, "expired key refused", func() bool { return n.authenticate("", "alice", expiring) == 0 })
	keyStatus("alice", expiring, "expired")

	// Wrong keys and passwords on every path, until cooldowns start (the
	// checks above failed a few times too, below the limit of 6).
	for i := 0; i < 3; i++ {
		n.authenticate("", "bob", sec.add(wrongKey()))
		n.authenticate("", "bob", sec.add("Wrong-"+randHex(8)))
		n.searchCount("", aliceID, sec.add(wrongKey()))
		n.json2("", sec.add(wrongKey()), "res.partner", "search_count", []byte(`{"domain": []}`))
		n.browser("").tryLogin("bob", sec.add("Wrong-"+randHex(8)))
		sessionAuth("bob", sec.add("Wrong-"+randHex(8)))
	}
	alice.identity(19, sec.add("Wrong-"+randHex(8)))
	if n.authenticate("", "bob", bobPw) != 0 {
		t.Error("no cooldown after the failures")
	}
	if n.authenticate("", "bob", bobKey) == 0 {
		t.Error("the cooldown refuses bob's correct key")
	}
	time.Sleep(2500 * time.Millisecond)

	// Metrics and pages.
	n.metric("okapi_cooldowns_total")
	admin := n.browser("")
	admin.login("admin", adminPw)
	for _, p := range []string{"/odoo", "/odoo/settings", "/odoo/settings/users", "/odoo/settings/apikeys", "/odoo/settings/audit", "/odoo/preferences?tab=security"} {
		if a := admin.get(p); a.status != http.StatusOK {
			t.Errorf("admin page %s: %d", p, a.status)
		}
	}
	alice.get("/odoo/preferences?tab=security")
	alice.get("/my/security")
	for _, b := range []*browser{alice, admin} {
		u, _ := url.Parse(n.url)
		for _, c := range b.http.Jar.Cookies(u) {
			if c.Name == "session_id" {
				sec.add(c.Value)
			}
		}
	}

	// The command line's listings.
	cli("", "key", "list")
	cli("", "key", "list", "--json")
	cli("", "user", "list")

	// A restart cleans up the expired key.
	srv.Stop()
	hay.add("server output, first run", srv.Output())
	srv = startProcess(t, env, "http", serveArgs...)
	n.url = srv.URL
	keyStatus("alice", expiring, "expired")
	n.authenticate("", "alice", cliKey)
	cli("", "audit", "export")
	time.Sleep(300 * time.Millisecond)
	srv.Stop()
	if !strings.Contains(srv.Output(), "GC 'res.users.apikeys' delete entries") {
		t.Errorf("the restart did not clean up the expired key:\n%s", srv.Output())
	}
	hay.add("server output, second run", srv.Output())
	if t.Failed() {
		t.Logf("second run:\n%s", srv.Output())
	}

	// The audit log, and the database itself.
	opened, err := storage.Open(context.Background(), storage.Options{DataDir: data, URL: dbURL, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := opened.Store.ListAudit(context.Background(), 0)
	opened.Store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 10 {
		t.Errorf("only %d audit entries", len(entries))
	}
	for _, e := range entries {
		hay.add("audit log", fmt.Sprintf("%+v", e))
	}
	if dialect == "postgres" {
		hay.add("database", dumpPostgres(t, dbURL))
	}
	files, _ := filepath.Glob(filepath.Join(data, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hay.add("file "+filepath.Base(f), string(b))
	}
	if dialect == "sqlite" && hay.parts["file okapi.db"] == nil {
		t.Fatal("no database file to search")
	}

	if !strings.Contains(hay.parts["server output, first run"].String(), "level=DEBUG") {
		t.Error("the server did not log at debug level")
	}
	for _, k := range []string{cliKey, doomed, expiring, bobKey, webKey} {
		if !strings.Contains(control.parts["key create"].String()+control.parts["ready page"].String(), k[8:]) {
			t.Fatal("the search does not find a key where it is shown: it would prove nothing")
		}
	}
	found := 0
	for _, s := range sec.list {
		for _, f := range forms(s) {
			for where, text := range hay.parts {
				if strings.Contains(text.String(), f) {
					found++
					t.Errorf("a secret (%s…) is in %s", s[:4], where)
				}
			}
		}
	}
	size := 0
	for _, p := range hay.parts {
		size += p.Len()
	}
	t.Logf("%s: searched %d places (%d bytes) for %d secrets", dialect, len(hay.parts), size, len(sec.list))
	return found
}

// dumpPostgres returns every row of every table as text.
func dumpPostgres(t *testing.T, dbURL string) string {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var b strings.Builder
	for _, table := range queryStrings(t, db, ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`) {
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}
