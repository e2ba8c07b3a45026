package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/internal/proctest"

	"github.com/okapi-erp/okapi/storetest"
)

// binary is the okapi command built once for the end-to-end tests, which
// run it as a real process: the server, and the command line beside it.
var binary string

func TestMain(m *testing.M) {
	var err error
	if binary, err = proctest.Build(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	proctest.Cleanup()
	os.Exit(code)
}

// startServer runs `okapi serve` (logging at debug level) with args on a
// free loopback port and waits until it listens.
func startServer(t *testing.T, env []string, args ...string) *proctest.Server {
	t.Helper()
	return proctest.Start(t, binary, "", env, "http", append([]string{"--log-level", "debug"}, args...)...)
}

// withServer runs fn in parallel once per database, against a running
// server of an Odoo version; store holds the command line's flags for that
// database and run runs okapi with them.
func withServer(t *testing.T, version string, fn func(t *testing.T, srv *proctest.Server, store []string, run func(...string) string)) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			store := []string{"--data", t.TempDir()}
			if dialect == "postgres" {
				store = append(store, "--db", storetest.PostgresURL(t))
			}
			srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, append(store, "--odoo-version", version, "--db-name", "acme")...)
			run := func(args ...string) string { return mustOkapi(t, append(args, store...)...) }
			fn(t, srv, store, run)
		})
	}
}

// runCLI runs a command-line command and returns stdout, stderr and the
// exit status.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return proctest.Run(t, binary, stdin, args...)
}

