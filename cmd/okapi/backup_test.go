package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"github.com/okapi-erp/okapi/internal/proctest"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/sqlite"
	"github.com/okapi-erp/okapi/storetest"
)

// copyFile copies src to dst, which must not exist.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackup is issue 7's point 5 for backups: `okapi backup` copies the
// database of a running server while clients write to it; the copy, put in
// a new data folder next to the same secret.key, starts a server on which the
// keys made before the backup authenticate (through Python's xmlrpc.client),
// the partners acknowledged before it exist, and what came after is absent.
// The copy passes the integrity check, is readable by its owner only, holds
// no trace of the server secret, and is never overwritten.
func TestBackup(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=" + storetest.AdminPassword}, "--data", data, "--db-name", "acme", "--cooldown-after", "0")
	run := func(args ...string) string {
		t.Helper()
		return strings.TrimSpace(mustOkapi(t, append(args, "--data", data)...))
	}
	run("user", "create", "--login", "alice", "--password", "alice-password")
	var keys []string
	for _, name := range []string{"laptop", "phone", "sync", "plugin"} {
		keys = append(keys, run("key", "create", "--login", "alice", "--name", name))
	}
	revoked := run("key", "create", "--login", "alice", "--name", "old")
	run("key", "revoke", "--login", "alice", "--name", "old")
	adminKey := run("key", "create", "--login", "admin", "--name", "writer")

	// Writers keep the database busy during the backup: partners over
	// JSON-RPC, keys with `okapi key create`.
	var inFlight atomic.Int64
	c := &rpcClient{url: func() string { return srv.URL }, db: "acme", uid: 2, key: adminKey, hc: &http.Client{Timeout: time.Minute}, inFlight: &inFlight}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	type ack struct {
		id int64
		at time.Time
	}
	var mu sync.Mutex
	var partners []ack
	for range 3 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				res, o, msg := c.execute("res.partner", "create", map[string]any{"name": "during backup"})
				if o != acked {
					if ctx.Err() == nil {
						t.Errorf("partner create during the backup: %s", msg)
					}
					return
				}
				var id int64
				json.Unmarshal(res, &id)
				mu.Lock()
				partners = append(partners, ack{id, time.Now()})
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for n := 0; ctx.Err() == nil; n++ {
			// Not runCLI: it may not fail the test from this goroutine.
			if b, err := exec.Command(binary, "key", "create", "--data", data, "--login", "alice", "--name", "busy").CombinedOutput(); err != nil {
				t.Errorf("key create during the backup: %v: %s", err, b)
				return
			}
		}
	})
	time.Sleep(300 * time.Millisecond)

	out := filepath.Join(t.TempDir(), "okapi-backup.db")
	started := time.Now()
	stdout, errs, code := runCLI(t, "", "backup", "--data", data, "--out", out)
	if code != 0 {
		t.Fatalf("okapi backup: exit %d: %s", code, errs)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	after := run("key", "create", "--login", "alice", "--name", "after the backup")
	if !strings.Contains(stdout, "Backed up") || !strings.Contains(stdout, "secret.key") || !strings.Contains(stdout, "not in the backup") {
		t.Errorf("okapi backup printed %q: want the copy and a reminder that secret.key is not in it", stdout)
	}
	if strings.Count(strings.TrimSpace(stdout), "\n") != 1 {
		t.Errorf("okapi backup printed %q: want two lines, the copy and the reminder", stdout)
	}
	mu.Lock()
	var before []any
	for _, p := range partners {
		if p.at.Before(started) {
			before = append(before, p.id)
		}
	}
	written := len(partners)
	mu.Unlock()
	if len(before) == 0 || written == len(before) {
		t.Fatalf("the writers did not overlap the backup: %d partners before it, %d in all", len(before), written)
	}

	// The copy itself.
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode is %v, want -rw-------: it holds key hashes and users' details", st.Mode().Perm())
	}
	if err := sqlite.CheckFile(context.Background(), out); err != nil {
		t.Errorf("the backup: %v", err)
	}
	copied, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	secretText, err := os.ReadFile(filepath.Join(data, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	pepper, err := hex.DecodeString(strings.TrimSpace(string(secretText)))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(copied, bytes.TrimSpace(secretText)) || bytes.Contains(copied, pepper) {
		t.Error("the server secret is in the backup")
	}
	for _, k := range append(keys, revoked, after, adminKey) {
		if bytes.Contains(copied, []byte(k)) || bytes.Contains(copied, []byte(k[8:])) {
			t.Error("a key (or its secret part) is in the backup")
		}
	}

	// Never over an existing file.
	if _, errs, code := runCLI(t, "", "backup", "--data", data, "--out", out); code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("a second backup to the same file: exit %d, %q; want exit 1, already exists", code, errs)
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, copied) {
		t.Error("a refused backup changed the existing file")
	}

	// Restore: the copy as okapi.db, next to the same secret.key.
	restored := t.TempDir()
	copyFile(t, out, filepath.Join(restored, sqlite.FileName))
	copyFile(t, filepath.Join(data, "secret.key"), filepath.Join(restored, "secret.key"))
	srv2 := startServer(t, nil, "--data", restored, "--db-name", "acme", "--cooldown-after", "0")
	for i, k := range keys {
		if got := pyAuthenticate(t, srv2.URL, "acme", "alice", k); got != "3" {
			t.Errorf("key %d made before the backup: authenticate = %s on the restored server, want 3", i, got)
		}
	}
	if got := pyAuthenticate(t, srv2.URL, "acme", "alice", revoked); got != "False" {
		t.Errorf("key revoked before the backup: authenticate = %s on the restored server", got)
	}
	if got := pyAuthenticate(t, srv2.URL, "acme", "alice", after); got != "False" {
		t.Errorf("key made after the backup: authenticate = %s on the restored server", got)
	}
	if got := pyAuthenticate(t, srv2.URL, "acme", "alice", "alice-password"); got != "3" {
		t.Errorf("password on the restored server: authenticate = %s", got)
	}
	c2 := &rpcClient{url: func() string { return srv2.URL }, db: "acme", uid: 2, key: adminKey, hc: http.DefaultClient, inFlight: &inFlight}
	res, o, msg := c2.execute("res.partner", "search_count", []any{[]any{"id", "in", before}})
	if o != acked {
		t.Fatalf("search_count on the restored server: %s", msg)
	}
	if n, _ := json.Marshal(len(before)); string(res) != string(n) {
		t.Errorf("restored server has %s of the %d partners acknowledged before the backup", res, len(before))
	}
	srv2.Stop()
	if err := sqlite.CheckFile(context.Background(), filepath.Join(restored, sqlite.FileName)); err != nil {
		t.Errorf("the restored database after use: %v", err)
	}
	t.Logf("backup of a live database: the %d partners acknowledged before it (of %d written while the server ran) all restored; %d credentials checked on the restored server", len(before), written, len(keys)+4)

	// Without its secret, the copy refuses to serve rather than reject
	// every key.
	bare := t.TempDir()
	copyFile(t, out, filepath.Join(bare, sqlite.FileName))
	tctx, tcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer tcancel()
	cmd := exec.CommandContext(tctx, binary, "serve", "--data", bare, "--addr", proctest.FreeAddr(t))
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "secret") {
		t.Errorf("a server on the backup without its secret.key: %v, %q; want a refusal naming the secret", err, b)
	}
}

