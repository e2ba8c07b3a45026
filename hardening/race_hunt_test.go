package hardening

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/storetest"
)

// TestKeyStatusDuringRevocation asks for a key's status while the key is
// being revoked, many times over: the answer is "valid" or "revoked",
// never an error (the key may vanish between two reads of one status).
func TestKeyStatusDuringRevocation(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{})
			u := n.addUser("racer")
			ctx := context.Background()
			for i := 0; i < 100; i++ {
				key, k, err := n.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.id, Name: "racing"})
				if err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := n.s.Auth.RevokeKey(ctx, nil, k.ID, ""); err != nil {
						t.Error(err)
					}
				}()
				for j := 0; j < 3; j++ {
					a := send(t, http.MethodPost, n.url+"/okapi/1/key-status", "application/json", "", mustJSON(t, map[string]any{"db": dbName, "login": u.login, "key": key}), nil)
					if a.status != http.StatusOK || !(strings.Contains(a.body, `"valid"`) || strings.Contains(a.body, `"revoked"`)) {
						t.Fatalf("key-status during a revocation: %d %s", a.status, a.body)
					}
				}
				wg.Wait()
			}
		})
	}
}
