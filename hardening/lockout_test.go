package hardening

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/storetest"
)

// TestNoLockoutOfValidKeys attacks alice as issue 12 did, against a server
// with the default cooldown: strangers rotating over 60 loopback source
// addresses (127.0.0.2 …, bound, no proxy) send wrong passwords for her on
// every path (XML-RPC authenticate and execute_kw, the same over /jsonrpc,
// /web/session/authenticate, the web login) and wrong keys to JSON-2, for
// several seconds, far past the limits. All along, alice's key works every
// time on every path that takes keys, from her own address and from an
// attacker's; her password still works from the address she logged in
// from before; and the attackers' guesses of her password are held back:
// the right password sent from an attacker's address, or a new one, is
// refused with the cooldown's answer.
func TestNoLockoutOfValidKeys(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{cooldown: auth.DefaultCooldown})
			alice := n.addUser("alice")
			const home = "127.0.0.200" // alice's own address
			if n.authenticate(home, alice.login, alice.password) != alice.id {
				t.Fatal("alice cannot log in before the attack")
			}

			stop := make(chan struct{})
			var attacks atomic.Int64
			var wg sync.WaitGroup
			attack := []func(ip string){
				func(ip string) { n.authenticate(ip, alice.login, "guess-"+ip) },
				func(ip string) { n.searchCount(ip, alice.id, "guess-"+ip) },
				func(ip string) {
					n.jsonRPC(ip, "common", "authenticate", dbName, alice.login, "guess-"+ip, map[string]any{})
				},
				func(ip string) {
					n.jsonRPC(ip, "object", "execute_kw", dbName, alice.id, "guess-"+ip, "res.partner", "search_count", []any{[]any{}})
				},
				func(ip string) {
					body := fmt.Sprintf(`{"jsonrpc": "2.0", "method": "call", "params": {"db": %q, "login": %q, "password": "guess"}}`, dbName, alice.login)
					n.jsonRoute(ip, "/web/session/authenticate", []byte(body))
				},
				func(ip string) { n.browser(ip).tryLogin(alice.login, "guess-"+ip) },
				func(ip string) { n.json2(ip, wrongKey(), "res.partner", "search_count", []byte(`{"domain": []}`)) },
			}
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; ; i += 4 {
						select {
						case <-stop:
							return
						default:
						}
						ip := fmt.Sprintf("127.0.0.%d", 2+i%60)
						attack[i%len(attack)](ip)
						attacks.Add(1)
					}
				}()
			}

			// alice's integrations, from home and from an attacker's
			// address, on every path that takes keys.
			uses := map[string]func(ip string) bool{
				"XML-RPC authenticate": func(ip string) bool { return n.authenticate(ip, alice.login, alice.key) == alice.id },
				"XML-RPC execute_kw": func(ip string) bool {
					_, f := n.searchCount(ip, alice.id, alice.key)
					return f == nil
				},
				"JSON-RPC authenticate": func(ip string) bool {
					a := n.jsonRPC(ip, "common", "authenticate", dbName, alice.login, alice.key, map[string]any{})
					return a.Error == nil && a.Result == float64(alice.id)
				},
				"JSON-RPC execute_kw": func(ip string) bool {
					a := n.jsonRPC(ip, "object", "execute_kw", dbName, alice.id, alice.key, "res.partner", "search_count", []any{[]any{}})
					return a.Error == nil
				},
				"JSON-2": func(ip string) bool {
					return n.json2(ip, alice.key, "res.partner", "search_count", []byte(`{"domain": []}`)).status == http.StatusOK
				},
			}
			deadline := time.Now().Add(6 * time.Second)
			tries, refusals := 0, 0
			for time.Now().Before(deadline) {
				for name, use := range uses {
					for _, ip := range []string{home, "127.0.0.3"} {
						tries++
						if !use(ip) {
							refusals++
							t.Errorf("%s: alice's key refused from %s during the attack", name, ip)
						}
					}
				}
				// Her password, from where she logged in before.
				if n.authenticate(home, alice.login, alice.password) != alice.id {
					t.Error("alice's password refused from her own address during the attack")
				}
				time.Sleep(50 * time.Millisecond)
			}
			close(stop)
			wg.Wait()
			t.Logf("%s: %d attacks from 60 addresses; alice's key used %d times, refused %d times", dialect, attacks.Load(), tries, refusals)
			if a := attacks.Load(); a < 10*int64(auth.DefaultCooldown.After) {
				t.Fatalf("only %d attacks: the attack did not go far past the limit", a)
			}

			// The guessers are held back: the right password from an
			// attacker's address, or a new one, is not even checked.
			for _, ip := range []string{"127.0.0.5", "127.0.0.250"} {
				if uid := n.authenticate(ip, alice.login, alice.password); uid != 0 {
					t.Errorf("the right password from %s was checked during the attack (uid %d)", ip, uid)
				}
				if _, f := n.searchCount(ip, alice.id, alice.password); f == nil || f.String != okapi.MsgCooldown {
					t.Errorf("execute_kw with the right password from %s during the attack: fault %v, want the cooldown", ip, f)
				}
				if a := n.browser(ip).tryLogin(alice.login, alice.password); a.status != http.StatusOK || !strings.Contains(a.body, okapi.MsgCooldown) {
					t.Errorf("web login with the right password from %s during the attack: %d, want the cooldown", ip, a.status)
				}
			}
			// Her web login from home still works.
			if a := n.browser(home).tryLogin(alice.login, alice.password); a.status != http.StatusSeeOther {
				t.Errorf("alice's web login from her own address during the attack: %d", a.status)
			}
		})
	}
}
