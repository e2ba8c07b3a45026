package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/okapi-erp/okapi/internal/proctest"
)

// The command line's conventions, as gh and kubectl keep them: exit status
// 2 for a mistake in the command line (an unknown subcommand at any level,
// a flag value that cannot be right), 1 for a failure, and errors that name
// what they are about. Every test runs the real binary.

// commandPaths lists the commands of the tree, each as its words after
// "okapi"; groups are the ones holding subcommands.
func commandPaths() (all, groups [][]string, flagged map[string][][]string) {
	flagged = map[string][][]string{}
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		all = append(all, path)
		if c.HasSubCommands() {
			groups = append(groups, path)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { flagged[f.Name] = append(flagged[f.Name], path) })
		for _, sub := range c.Commands() {
			walk(sub, append(path[:len(path):len(path)], sub.Name()))
		}
	}
	walk(newRootCmd(), nil)
	return all, groups, flagged
}

// TestUnknownSubcommand: "okapi key lst" is a mistake at every level of
// the tree, not a help page with exit status 0; a group alone prints its
// help and succeeds.
func TestUnknownSubcommand(t *testing.T) {
	t.Parallel()
	_, groups, _ := commandPaths()
	seen := map[string]bool{}
	for _, g := range groups {
		seen[strings.Join(g, " ")] = true
		name := "okapi " + strings.Join(g, " ")
		out, errs, code := runCLI(t, "", append(g, "lst")...)
		if code != exitUsage || !strings.Contains(errs, `unknown command "lst" for "`+strings.TrimSpace(name)+`"`) || out != "" {
			t.Errorf("%s lst: exit %d, stdout %q, stderr %q; want exit 2 and unknown command on stderr alone", name, code, out, errs)
		}
		out, errs, code = runCLI(t, "", g...)
		if code != exitOK || !strings.Contains(out, "Available Commands:") || errs != "" {
			t.Errorf("%s: exit %d, stderr %q; want its help and exit 0:\n%s", name, code, errs, out)
		}
	}
	for _, want := range []string{"", "key", "user", "audit", "completion"} {
		if !seen[want] {
			t.Errorf("the group %q was not found in the command tree", want)
		}
	}
	_, errs, _ := runCLI(t, "", "key", "lst")
	if !strings.Contains(errs, `did you mean "list"?`) {
		t.Errorf("okapi key lst: no suggestion: %q", errs)
	}
	if _, errs, code := runCLI(t, "", "serve", "now"); code != exitUsage || !strings.Contains(errs, `unknown command "now" for "okapi serve"`) {
		t.Errorf("okapi serve now: exit %d, %q", code, errs)
	}
}