func mustOkapi(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("okapi %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// pyAuthenticate runs Python's standard xmlrpc.client exactly as Odoo's
// external API documentation does, with the key on stdin.
func pyAuthenticate(t *testing.T, url, db, login, key string) string {
	t.Helper()
	cmd := exec.Command("python3", "-c", `
import sys, xmlrpc.client
url, db, login = sys.argv[1:4]
key = sys.stdin.read()
common = xmlrpc.client.ServerProxy("{}/xmlrpc/2/common".format(url))
print(common.authenticate(db, login, key, {}))
`, url, db, login)
	cmd.Stdin = strings.NewReader(key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestKeysEndToEnd is issue 2's acceptance: keys made with `okapi key
// create` work through Python's xmlrpc.client; wrong, revoked, expired,
// scoped and archived users' keys get False; a revoke from the command line
// is honoured by the running server within one second; no key is found in
// the database files, the logs or `key list`.
func TestKeysEndToEnd(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			store := []string{"--data", data}
			if dialect == "postgres" {
				store = append(store, "--db", storetest.PostgresURL(t))
			}
			srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD="}, append(store, "--odoo-version", "18", "--db-name", "acme")...)
			if !regexp.MustCompile(`Created the administrator: login "admin", password "[^"]{12,}"`).MatchString(srv.Output()) {
				t.Fatalf("the generated admin password was not printed:\n%s", srv.Output())
			}
			run := func(args ...string) string { return mustOkapi(t, append(args, store...)...) }
			run("user", "create", "--login", "alice", "--password", "alice-pass", "--name", "Alice")
			run("user", "create", "--login", "bob", "--password", "bob-pass")
			var keys []string
			key := func(args ...string) string {
				k := strings.TrimSpace(run(append([]string{"key", "create"}, args...)...))
				if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(k) {
					t.Fatalf("key create printed %q, want only the key", k)
				}
				keys = append(keys, k)
				return k
			}
			good := key("--login", "alice", "--name", "laptop")
			revoked := key("--login", "alice", "--name", "to revoke")
			expiring := key("--login", "alice", "--name", "short", "--expires", time.Now().Add(2*time.Second).UTC().Format(time.RFC3339))
			scoped := key("--login", "alice", "--name", "plugin", "--scope", "odoo.plugin.outlook")
			bobs := key("--login", "bob", "--name", "bob's", "--duration", "30d")

			expect := func(what, key, login, want string) {
				t.Helper()
				if got := pyAuthenticate(t, srv.URL, "acme", login, key); got != want {
					t.Fatalf("%s: authenticate = %s, want %s", what, got, want)
				}
			}
			expect("good key", good, "alice", "3")
			expect("key of another user", bobs, "alice", "False")
			expect("wrong key", strings.Repeat("f", 40), "alice", "False")
			expect("scoped key", scoped, "alice", "False")
			expect("password", "alice-pass", "alice", "3")
			expect("revoked key before revocation", revoked, "alice", "3")

			run("key", "revoke", "--login", "alice", "--name", "to revoke")
			deadline := time.Now().Add(time.Second)
			for pyAuthenticate(t, srv.URL, "acme", "alice", revoked) != "False" {
				if time.Now().After(deadline) {
					t.Fatal("a key revoked on the command line still works after one second")
				}
				time.Sleep(50 * time.Millisecond)
			}
			expect("bob's key", bobs, "bob", "4")
			run("user", "archive", "--login", "bob")
			time.Sleep(time.Second)
			expect("archived user's key", bobs, "bob", "False")
			for time.Until(time.Now().Add(3*time.Second)) > 0 {
				if pyAuthenticate(t, srv.URL, "acme", "alice", expiring) == "False" {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			expect("expired key", expiring, "alice", "False")
			expect("good key still", good, "alice", "3")

			list := run("key", "list")
			for _, name := range []string{"laptop", "plugin", "bob's", "odoo.plugin.outlook"} {
				if !strings.Contains(list, name) {
					t.Fatalf("key list lacks %q:\n%s", name, list)
				}
			}
			listJSON := run("key", "list", "--json")
			srv.Stop()
			// The secrets must be nowhere: database files (and WAL), logs,
			// listings.
			haystacks := map[string]string{"server output": srv.Output(), "key list": list, "key list --json": listJSON}
			files, _ := filepath.Glob(filepath.Join(data, "*"))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				haystacks[filepath.Base(f)] = string(b)
			}
			if dialect == "sqlite" && haystacks["okapi.db"] == "" {
				t.Fatal("no database file to search")
			}
			for _, k := range keys {
				for where, text := range haystacks {
					if strings.Contains(text, k) || strings.Contains(text, k[8:]) {
						t.Errorf("a key (or its secret part) was found in %s", where)
					}
				}
			}
		})
	}
}

// TestCommandLine checks the commands' help, errors and exit statuses.
func TestCommandLine(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := runCLI(t, "", "key", "list", "--data", filepath.Join(data, "nope")); code != 1 || !strings.Contains(errs, "no data folder") {
		t.Fatalf("missing data folder: exit %d, %q", code, errs)
	}
	if _, errs, code := runCLI(t, "", "user", "list", "--data", data); code != 1 || !strings.Contains(errs, "start the server once") {
		t.Fatalf("user list before any start: exit %d, %q", code, errs)
	}
	startServer(t, nil, "--data", data).Stop()
	out, errs, code := runCLI(t, "s3cret\n", "user", "create", "--data", data, "--login", "carol", "--password", "-", "--portal")
	if code != 0 || !strings.Contains(out, `Created portal user "carol"`) {
		t.Fatalf("user create: exit %d, %q %q", code, out, errs)
	}
	if out := mustOkapi(t, "user", "list", "--data", data); !strings.Contains(out, "carol") || !strings.Contains(out, "portal") {
		t.Fatalf("user list: %q", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"key", "create", "--data", data, "--login", "carol"}, 2, "--name is required"},
		{[]string{"key", "create", "--data", data, "--login", "nobody", "--name", "x"}, 1, `no user with login "nobody"`},
		{[]string{"key", "create", "--data", data, "--login", "carol", "--name", "x", "--duration", "2d"}, 2, "--duration must be one of"},
		{[]string{"key", "revoke", "--data", data, "--id", "999"}, 1, "no key with id 999"},
		{[]string{"key", "create", "--data", data, "--login", "carol", "--name", "x", "--duration", "7d", "--odoo-version", "16"}, 1, "Keys do not expire in Odoo 16"},
		{[]string{"serve", "--odoo-version", "13", "--data", data}, 2, "unsupported Odoo version 13"},
		{[]string{"user", "frobnicate"}, 2, `unknown command "frobnicate" for "okapi user"`},
		{[]string{"key", "list", "--bogus"}, 2, "unknown flag"},
		{[]string{"key", "create", "--data", data, "--login", "carol", "--name", "x", "--models", "Res Partner"}, 2, "is not a model name"},
		{[]string{"key", "create", "--data", data, "--login", "carol", "--name", "x", "--allow-ip", "10.0.0.0/33"}, 2, "is not an address or a CIDR"},
		{[]string{"key", "create", "--data", data, "--login", "carol", "--name", "x", "--rate", "20"}, 2, "rate \"20\": want calls per second"},
		{[]string{"gateway", "--data", data}, 2, "--upstream and --upstream-db are required"},
		{[]string{"gateway", "--data", data, "--upstream", "http://127.0.0.1:1", "--upstream-db", "prod"}, 1, "is unreachable: connection refused"},
		{[]string{"upstream", "link", "--data", data, "--login", "carol"}, 2, "give the upstream user's Odoo API key on stdin"},
		{[]string{"upstream", "unlink", "--data", data, "--login", "carol"}, 1, "carol has no upstream link"},
	} {
		_, errs, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) || (tc.code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0) {
			t.Errorf("okapi %s: exit %d, stderr %q; want exit %d and one line with %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.msg)
		}
	}
	for _, sub := range [][]string{{}, {"serve"}, {"user", "create"}, {"key", "create"}, {"key", "list"}, {"key", "revoke"}, {"bench"}, {"gateway"}, {"upstream", "link"}, {"upstream", "list"}, {"upstream", "unlink"}} {
		out, _, code := runCLI(t, "", append(sub, "--help")...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("okapi %s --help: exit %d, %q", strings.Join(sub, " "), code, out)
		}
	}
}

// TestReadOnlyKeyPython: `okapi key create --read-only` gives a key that
// Python's xmlrpc.client uses to read, and whose writes come back as
// Fault 4 naming the key as read-only; --read-only with --scope is a usage
// error.
func TestReadOnlyKeyPython(t *testing.T) {
	withServer(t, "17", func(t *testing.T, srv *proctest.Server, store []string, run func(...string) string) {
		run("user", "create", "--login", "alice", "--password", "alice-pass")
		key := strings.TrimSpace(run("key", "create", "--login", "alice", "--name", "Power BI", "--read-only"))
		if list := run("key", "list"); !strings.Contains(list, "rpc.read") {
			t.Fatalf("key list does not show the scope:\n%s", list)
		}
		if _, stderr, code := runCLI(t, "", append([]string{"key", "create", "--login", "alice", "--name", "x", "--read-only", "--scope", "rpc"}, store...)...); code != 2 || !strings.Contains(stderr, "--read-only") {
			t.Fatalf("--read-only with --scope: exit %d, %q", code, stderr)
		}
		cmd := exec.Command("python3", "-c", `
import sys, xmlrpc.client
url, key = sys.argv[1], sys.stdin.read()
uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate("acme", "alice", key, {})
m = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
print("uid", uid)
print("count", m.execute_kw("acme", uid, key, "res.partner", "search_count", [[]]))
print("may create", m.execute_kw("acme", uid, key, "res.partner", "check_access_rights", ["create"], {"raise_exception": False}))
for method, args in (("create", [{"name": "x"}]), ("write", [[1], {"name": "x"}]), ("unlink", [[1]])):
    try:
        m.execute_kw("acme", uid, key, "res.partner", method, args)
        print(method, "done")
    except xmlrpc.client.Fault as f:
        print(method, "fault", f.faultCode, f.faultString.splitlines()[0])
`, srv.URL)
		cmd.Stdin = strings.NewReader(key)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python: %v\n%s", err, out)
		}
		got := string(out)
		for _, want := range []string{"uid 3\n", "may create False\n",
			"create fault 4 This API key is read-only: it may call methods that read (search, read, search_read, fields_get…), not create on res.partner. (rule: read-only)\n",
			"write fault 4 This API key is read-only", "unlink fault 4 This API key is read-only"} {
			if !strings.Contains(got, want) {
				t.Errorf("python printed:\n%s\nwant %q", got, want)
			}
		}
	})
}
