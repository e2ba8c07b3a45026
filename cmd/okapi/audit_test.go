package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/storage"
	"github.com/okapi-erp/okapi/storetest"
)

// auditFields are the fields of every exported line, and nothing else.
var auditFields = []string{"id", "at", "kind", "actor_id", "user_id", "key_id", "key_name", "login", "ip", "detail"}

// parseAudit reads an export strictly: one JSON object per line, each with
// exactly auditFields.
func parseAudit(t *testing.T, out string) []auditLine {
	t.Helper()
	var lines []auditLine
	for i, text := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if text == "" && out == "" {
			break
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &fields); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, text)
		}
		var names []string
		for k := range fields {
			names = append(names, k)
		}
		slices.Sort(names)
		want := slices.Sorted(slices.Values(auditFields))
		if !slices.Equal(names, want) {
			t.Fatalf("line %d has fields %v, want %v", i+1, names, want)
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var l auditLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, text)
		}
		if _, err := time.Parse(time.RFC3339, l.At); err != nil || !strings.HasSuffix(l.At, "Z") {
			t.Fatalf("line %d: at %q is not an RFC 3339 UTC time", i+1, l.At)
		}
		lines = append(lines, l)
	}
	return lines
}

// TestAuditExport is issue 7's point 7 for `okapi audit export`: after key
// creations, uses, failed logins and revocations (from the command line and
// over JSON-RPC) on a real server, the export is JSON lines with the
// documented fields, oldest first; --since keeps exactly the entries at or
// after a time; key creations and revocations are there with their key and
// owner; and no key, password or server secret appears anywhere in it.
func TestAuditExport(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			store := []string{"--data", data}
			if dialect == "postgres" {
				store = append(store, "--db", storetest.PostgresURL(t))
			}
			srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=" + storetest.AdminPassword}, append(store, "--db-name", "acme")...)
			run := func(args ...string) string {
				t.Helper()
				return strings.TrimSpace(mustOkapi(t, append(args, store...)...))
			}
			const password, wrongPassword = "alice-pass-Xq9", "not-alice-pass-Zr4"
			run("user", "create", "--login", "alice", "--password", password)
			laptop := run("key", "create", "--login", "alice", "--name", "laptop")
			phone := run("key", "create", "--login", "alice", "--name", "phone")
			tablet := run("key", "create", "--login", "alice", "--name", "tablet")
			if got := pyAuthenticate(t, srv.URL, "acme", "alice", laptop); got != "3" {
				t.Fatalf("authenticate with a fresh key = %s", got)
			}
			wrongKey := phone[:39] + "0"
			if wrongKey == phone {
				wrongKey = phone[:39] + "1"
			}
			for _, wrong := range []string{wrongPassword, wrongKey} {
				if got := pyAuthenticate(t, srv.URL, "acme", "alice", wrong); got != "False" {
					t.Fatalf("authenticate with a wrong credential = %s", got)
				}
			}
			// While the server runs, too.
			if out := run("audit", "export"); !strings.Contains(out, `"key.created"`) {
				t.Errorf("audit export while the server runs:\n%s", out)
			}
			// The revocations come a second later, so that --since has two
			// seconds to tell apart.
			time.Sleep(1100 * time.Millisecond)
			run("key", "revoke", "--login", "alice", "--name", "phone")
			c := &rpcClient{url: func() string { return srv.URL }, db: "acme", uid: 3, key: laptop, hc: &http.Client{Timeout: time.Minute}, inFlight: new(atomic.Int64)}
			res, o, msg := c.execute("res.users.apikeys", "search", []any{[]any{"name", "=", "tablet"}})
			var ids []int64
			if o != acked || json.Unmarshal(res, &ids) != nil || len(ids) != 1 {
				t.Fatalf("search for the tablet key: %s %s", res, msg)
			}
			if _, o, msg := c.execute("res.users.apikeys", "unlink", []any{ids[0]}); o != acked {
				t.Fatalf("unlink over JSON-RPC: %s", msg)
			}
			srv.Stop() // writes what the server still queues

			out := mustOkapi(t, append([]string{"audit", "export"}, store...)...)
			lines := parseAudit(t, out)
			for i := 1; i < len(lines); i++ {
				a, b := lines[i-1], lines[i]
				if b.At < a.At || b.At == a.At && b.ID < a.ID {
					t.Fatalf("line %d (%s #%d) comes after line %d (%s #%d): want oldest first", i+1, b.At, b.ID, i, a.At, a.ID)
				}
			}
			find := func(kind, keyName string) *auditLine {
				for i := range lines {
					if lines[i].Kind == kind && lines[i].KeyName == keyName {
						return &lines[i]
					}
				}
				t.Errorf("no %s entry for key %q in:\n%s", kind, keyName, out)
				return &auditLine{}
			}
			for _, name := range []string{"laptop", "phone", "tablet"} {
				if e := find(okapi.AuditKeyCreated, name); e.Login != "alice" || e.UserID != 3 || e.KeyID == 0 || e.ActorID != 0 {
					t.Errorf("creation of %s: %+v; want alice's (user 3), made by the operator (0)", name, *e)
				}
			}
			if e := find(okapi.AuditKeyRevoked, "phone"); e.Login != "alice" || e.ActorID != 0 {
				t.Errorf("revocation of phone on the command line: %+v", *e)
			}
			if e := find(okapi.AuditKeyRevoked, "tablet"); e.Login != "alice" || e.ActorID != 3 {
				t.Errorf("revocation of tablet over JSON-RPC by alice: %+v", *e)
			}
			failed := 0
			for _, l := range lines {
				if l.Kind == okapi.AuditLoginFailed && l.Login == "alice" {
					failed++
				}
			}
			if failed != 2 {
				t.Errorf("%d login.failed entries for alice, want 2:\n%s", failed, out)
			}

			// --since keeps exactly the entries at or after the time.
			revokedAt := find(okapi.AuditKeyRevoked, "phone").At
			since := func(from string) []auditLine {
				return parseAudit(t, mustOkapi(t, append([]string{"audit", "export", "--since", from}, store...)...))
			}
			atOrAfter := func(from string) []auditLine {
				var want []auditLine
				for _, l := range lines {
					if l.At >= from {
						want = append(want, l)
					}
				}
				return want
			}
			if got, want := since(revokedAt), atOrAfter(revokedAt); !slices.Equal(got, want) || len(want) == 0 || len(want) == len(lines) {
				t.Errorf("--since %s: %d entries, want the %d of %d at or after it", revokedAt, len(got), len(want), len(lines))
			}
			before, _ := time.Parse(time.RFC3339, revokedAt)
			mid := before.Add(-500 * time.Millisecond).Format(time.RFC3339Nano)
			if got, want := since(mid), atOrAfter(revokedAt); !slices.Equal(got, want) {
				t.Errorf("--since %s (inside a second): %d entries, want %d", mid, len(got), len(want))
			}
			if got := since("2000-01-01"); !slices.Equal(got, lines) {
				t.Errorf("--since 2000-01-01: %d entries, want all %d", len(got), len(lines))
			}
			if got := since(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(got) != 0 {
				t.Errorf("--since in an hour: %d entries, want none", len(got))
			}
			if _, errs, code := runCLI(t, "", append([]string{"audit", "export", "--since", "last week"}, store...)...); code != 2 || !strings.Contains(errs, "--since must be") {
				t.Errorf("--since 'last week': exit %d, %q", code, errs)
			}

			// --out: the same lines, owner-only, never overwritten.
			file := filepath.Join(t.TempDir(), "audit.jsonl")
			stdout := mustOkapi(t, append([]string{"audit", "export", "--out", file}, store...)...)
			written, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if string(written) != out || !strings.Contains(stdout, "Exported ") {
				t.Errorf("--out wrote %d bytes (want the %d of stdout) and printed %q", len(written), len(out), stdout)
			}
			if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
				t.Errorf("--out file mode %v, want -rw-------", st.Mode().Perm())
			}
			if _, errs, code := runCLI(t, "", append([]string{"audit", "export", "--out", file}, store...)...); code != 1 || !strings.Contains(errs, "already exists") {
				t.Errorf("--out over an existing file: exit %d, %q", code, errs)
			}

			// Never a secret.
			secrets := map[string]string{"laptop key": laptop, "phone key": phone, "tablet key": tablet,
				"laptop key's secret part": laptop[8:], "phone key's secret part": phone[8:], "tablet key's secret part": tablet[8:],
				"alice's password": password, "the wrong password tried": wrongPassword}
			if dialect == "sqlite" {
				pepper, err := os.ReadFile(filepath.Join(data, "secret.key"))
				if err != nil {
					t.Fatal(err)
				}
				secrets["the server secret"] = strings.TrimSpace(string(pepper))
			}
			for what, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s is in the audit export", what)
				}
			}
			t.Logf("%s: %d entries exported and checked (kinds and order), --since filters, no secret among %d searched", dialect, len(lines), len(secrets))
		})
	}
}

