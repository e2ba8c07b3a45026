package hardening

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/storetest"
)

// The brute-force tests use a short cooldown so that they can wait it out:
// three failures, then three seconds.
var testCooldown = auth.Cooldown{After: 3, Duration: 3 * time.Second, PerLogin: true}

// outcome of presenting the right credential.
type outcome int

const (
	accepted outcome = iota
	// refused: the answer a cooldown gives on this path.
	refused
)

// guardedPath is one place where a credential is presented. fail presents
// a wrong one and checks the ordinary refusal; right presents the right
// password and reports whether it was accepted or refused with the path's
// cooldown answer (anything else fails the test); key, on paths that take
// API keys, presents the right key and reports whether it was accepted.
// JSON-2 takes keys alone: its right is nil.
type guardedPath struct {
	name string
	// metric is the path label of okapi_credential_checks_total, "" when
	// the path has none.
	metric string
	fail   func()
	right  func() outcome
	key    func() bool
}

// guardedPaths builds every path where Okapi checks a credential, each for
// its own user and from its own client address (all under prefix).
func guardedPaths(t *testing.T, n *node, prefix string) []guardedPath {
	v := n.opts.version
	var paths []guardedPath
	add := func(name, metric string, mk func(u user, ip string) (func(), func() outcome, func() bool)) {
		u := n.addUser(strings.ReplaceAll(name, " ", "_"))
		ip := fmt.Sprintf("%s.%d", prefix, len(paths)+1)
		fail, right, key := mk(u, ip)
		paths = append(paths, guardedPath{name: name, metric: metric, fail: fail, right: right, key: key})
	}
	add("web login", auth.PathWebLogin, func(u user, ip string) (func(), func() outcome, func() bool) {
		// A new browser each time: a logged-in one is sent past the form.
		return func() {
				if a := n.browser(ip).tryLogin(u.login, "wrong-password"); a.status != http.StatusOK || !strings.Contains(a.body, "Wrong login/password") {
					t.Fatalf("web login with a wrong password: %d\n%s", a.status, a.body)
				}
			}, func() outcome {
				a := n.browser(ip).tryLogin(u.login, u.password)
				switch {
				case a.status == http.StatusSeeOther:
					return accepted
				case a.status == http.StatusOK && strings.Contains(a.body, okapi.MsgCooldown):
					return refused
				}
				t.Fatalf("web login with the right password: %d\n%s", a.status, a.body)
				return 0
			}, nil
	})
	add("identity check", "", func(u user, ip string) (func(), func() outcome, func() bool) {
		b := n.browser(ip)
		b.login(u.login, u.password)
		return func() {
				if a := b.identity(v, "wrong-password"); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "Incorrect Password") {
					t.Fatalf("identity check with a wrong password: %d\n%s", a.status, a.body)
				}
			}, func() outcome {
				a := b.identity(v, u.password)
				switch {
				case a.status == http.StatusSeeOther:
					return accepted
				case a.status == http.StatusUnprocessableEntity && strings.Contains(a.body, okapi.MsgCooldown):
					return refused
				}
				t.Fatalf("identity check with the right password: %d\n%s", a.status, a.body)
				return 0
			}, nil
	})
	add("xmlrpc authenticate", auth.PathAuthenticate, func(u user, ip string) (func(), func() outcome, func() bool) {
		return func() {
				if uid := n.authenticate(ip, u.login, "wrong-password"); uid != 0 {
					t.Fatalf("authenticate with a wrong password gave uid %d", uid)
				}
			}, func() outcome {
				// Odoo answers false during a cooldown, as for a wrong
				// password: with the right one, false can only be the
				// cooldown.
				switch uid := n.authenticate(ip, u.login, u.password); uid {
				case u.id:
					return accepted
				case 0:
					return refused
				default:
					t.Fatalf("authenticate gave uid %d, want %d", uid, u.id)
				}
				return 0
			}, func() bool { return n.authenticate(ip, u.login, u.key) == u.id }
	})
	add("xmlrpc execute_kw", auth.PathExecute, func(u user, ip string) (func(), func() outcome, func() bool) {
		return func() {
				if _, f := n.searchCount(ip, u.id, "wrong-password"); f == nil || f.Code != int64(3) || f.String != "Access Denied" {
					t.Fatalf("execute_kw with a wrong password: fault %v", f)
				}
			}, func() outcome {
				_, f := n.searchCount(ip, u.id, u.password)
				switch {
				case f == nil:
					return accepted
				case f.Code == int64(3) && f.String == okapi.MsgCooldown:
					return refused
				}
				t.Fatalf("execute_kw with the right password: fault %v", f)
				return 0
			}, func() bool {
				_, f := n.searchCount(ip, u.id, u.key)
				return f == nil
			}
	})
	add("jsonrpc authenticate", auth.PathAuthenticate, func(u user, ip string) (func(), func() outcome, func() bool) {
		auth := func(secret string) jsonRPCAnswer {
			return n.jsonRPC(ip, "common", "authenticate", dbName, u.login, secret, map[string]any{})
		}
		return func() {
				if a := auth("wrong-password"); a.Error != nil || a.Result != false {
					t.Fatalf("/jsonrpc authenticate with a wrong password: %+v", a)
				}
			}, func() outcome {
				a := auth(u.password)
				switch {
				case a.Error == nil && a.Result == float64(u.id):
					return accepted
				case a.Error == nil && a.Result == false:
					return refused
				}
				t.Fatalf("/jsonrpc authenticate with the right password: %+v", a)
				return 0
			}, func() bool {
				a := auth(u.key)
				return a.Error == nil && a.Result == float64(u.id)
			}
	})
	add("jsonrpc execute_kw", auth.PathExecute, func(u user, ip string) (func(), func() outcome, func() bool) {
		call := func(secret string) jsonRPCAnswer {
			return n.jsonRPC(ip, "object", "execute_kw", dbName, u.id, secret, "res.partner", "search_count", []any{[]any{}})
		}
		return func() {
				if a := call("wrong-password"); a.Error == nil || a.Error.Data.Name != string(okapi.EAccessDenied) || a.Error.Data.Message != "Access Denied" {
					t.Fatalf("/jsonrpc execute_kw with a wrong password: %+v", a)
				}
			}, func() outcome {
				a := call(u.password)
				switch {
				case a.Error == nil:
					return accepted
				case a.Error.Data.Name == string(okapi.EAccessDenied) && a.Error.Data.Message == okapi.MsgCooldown:
					return refused
				}
				t.Fatalf("/jsonrpc execute_kw with the right password: %+v", a.Error)
				return 0
			}, func() bool { return call(u.key).Error == nil }
	})
	add("json2", auth.PathBearer, func(u user, ip string) (func(), func() outcome, func() bool) {
		return func() {
				if a := n.json2(ip, wrongKey(), "res.partner", "search_count", []byte(`{"domain": []}`)); a.status != http.StatusUnauthorized {
					t.Fatalf("JSON-2 with a wrong key: %d %s", a.status, a.body)
				}
			}, nil, func() bool {
				a := n.json2(ip, u.key, "res.partner", "search_count", []byte(`{"domain": []}`))
				return a.status == http.StatusOK
			}
	})
	add("session authenticate", auth.PathWebLogin, func(u user, ip string) (func(), func() outcome, func() bool) {
		call := func(password string) jsonRPCAnswer {
			body := fmt.Sprintf(`{"jsonrpc": "2.0", "method": "call", "params": {"db": %q, "login": %q, "password": %q}}`, dbName, u.login, password)
			return n.jsonRoute(ip, "/web/session/authenticate", []byte(body))
		}
		return func() {
				if a := call("wrong-password"); a.Error == nil || a.Error.Data.Message != "Access Denied" {
					t.Fatalf("/web/session/authenticate with a wrong password: %+v", a)
				}
			}, func() outcome {
				a := call(u.password)
				switch {
				case a.Error == nil:
					return accepted
				case a.Error.Data.Name == string(okapi.EAccessDenied) && a.Error.Data.Message == okapi.MsgCooldown:
					return refused
				}
				t.Fatalf("/web/session/authenticate with the right password: %+v", a.Error)
				return 0
			}, nil
	})
	return paths
}

