package hardening

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/storetest"
)

// TestKeyRefusedFromItsExpiry moves the server's clock over a key's expiry
// and uses the key many times on every path at each step, as issue 12 did
// when an expired key was accepted on every other request for ~0.9 s (the
// cache dropped it, the database, at one-second precision, found it again):
// accepted up to its expiry, refused from 1 ms after it, every time, on
// every path, on two nodes sharing one PostgreSQL database.
func TestKeyRefusedFromItsExpiry(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			exp := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
			clock := testclock.New(exp.Add(-2 * time.Second))
			o := storetest.Options(t, dialect)
			opts := nodeOptions{cooldown: auth.DefaultCooldown, now: clock.Now, dataDir: o.DataDir, dbURL: o.URL,
				secret: "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b"}
			nodes := []*node{startNode(t, dialect, opts)}
			if dialect == "postgres" {
				opts.dataDir = t.TempDir()
				nodes = append(nodes, startNode(t, dialect, opts))
			}
			u := nodes[0].addUser("expiring")
			key, _, err := nodes[0].s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: u.id, Name: "short", Days: -1, Expires: exp})
			if err != nil {
				t.Fatal(err)
			}
			uses := map[string]func(n *node) bool{
				"authenticate": func(n *node) bool { return n.authenticate("", u.login, key) == u.id },
				"execute_kw": func(n *node) bool {
					_, f := n.searchCount("", u.id, key)
					return f == nil
				},
				"JSON-2": func(n *node) bool {
					return n.json2("", key, "res.partner", "search_count", []byte(`{"domain": []}`)).status == http.StatusOK
				},
			}
			for _, step := range []struct {
				at   time.Duration // from the expiry
				want bool
			}{{-time.Second, true}, {0, true}, {time.Millisecond, false}, {100 * time.Millisecond, false}, {900 * time.Millisecond, false}, {1500 * time.Millisecond, false}} {
				clock.Advance(exp.Add(step.at).Sub(clock.Now()))
				for name, use := range uses {
					for i := 0; i < 6; i++ {
						for ni, n := range nodes {
							if got := use(n); got != step.want {
								t.Fatalf("%s on node %d, %v from the expiry (try %d): accepted %v, want %v", name, ni, step.at, i+1, got, step.want)
							}
						}
					}
				}
			}
		})
	}
}
