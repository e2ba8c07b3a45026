package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/internal/proctest"
)

// TestUser2FA: `okapi user 2fa` against a running server on each
// database: --enable prints an otpauth:// address an app reads, the
// server then refuses the password over RPC and keeps taking the key,
// `okapi connect` says why the password is refused and where the key
// button is, and --disable brings the password back.
func TestUser2FA(t *testing.T) {
	withServer(t, "17", func(t *testing.T, srv *proctest.Server, store []string, run func(...string) string) {
		ctx := context.Background()
		run("user", "create", "--login", "alice", "--password", "alice-pass", "--name", "Alice")
		key := strings.TrimSpace(run("key", "create", "--login", "alice", "--name", "laptop"))
		out := run("user", "2fa", "--login", "alice", "--enable")
		k, err := otp.NewKeyFromURL(strings.TrimSpace(out))
		if err != nil || k.Type() != "totp" || k.AccountName() != "alice" || len(k.Secret()) != 32 {
			t.Fatalf("--enable printed %q (%v)", out, err)
		}
		if _, errs, code := runCLI(t, "", append([]string{"user", "2fa", "--login", "alice", "--enable"}, store...)...); code != 1 ||
			!strings.Contains(errs, "Two-factor authentication already enabled") {
			t.Errorf("--enable twice: exit %d, %q", code, errs)
		}
		if _, errs, code := runCLI(t, "", "user", "2fa", "--login", "alice"); code != 2 || !strings.Contains(errs, "--enable and --disable") {
			t.Errorf("neither flag: exit %d, %q", code, errs)
		}
		auth := func(secret string) any {
			c, _ := client.New(client.Config{URL: srv.URL, DB: "acme", Login: "alice", Key: secret, Protocol: client.XMLRPC})
			v, err := c.Call(ctx, "common", "authenticate", "acme", "alice", secret, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		waitUntil(t, func() bool { refused := auth("alice-pass") == false; auth(key); return refused }, "the server to refuse the password")
		if uid := auth(key); uid == false {
			t.Fatal("the key is refused with 2FA on")
		}

		pw := filepath.Join(t.TempDir(), "pw")
		os.WriteFile(pw, []byte("alice-pass\n"), 0o600)
		stdout, _, code := runCLI(t, "", "connect", srv.URL, "--db", "acme", "--login", "alice", "--key-file", pw)
		if code == 0 || !strings.Contains(stdout, "password refused because 2FA is on: use an API key") ||
			!strings.Contains(stdout, "My Profile → Account Security → New API Key") {
			t.Errorf("connect with the password of a 2FA user: exit %d\n%s", code, stdout)
		}

		if out := run("user", "2fa", "--login", "alice", "--disable"); !strings.Contains(out, "is off") {
			t.Errorf("--disable said %q", out)
		}
		// Each refusal counts towards the cooldown; the key's success
		// between tries clears the count, as a person's tool would.
		waitUntil(t, func() bool { ok := auth("alice-pass") != false; auth(key); return ok }, "the password to work again")
	})
}

// waitFor polls cond for the change feed's few hundred milliseconds.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for range 100 {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