// TestInvalidFlagValue: a value no command could accept exits 2 in every
// command, before anything is opened, created or started.
func TestInvalidFlagValue(t *testing.T) {
	t.Parallel()
	_, _, flagged := commandPaths()
	type call struct {
		args []string
		want string
	}
	var calls []call
	for _, path := range flagged["odoo-version"] {
		for _, v := range []string{"20", "13", "x"} {
			calls = append(calls, call{append(append([]string{}, path...), "--odoo-version", v), `invalid argument "` + v + `" for "--odoo-version" flag`})
		}
	}
	if len(calls) < 6*3 {
		t.Fatalf("only %d commands take --odoo-version", len(calls)/3)
	}
	calls = append(calls,
		call{[]string{"serve", "--log-format", "xml"}, `--log-format must be text or json, not "xml"`},
		call{[]string{"serve", "--rpc", "soap"}, `--rpc must be "all" or "json2", not "soap"`},
		call{[]string{"serve", "--log-level", "loud"}, "--log-level"},
		call{[]string{"serve", "--sqlite-synchronous", "sometimes"}, `--sqlite-synchronous must be NORMAL or FULL`},
		call{[]string{"serve", "--addr", "127.0.0.1:8069", "--cooldown", "soon"}, `invalid argument "soon" for "--cooldown" flag`},
		call{[]string{"serve", "--trusted-proxy", "10.0.0.0/33"}, "--trusted-proxy 10.0.0.0/33"},
		call{[]string{"key", "create", "--login", "alice", "--name", "x", "--duration", "2d"}, "--duration must be one of"},
		call{[]string{"key", "create", "--login", "alice", "--name", "x", "--expires", "tomorrow"}, "--expires must be an RFC 3339 time"},
		call{[]string{"key", "create", "--name", "x"}, `required flag(s) "login" not set`},
		call{[]string{"user", "archive"}, `required flag(s) "login" not set`},
		call{[]string{"audit", "export", "--since", "last week"}, "--since must be"},
		call{[]string{"bench", "http://127.0.0.1:1", "--call", "write", "--key-file", "k"}, `bench: unknown call "write"`},
		call{[]string{"bench", "http://127.0.0.1:1", "--call", "json2", "-c", "-1", "--key-file", "k"}, "bench: concurrency -1 out of range"},
		call{[]string{"bench", "ftp://127.0.0.1:1", "--call", "json2", "--key-file", "k"}, "scheme must be http or https"},
		call{[]string{"bench", "http://127.0.0.1:1", "--call", "json2", "--key", strings.Repeat("a", 40)}, `--key only accepts "-"`},
	)
	dir := t.TempDir()
	for _, c := range calls {
		out, errs, code := runInDir(t, dir, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("okapi %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
		if strings.Count(strings.TrimSpace(errs), "\n") > 0 || out != "" {
			t.Errorf("okapi %s: more than one line of error: stdout %q, stderr %q", strings.Join(c.args, " "), out, errs)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused command line left files behind: %v", entries)
	}
}

// TestErrorsNamePaths: a data folder that cannot be used is named in the
// error, and a command that finds no database there leaves the folder as
// it was (it does not create the server secret in it).
func TestErrorsNamePaths(t *testing.T) {
	t.Parallel()
	empty := t.TempDir() // a folder, but no Okapi database in it
	missing := filepath.Join(t.TempDir(), "nowhere")
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"key", "list", "--data", empty}, "no Okapi database in " + empty + " (no okapi.db there): start the server once (okapi serve --data " + empty + ")"},
		{[]string{"user", "create", "--login", "alice", "--data", empty}, "no Okapi database in " + empty},
		{[]string{"audit", "export", "--data", empty}, "no Okapi database in " + empty},
		{[]string{"backup", "--out", filepath.Join(t.TempDir(), "b.db"), "--data", empty}, "no Okapi database in " + empty},
		{[]string{"key", "list", "--data", missing}, "no data folder at " + missing},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data", file}, "data folder " + file + " is a file, not a folder"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(file, "sub")}, "cannot create the data folder " + filepath.Join(file, "sub") + ": not a directory"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data", "/proc/nope"}, "cannot create the data folder /proc/nope: "},
	} {
		_, errs, code := runCLI(t, "", c.args...)
		if code != exitError || !strings.Contains(errs, c.want) {
			t.Errorf("okapi %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("commands that found no database wrote into %s: %v", empty, entries)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("key list created %s", missing)
	}
}

// TestKeyCreateExpiry: a date already past is refused (the key would be
// dead when printed, and Odoo refuses it too); an expired key is marked in
// "key list"; the help says the default duration of each profile; a second
// key of the same name warns on stderr and is still made.
func TestKeyCreateExpiry(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	startServer(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, "--data", data)
	run := func(args ...string) string { return mustOkapi(t, append(args, "--data", data)...) }
	run("user", "create", "--login", "alice", "--password", "alice-pass")

	for _, past := range []string{"2024-06-01T00:00:00Z", time.Now().Add(-time.Second).UTC().Format(time.RFC3339)} {
		out, errs, code := runCLI(t, "", "key", "create", "--data", data, "--login", "alice", "--name", "dead", "--expires", past)
		if code != exitUsage || out != "" || !strings.Contains(errs, "--expires "+past+" is not in the future: the key would never work") {
			t.Errorf("key create --expires %s: exit %d, stdout %q, stderr %q", past, code, out, errs)
		}
		_, errs, code = runCLI(t, "", "key", "rotate", "--data", data, "--login", "alice", "--name", "dead", "--expires", past)
		if code != exitUsage || !strings.Contains(errs, "is not in the future") {
			t.Errorf("key rotate --expires %s: exit %d, stderr %q", past, code, errs)
		}
	}
	if strings.Contains(run("key", "list"), "dead") {
		t.Fatal("a refused key was created")
	}

	soon := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
	run("key", "create", "--login", "alice", "--name", "short", "--expires", soon.Format(time.RFC3339))
	run("key", "create", "--login", "alice", "--name", "long", "--duration", "90d")
	if l := run("key", "list"); strings.Contains(l, "EXPIRED") {
		t.Fatalf("a key is marked expired before its time:\n%s", l)
	}
	time.Sleep(time.Until(soon) + 100*time.Millisecond)
	list := run("key", "list")
	if !regexp.MustCompile(`short\s+alice\s+-\s+-\s+\S+ \S+\s+` + regexp.QuoteMeta(stamp(soon)) + ` EXPIRED`).MatchString(list) {
		t.Errorf("the expired key is not marked:\n%s", list)
	}
	if regexp.MustCompile(`long.*EXPIRED`).MatchString(list) {
		t.Errorf("a live key is marked expired:\n%s", list)
	}
	var rows []struct {
		Name    string `json:"name"`
		Expired bool   `json:"expired"`
	}
	if err := json.Unmarshal([]byte(run("key", "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Expired != (r.Name == "short") {
			t.Errorf("key list --json: %q expired = %v", r.Name, r.Expired)
		}
	}

	// Same name: made, with a warning naming both ids.
	out, errs, code := runCLI(t, "", "key", "create", "--data", data, "--login", "alice", "--name", "long")
	if code != exitOK || !regexp.MustCompile(`^[0-9a-f]{40}\n$`).MatchString(out) {
		t.Fatalf("second key named long: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !regexp.MustCompile(`^okapi: warning: alice now has 2 keys named "long" \(ids \d+, \d+\): revoke or rotate one with --id\n$`).MatchString(errs) {
		t.Errorf("second key named long: stderr %q, want one warning line", errs)
	}
	if _, errs, _ := runCLI(t, "", "key", "create", "--data", data, "--login", "alice", "--name", "other"); errs != "" {
		t.Errorf("a key with a new name warned: %q", errs)
	}

	help := mustOkapi(t, "key", "create", "--help")
	for _, want := range []string{"14 to 17  keys never expire", "18, 19", "Without either the key is persistent"} {
		if !strings.Contains(help, want) {
			t.Errorf("key create --help lacks %q:\n%s", want, help)
		}
	}
}

// TestConnectSaysFailureOnce: the report (or the JSON) tells the failure;
// stderr does not repeat it.
func TestConnectSaysFailureOnce(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 20)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--json"}} {
		args := append([]string{"connect", "http://" + closed, "--db", "acme", "--login", "alice", "--key-file", keyFile}, extra...)
		out, errs, code := runCLI(t, "", args...)
		if code != 3 {
			t.Fatalf("%v: exit %d\n%s%s", extra, code, out, errs)
		}
		if n := strings.Count(out+errs, "nothing listens on "+closed); n != 2 && extra == nil || n != 1 && extra != nil {
			// Text: once in its step, once in the closing "Failed:" line.
			t.Errorf("%v: the failure is told %d times:\nstdout:\n%s\nstderr:\n%s", extra, n, out, errs)
		}
		if errs != "" {
			t.Errorf("%v: stderr repeats the report: %q", extra, errs)
		}
	}
}

// runInDir runs okapi in dir and returns stdout, stderr and the exit status.
func runInDir(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	return proctest.RunIn(t, binary, dir, "", args...)
}

// TestServeStopsGracefully: on SIGTERM (what systemd, Docker and
// Kubernetes send) the server says it is stopping, takes no new
// connection, finishes a request in flight — here a client still sending
// its body — then says it has stopped and exits 0.
func TestServeStopsGracefully(t *testing.T) {
	t.Parallel()
	srv := proctest.Start(t, binary, "", []string{"OKAPI_ADMIN_PASSWORD=admin"}, "http", "--data", t.TempDir())
	body := `<?xml version="1.0"?><methodCall><methodName>version</methodName><params></params></methodCall>`
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /xmlrpc/2/common HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", srv.Addr, len(body), body[:half])
	time.Sleep(200 * time.Millisecond) // the server has the request's headers: it is in flight

	if err := syscall.Kill(srv.PID(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv, "stopping: finishing the requests in flight")
	if c, err := net.DialTimeout("tcp", srv.Addr, time.Second); err == nil {
		c.Close()
		t.Error("a stopping server accepted a new connection")
	}
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(srv.Output(), "msg=stopped") {
		t.Fatalf("the server said it stopped with a request in flight:\n%s", srv.Output())
	}

	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, srv.Output())
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), "server_version") {
		t.Fatalf("the request in flight got HTTP %d: %s", resp.StatusCode, answer)
	}
	if code := srv.Wait(15 * time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM:\n%s", code, srv.Output())
	}
	out := srv.Output()
	if !regexp.MustCompile(`(?s)stopping: finishing the requests in flight.*level=INFO msg=stopped after=`).MatchString(out) {
		t.Errorf("the server did not say it stopped, after saying it was stopping:\n%s", out)
	}
}

// waitFor waits up to 10 s for the server to write want.
func waitFor(t *testing.T, srv *proctest.Server, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srv.Output(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not write %q:\n%s", want, srv.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