// TestBackupCommandLine checks the command's refusals: PostgreSQL gets the
// pg_dump command to use (without the URL's password), and a missing
// database or --out is a clear error.
func TestBackupCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, errs, code := runCLI(t, "", "backup", "--db", "postgres://okapi:hunter2@db.example:5432/okapi?sslmode=require", "--out", filepath.Join(dir, "x"))
	if code != 1 || !strings.Contains(errs, "pg_dump --format=custom --file=okapi.dump 'postgres://okapi@db.example:5432/okapi?sslmode=require'") ||
		strings.Contains(errs, "hunter2") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("backup --db postgres://…: exit %d, %q; want exit 1 and one line with the pg_dump command, without the password", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("backup --db postgres://… wrote a file")
	}
	help, _, _ := runCLI(t, "", "backup", "--help")
	for _, want := range []string{"pg_dump --format=custom", "pg_restore", "secret.key", "never overwritten", "docs/backup.md"} {
		if !strings.Contains(help, want) {
			t.Errorf("backup --help lacks %q", want)
		}
	}
	missing := filepath.Join(dir, "nothing here")
	if _, errs, code := runCLI(t, "", "backup", "--data", missing, "--out", filepath.Join(dir, "y")); code != 1 || !strings.Contains(errs, "no Okapi database") {
		t.Errorf("backup of a missing data folder: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("backup created the missing data folder")
	}
	if _, errs, code := runCLI(t, "", "backup", "--data", dir); code != 2 || !strings.Contains(errs, "--out is required") {
		t.Errorf("backup without --out: exit %d, %q", code, errs)
	}
}

// TestBackupPostgresDocumented runs the pg_dump and pg_restore commands
// docs/backup.md gives, and checks that keys work on the restored database
// with the same secret.
func TestBackupPostgresDocumented(t *testing.T) {
	// PostgresURL skips without PostgreSQL, or fails where CI requires it.
	data, url := t.TempDir(), storetest.PostgresURL(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(storetest.EnvRequirePostgres) == "1" {
				t.Fatalf("%s is required with PostgreSQL but not installed", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=" + storetest.AdminPassword}, "--data", data, "--db", url, "--db-name", "acme")
	mustOkapi(t, "user", "create", "--login", "alice", "--password", "alice-password", "--data", data, "--db", url)
	key := strings.TrimSpace(mustOkapi(t, "key", "create", "--login", "alice", "--name", "laptop", "--data", data, "--db", url))
	dump := filepath.Join(t.TempDir(), "okapi.dump")
	if b, err := exec.Command("pg_dump", "--format=custom", "--file="+dump, url).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, b)
	}
	srv.Stop()
	url2 := storetest.PostgresURL(t)
	if b, err := exec.Command("pg_restore", "--no-owner", "--dbname="+url2, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	restored := t.TempDir()
	copyFile(t, filepath.Join(data, "secret.key"), filepath.Join(restored, "secret.key"))
	srv2 := startServer(t, nil, "--data", restored, "--db", url2, "--db-name", "acme")
	if got := pyAuthenticate(t, srv2.URL, "acme", "alice", key); got != "3" {
		t.Errorf("key on the restored PostgreSQL database: authenticate = %s, want 3", got)
	}
}