// TestBruteForceEveryPath fails three times on every path where a
// credential is checked, then shows the right password refused there with
// the answer Odoo gives on that path during its cooldown, without being
// checked (the metrics count a cooldown refusal and no check), the right
// API key accepted on every path that takes keys (a cooldown never refuses
// a correct key), and the password accepted again once the cooldown is
// over. It runs a 3 s cooldown so that it can wait it out;
// TestNoLockoutOfValidKeys attacks a server with the default flags.
func TestBruteForceEveryPath(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{cooldown: testCooldown, trusted: []string{"127.0.0.1/32"}})
			paths := guardedPaths(t, n, "10.1.0")
			for _, p := range paths {
				if p.right != nil && p.right() != accepted {
					t.Fatalf("%s: the right password is refused before any failure", p.name)
				}
				if p.key != nil && !p.key() {
					t.Fatalf("%s: the right key is refused before any failure", p.name)
				}
			}
			labels := []string{auth.PathAuthenticate, auth.PathExecute, auth.PathBearer, auth.PathWebLogin}
			before := map[string]float64{}
			for _, l := range labels {
				for _, o := range []string{"ok", "password", "cooldown"} {
					before[checks(l, o)] = n.metric(checks(l, o))
				}
			}
			// Every path at once: three failures, then the right password
			// at once, well within the cooldown.
			var mu sync.Mutex
			lastFailure := time.Now()
			parallel(paths, func(p guardedPath) {
				for i := 0; i < testCooldown.After; i++ {
					p.fail()
				}
				failed := time.Now()
				if p.right == nil {
					return
				}
				got := p.right()
				mu.Lock()
				defer mu.Unlock()
				if failed.After(lastFailure) {
					lastFailure = failed
				}
				if took := time.Since(failed); took >= testCooldown.Duration {
					t.Errorf("%s: the machine is too slow for the test: %v between the last failure and the next attempt", p.name, took)
				} else if got != refused {
					t.Errorf("%s: the right password was accepted after %d failures", p.name, testCooldown.After)
				}
			})
			// Refused without evaluation: the right password, had it been
			// checked, would have been accepted (password); instead each
			// refusal is counted as a cooldown.
			wantCooldowns := map[string]float64{}
			for _, p := range paths {
				if p.metric != "" && p.right != nil {
					wantCooldowns[p.metric]++
				}
			}
			for _, l := range labels {
				for _, o := range []string{"ok", "password", "cooldown"} {
					want := 0.0
					if o == "cooldown" {
						want = wantCooldowns[l]
					}
					if d := n.metric(checks(l, o)) - before[checks(l, o)]; d != want {
						t.Errorf("during the cooldown, %s moved by %v, want %v", checks(l, o), d, want)
					}
				}
			}
			// The right key, from the same address, still within the
			// cooldown: accepted on every path that takes keys.
			for _, p := range paths {
				if p.key != nil && !p.key() {
					t.Errorf("%s: the right key was refused during its address's cooldown", p.name)
				}
			}

			// Over: the right password works again on every path, within
			// the cooldown plus the time to share counts (one poll).
			time.Sleep(time.Until(lastFailure.Add(testCooldown.Duration)))
			for _, p := range paths {
				if p.right != nil {
					eventually(t, time.Second, p.name+" accepted after the cooldown", func() bool { return p.right() == accepted })
				}
			}
		})
	}
}