// TestAuditExportStreams checks that the export holds one entry at a time:
// a log bigger than the limit exports within it.
func TestAuditExportStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large audit log")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs Linux's /proc to read a process's peak memory")
	}
	t.Parallel()
	const rows, detail = 200_000, 400
	data := t.TempDir()
	o, err := storage.Open(context.Background(), storage.Options{DataDir: data, AdminPassword: storetest.AdminPassword})
	if err != nil {
		t.Fatal(err)
	}
	// One statement writes them all: a loop here would take longer than
	// the export.
	_, err = o.Store.DB().W.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO audit_log (at, kind, actor_id, user_id, key_id, key_name, login, ip, detail)
		SELECT datetime('2026-01-01', '+' || (i / 10) || ' seconds'), 'login.failed', NULL, 3, i, 'key ' || i, 'alice', '192.0.2.7', printf('%.*c', ?, 'x')
		FROM n`, rows, detail)
	o.Store.Close()
	if err != nil {
		t.Fatal(err)
	}

	// The peak is read from /proc while the export runs: the rusage of a
	// finished child also counts the memory of the (race-enabled, large)
	// test process that started it.
	cmd := exec.Command(binary, "audit", "export", "--data", data)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var n, size, peak, prevID int64
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		n++
		size += int64(len(sc.Bytes())) + 1
		if n%1000 == 0 {
			peak = max(peak, vmHWM(cmd.Process.Pid))
			var l auditLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.ID <= prevID || len(l.Detail) != detail {
				t.Fatalf("line %d: %v %.200s", n, err, sc.Bytes())
			}
			prevID = l.ID
		}
	}
	io.Copy(io.Discard, pipe)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("audit export: %v: %s", err, errb.String())
	}
	if n < rows {
		t.Fatalf("exported %d lines, want at least %d", n, rows)
	}
	// A process that held the log, or even its lines, would need more than
	// the output's size; the binary itself needs about 30 MB.
	const limit = 96 << 20
	if size <= limit || peak == 0 {
		t.Fatalf("the test proves nothing: %d MB exported, peak memory read as %d MB", size>>20, peak>>20)
	}
	t.Logf("exported %d entries, %d MB, with a peak memory of %d MB", n, size>>20, peak>>20)
	if peak > limit {
		t.Errorf("exporting %d MB of audit log took %d MB of memory (limit %d MB): the export does not stream", size>>20, peak>>20, limit>>20)
	}
}

// vmHWM returns the peak resident memory of a running process, in bytes.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0 // it has just exited
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			return kb << 10
		}
	}
	return 0
}

// TestAuditCommandLine checks the command's help and refusals.
func TestAuditCommandLine(t *testing.T) {
	t.Parallel()
	help, _, code := runCLI(t, "", "audit", "export", "--help")
	for _, want := range append([]string{"Usage:", "--since", "--out", "oldest first"}, auditFields...) {
		if code != 0 || !strings.Contains(help, want) {
			t.Errorf("audit export --help (exit %d) lacks %q", code, want)
		}
	}
	missing := filepath.Join(t.TempDir(), "nothing here")
	if _, errs, code := runCLI(t, "", "audit", "export", "--data", missing); code != 1 || !strings.Contains(errs, "no Okapi database") {
		t.Errorf("audit export of a missing data folder: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("audit export created the missing data folder")
	}
}
