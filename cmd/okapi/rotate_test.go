package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/internal/proctest"
)

// TestKeyRotation rotates keys with `okapi key rotate` while a server runs:
// the new key works at once; the old one keeps working through the overlap
// and no longer, or stops within a second with --overlap 0; an overlap never
// lengthens a key's life; the new key keeps the old one's name, scope and
// duration; the key appears on stdout only, and the rotation in the audit.
func TestKeyRotation(t *testing.T) {
	withServer(t, "18", func(t *testing.T, srv *proctest.Server, store []string, run func(...string) string) {
		run("user", "create", "--login", "alice", "--password", "alice-pass", "--name", "Alice")
		var secrets []string
		keyRE := regexp.MustCompile(`^[0-9a-f]{40}$`)
		rotate := func(args ...string) (key, note string) {
			t.Helper()
			out, errs, code := runCLI(t, "", append(append([]string{"key", "rotate"}, args...), store...)...)
			if code != 0 {
				t.Fatalf("key rotate %v: exit %d: %s", args, code, errs)
			}
			key = strings.TrimSpace(out)
			if !keyRE.MatchString(key) {
				t.Fatalf("key rotate printed %q on stdout, want only the key", out)
			}
			for _, s := range append(secrets, key) {
				if strings.Contains(errs, s) {
					t.Fatalf("key rotate printed a key on stderr: %s", errs)
				}
			}
			secrets = append(secrets, key)
			return key, errs
		}
		works := func(what, key string, want bool) {
			t.Helper()
			w := "False"
			if want {
				w = "3"
			}
			deadline := time.Now().Add(time.Second)
			for {
				got := pyAuthenticate(t, srv.URL, "acme", "alice", key)
				if got == w {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: authenticate = %s, want %s (within a second)", what, got, w)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		type row struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			Scope   string `json:"scope"`
			Expires string `json:"expires"`
		}
		list := func() map[int64]row {
			var rows []row
			if err := json.Unmarshal([]byte(run("key", "list", "--login", "alice", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			m := map[int64]row{}
			for _, r := range rows {
				m[r.ID] = r
			}
			return m
		}
		stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

		first := strings.TrimSpace(run("key", "create", "--login", "alice", "--name", "sync", "--scope", "rpc", "--duration", "30d"))
		secrets = append(secrets, first)
		works("the first key", first, true)

		// Default: a 24 h overlap; the new key has the old one's 30 days.
		before := time.Now().UTC()
		second, note := rotate("--login", "alice", "--name", "sync")
		after := time.Now().UTC()
		if !strings.Contains(note, "works until ") || !strings.Contains(note, `"sync"`) {
			t.Errorf("the rotation note does not say when the old key ends: %q", note)
		}
		works("the new key", second, true)
		works("the old key during the overlap", first, true)
		keys := list()
		if len(keys) != 2 {
			t.Fatalf("after a rotation alice has %d keys, want 2: %v", len(keys), keys)
		}
		var oldRow, newRow row // the new key has the higher id
		for _, r := range keys {
			if oldRow.ID == 0 || r.ID < oldRow.ID {
				oldRow = r
			}
			if r.ID > newRow.ID {
				newRow = r
			}
		}
		if newRow.Name != "sync" || newRow.Scope != "rpc" ||
			(newRow.Expires != stamp(okapi.ExpirationFor(before, 30)) && newRow.Expires != stamp(okapi.ExpirationFor(after, 30))) {
			t.Fatalf("the new key does not keep the name, scope and 30-day duration: %+v", newRow)
		}
		ends, err := time.Parse("2006-01-02 15:04:05", oldRow.Expires)
		if err != nil || ends.Before(before.Add(24*time.Hour-time.Second)) || ends.After(after.Add(24*time.Hour+time.Second)) {
			t.Fatalf("the old key ends at %q, want 24 hours after the rotation (to the second, rounded up)", oldRow.Expires)
		}

		// An overlap never lengthens: the old key's end stays.
		third, _ := rotate("--id", fmt.Sprint(oldRow.ID), "--overlap", "72h")
		if got := list()[oldRow.ID].Expires; got != oldRow.Expires {
			t.Errorf("a longer overlap moved the old key's end from %s to %s", oldRow.Expires, got)
		}
		works("a key made by rotating during an overlap", third, true)

		// --overlap 0: the newest "sync" key stops within a second.
		fourth, note := rotate("--login", "alice", "--name", "sync", "--overlap", "0")
		if !strings.Contains(note, "stops working now") {
			t.Errorf("the note of --overlap 0 is %q", note)
		}
		works("the key rotated with --overlap 0", third, false)
		works("the key made then", fourth, true)
		works("the first key, still in its overlap", first, true)

		// A short overlap ends on time, on the running server. It is long
		// enough for a loaded machine to start the command and Python
		// inside it (CI shares two cores); the old key must work in it and
		// stop within a second of its end (stored to the second).
		rotated := time.Now()
		fifth, _ := rotate("--id", fmt.Sprint(newRow.ID), "--overlap", "8s")
		works("a key in an 8 s overlap", second, true)
		time.Sleep(time.Until(rotated.Add(9 * time.Second)))
		works("a key after its overlap", second, false)
		works("its replacement", fifth, true)

		// A persistent key's replacement is persistent.
		persistent := strings.TrimSpace(run("key", "create", "--login", "alice", "--name", "forever"))
		secrets = append(secrets, persistent)
		sixth, note := rotate("--login", "alice", "--name", "forever", "--overlap", "0")
		if !strings.Contains(note, "persistent") {
			t.Errorf("the replacement of a persistent key is not persistent: %q", note)
		}
		works("a persistent key after rotation", persistent, false)
		works("its replacement", sixth, true)

		// Mistakes are one line and exit 2 or 1.
		if _, errs, code := runCLI(t, "", append([]string{"key", "rotate", "--login", "alice"}, store...)...); code != 2 || !strings.Contains(errs, "give --id, or --login and --name") {
			t.Errorf("rotate without a key: exit %d, %q", code, errs)
		}
		if _, errs, code := runCLI(t, "", append([]string{"key", "rotate", "--id", "9999"}, store...)...); code != 1 || !strings.Contains(errs, "no key with id 9999") {
			t.Errorf("rotate of a missing key: exit %d, %q", code, errs)
		}

		audit := run("audit", "export")
		if n := strings.Count(audit, `"kind":"key.rotated"`); n != 3 {
			t.Errorf("the audit log has %d key.rotated entries, want 3 (the overlaps of 24h, 72h and 8s):\n%s", n, audit)
		}
		srv.Stop()
		for _, s := range secrets {
			if strings.Contains(srv.Output(), s) || strings.Contains(audit, s) {
				t.Errorf("a key is in the server's output or the audit log")
			}
		}
	})
}