// parallel runs fn for each path at once and waits for all.
func parallel(paths []guardedPath, fn func(guardedPath)) {
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(p)
		}()
	}
	wg.Wait()
}

// TestCooldownCounting shows that password failures are counted per
// client address and per login; that the per-login count holds back only
// addresses that never logged in as the login, and never a key; that a
// client's own successes do not wipe a login's count; that 0 turns the
// cooldown off; and that X-Forwarded-For is believed only from a trusted
// proxy.
func TestCooldownCounting(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			proxied := startNode(t, dialect, nodeOptions{cooldown: testCooldown, trusted: []string{"127.0.0.1/32"}})
			users := map[string]user{}
			for _, l := range []string{"a1", "a2", "a3", "a4", "l1", "l2", "own", "victim", "spoof"} {
				users[l] = proxied.addUser(l)
			}
			n := proxied
			ok := func(ip, login string) bool {
				return n.authenticate(ip, login, users[login].password) == users[login].id
			}
			keyOK := func(ip, login string) bool { return n.authenticate(ip, login, users[login].key) == users[login].id }

			t.Run("per address", func(t *testing.T) {
				// One failure for each of three logins from one address.
				for _, l := range []string{"a1", "a2", "a3"} {
					n.authenticate("10.2.0.1", l, "wrong-password")
				}
				if ok("10.2.0.1", "a4") {
					t.Error("an address with 3 failures may still log in with a password (as another user)")
				}
				if !keyOK("10.2.0.1", "a4") {
					t.Error("an address with 3 failures is refused a correct key")
				}
				if !ok("10.2.0.2", "a4") || !ok("10.2.0.3", "a1") {
					t.Error("other addresses are blocked by one address's failures")
				}
			})
			t.Run("per login", func(t *testing.T) {
				// l1 logged in from 10.3.0.50 before; then one failure from
				// each of three addresses.
				if !ok("10.3.0.50", "l1") {
					t.Fatal("l1 cannot log in")
				}
				for i := 1; i <= 3; i++ {
					n.authenticate(fmt.Sprintf("10.3.0.%d", i), "l1", "wrong-password")
				}
				if ok("10.3.0.9", "l1") {
					t.Error("a login with 3 failures from 3 addresses may still log in with a password from a 4th, new one")
				}
				if !ok("10.3.0.50", "l1") {
					t.Error("a login's count holds back the address the user logged in from before")
				}
				for i := 1; i <= 3; i++ {
					n.authenticate(fmt.Sprintf("10.3.0.%d", 10+i), "l1", "wrong-password")
				}
				if !keyOK("10.3.0.9", "l1") {
					t.Error("a login's count refuses its correct key from a new address")
				}
				if !ok("10.3.0.1", "l2") {
					t.Error("an address with one failure is blocked")
				}
			})
			t.Run("own success does not reset a victim's count", func(t *testing.T) {
				// Odoo forgets an address's failures when it logs someone in,
				// so a guesser with an account of their own could interleave
				// successes; the per-login count still stops them.
				for i := 0; i < 3; i++ {
					n.authenticate("10.4.0.1", "victim", "wrong-password")
					if !ok("10.4.0.1", "own") {
						t.Fatalf("the guesser's own login is refused after %d failures on another login", i+1)
					}
				}
				if ok("10.4.0.1", "victim") || ok("10.4.0.2", "victim") {
					t.Error("the guesser's own successes reset the victim's failure count")
				}
			})
			t.Run("forwarded for, trusted proxy", func(t *testing.T) {
				for i := 0; i < 3; i++ {
					n.authenticate("10.5.0.1", "spoof", "wrong-password")
				}
				// A client behind the proxy may put anything in front of the
				// header; the proxy appends the address it saw, which wins.
				if ok("192.0.2.77, 10.5.0.1", "a4") {
					t.Error("a forged X-Forwarded-For entry escaped the cooldown of the real address")
				}
				if !ok("10.5.0.2", "a4") {
					t.Error("another address behind the proxy is blocked")
				}
				if !ok("", "a4") {
					t.Error("the proxy's own address is blocked by a client behind it")
				}
			})

			t.Run("forwarded for, untrusted peer", func(t *testing.T) {
				t.Parallel()
				direct := startNode(t, dialect, nodeOptions{cooldown: auth.Cooldown{After: 3, Duration: 2 * time.Second}})
				var us []user
				for i := 0; i < 4; i++ {
					us = append(us, direct.addUser(fmt.Sprintf("d%d", i)))
				}
				// Each failure claims another address: not believed, all
				// count for 127.0.0.1.
				for i := 0; i < 3; i++ {
					direct.authenticate(fmt.Sprintf("10.6.0.%d", i), us[i].login, "wrong-password")
				}
				if direct.authenticate("10.6.0.99", us[3].login, us[3].password) != 0 {
					t.Error("X-Forwarded-For from an untrusted peer was believed: a fresh forged address escaped the cooldown")
				}
			})
			t.Run("zero disables", func(t *testing.T) {
				t.Parallel()
				off := startNode(t, dialect, nodeOptions{cooldown: auth.Cooldown{After: 0, Duration: time.Minute, PerLogin: true}})
				u := off.addUser("free")
				for i := 0; i < 20; i++ {
					off.authenticate("", u.login, "wrong-password")
				}
				if off.authenticate("", u.login, u.password) != u.id {
					t.Error("with --cooldown-after 0, the right password is refused after 20 failures")
				}
				if c := off.metric(checks(auth.PathAuthenticate, "cooldown")); c != 0 {
					t.Errorf("cooldown refusals counted with the cooldown off: %v", c)
				}
			})
		})
	}
}

// TestCooldownSharedAcrossNodes starts two servers on one PostgreSQL
// database: password failures on node A put the client in a cooldown on
// node B within a second or two (each node shares its counts every poll),
// while its key keeps working on both; and an address that logged in on
// node A is known to node B, so a login's count does not hold it back.
func TestCooldownSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	secret := hex.EncodeToString([]byte(strings.Repeat("k", 32)))
	opts := nodeOptions{cooldown: testCooldown, dataDir: t.TempDir(), dbURL: url, secret: secret}
	a := startNode(t, "postgres", opts)
	opts.dataDir = t.TempDir()
	b := startNode(t, "postgres", opts)
	u := a.addUser("shared")
	if b.authenticate("", u.login, u.key) != u.id {
		t.Fatal("node B refuses a key made on node A")
	}
	for i := 0; i < testCooldown.After; i++ {
		a.authenticate("", u.login, "wrong-password")
	}
	took := eventually(t, 2*time.Second, "node B refuses the password after failures on node A", func() bool {
		return b.authenticate("", u.login, u.password) == 0
	})
	t.Logf("node B joined node A's cooldown after %v", took)
	// Node B refuses the password over execute_kw too (same address), and
	// takes the key.
	if _, f := b.searchCount("", u.id, u.password); f == nil || f.String != okapi.MsgCooldown {
		t.Errorf("node B execute_kw with the password during the shared cooldown: fault %v", f)
	}
	if _, f := b.searchCount("", u.id, u.key); f != nil {
		t.Errorf("node B execute_kw with the key during the shared cooldown: fault %v", f)
	}
	eventually(t, testCooldown.Duration+2*time.Second, "node B accepts after the cooldown", func() bool {
		return b.authenticate("", u.login, u.password) == u.id
	})

	// Known addresses: 127.0.0.7 logs in on node A; strangers then put the
	// login over its count on node A; node B lets 127.0.0.7 in and holds a
	// new address back.
	v := a.addUser("roaming")
	if a.authenticate("127.0.0.7", v.login, v.password) != v.id {
		t.Fatal("node A refuses the password")
	}
	for i := 0; i < testCooldown.After; i++ {
		a.authenticate(fmt.Sprintf("127.0.1.%d", i+1), v.login, "wrong-password")
	}
	// Each try from a new address: one let in would become known.
	fresh := 10
	eventually(t, 2*time.Second, "node B holds a new address back", func() bool {
		fresh++
		return b.authenticate(fmt.Sprintf("127.0.2.%d", fresh), v.login, v.password) == 0
	})
	if b.authenticate("127.0.0.7", v.login, v.password) != v.id {
		t.Error("node B holds back the address that logged in on node A")
	}
}
