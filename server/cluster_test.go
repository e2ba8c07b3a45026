package server_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// startNode starts one node on the shared PostgreSQL database.
func startNode(t *testing.T, url, secret string) *server.Server {
	t.Helper()
	return servertest.Start(t, server.Config{DataDir: t.TempDir(), DBURL: url, DBName: "acme",
		Version: 19, Secret: secret, AdminPassword: "admin"})
}

// searchCount calls execute_kw search_count over XML-RPC; it returns the
// fault code, 0 on success.
func searchCount(t *testing.T, base string, uid int64, key string) int {
	t.Helper()
	body, _ := xmlrpc.AppendCall(nil, "execute_kw", "acme", uid, key, "res.partner", "search_count", []any{[]any{}})
	resp, err := http.Post(base+"/xmlrpc/2/object", "text/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	_, err = xmlrpc.DecodeResponse(b, xmlrpc.DefaultLimits)
	if f, ok := err.(*xmlrpc.Fault); ok {
		return int(f.Code.(int64))
	}
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	return 0
}

// waitRefused measures how long node a keeps accepting key after a change.
func waitRefused(t *testing.T, base string, uid int64, key string, what string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if code := searchCount(t, base, uid, key); code == 3 {
			return time.Since(start)
		}
		if time.Since(start) > time.Second {
			t.Fatalf("%s on node B: node A still accepts the key after one second", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// twoNodes starts two nodes on one new PostgreSQL database, with alice, an
// internal user, and a key of hers made through node A.
func twoNodes(t *testing.T) (a, b *server.Server, alice *okapi.User, key string, k *okapi.Key) {
	t.Helper()
	url := storetest.PostgresURL(t)
	secret := hex.EncodeToString(make([]byte, 32))
	a = startNode(t, url, secret)
	b = startNode(t, url, secret)
	ctx := context.Background()
	alice, err := a.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	key, k, err = a.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: alice.ID, Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return a, b, alice, key, k
}

// TestClusterRevocation starts two nodes on one PostgreSQL database, uses a
// key through node A, revokes it through node B and shows node A refusing it
// within one second; the same for archiving the user.
func TestClusterRevocation(t *testing.T) {
	a, b, alice, key, k := twoNodes(t)
	ctx := context.Background()
	if code := searchCount(t, a.URL(), alice.ID, key); code != 0 {
		t.Fatalf("node A refused a good key: fault %d", code)
	}
	if code := searchCount(t, b.URL(), alice.ID, key); code != 0 {
		t.Fatalf("node B refused a good key: fault %d", code)
	}
	if _, err := b.Auth.RevokeKey(ctx, nil, k.ID, ""); err != nil {
		t.Fatal(err)
	}
	d := waitRefused(t, a.URL(), alice.ID, key, "revoke")
	t.Logf("revoked on B, refused on A after %v", d)

	key2, _, _ := a.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: alice.ID, Name: "k2"})
	if code := searchCount(t, a.URL(), alice.ID, key2); code != 0 {
		t.Fatalf("node A refused a good key: fault %d", code)
	}
	if err := b.Auth.SetActive(ctx, nil, alice.ID, false); err != nil {
		t.Fatal(err)
	}
	d = waitRefused(t, a.URL(), alice.ID, key2, "archive")
	t.Logf("archived on B, refused on A after %v", d)
}

// TestClusterStartAndCleanup starts three nodes at once on a fresh database
// (migrations and seeding must happen once), then has them all clean up an
// expired key at the same moment: it is deleted and recorded once.
func TestClusterStartAndCleanup(t *testing.T) {
	url := storetest.PostgresURL(t)
	secret := hex.EncodeToString(make([]byte, 32))
	nodes := make([]*server.Server, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := range nodes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DBURL: url, DBName: "acme",
				Version: 18, Secret: secret, AdminPassword: "admin"})
			if err != nil {
				errs <- err
				return
			}
			nodes[i] = s
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, s := range nodes {
		t.Cleanup(s.Close)
	}
	ctx := context.Background()
	users, err := nodes[0].Auth.Users(ctx, nil)
	if err != nil || len(users) != 1 || users[0].Login != "admin" {
		t.Fatalf("after concurrent starts: %d users, %v", len(users), err)
	}
	alice, _ := nodes[1].Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice"})
	_, k, err := nodes[2].Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: alice.ID, Name: "old", Days: -1, Expires: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	var mu sync.Mutex
	for _, s := range nodes {
		wg.Add(1)
		go func(s *server.Server) {
			defer wg.Done()
			n := s.Auth.CleanupExpired(ctx)
			mu.Lock()
			total += n
			mu.Unlock()
		}(s)
	}
	wg.Wait()
	// Each node also cleans up once as it starts, in its own goroutine; on
	// a loaded machine that first pass can come after the key was made and
	// take it before the three calls above. What must hold either way: no
	// two deletions (total ≤ 1 here), exactly one record (below), key gone.
	if total > 1 {
		t.Fatalf("the expired key was deleted %d times, want once", total)
	}
	if keys, err := nodes[0].Auth.Keys(ctx, nil, alice.ID); err != nil || len(keys) != 0 {
		t.Fatalf("after the clean-up: %d keys left, %v", len(keys), err)
	}
	audit, _ := nodes[0].Store.ListAudit(ctx, 0)
	n := 0
	for _, e := range audit {
		if e.Kind == okapi.AuditKeyExpired && e.KeyID == k.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the clean-up was recorded %d times, want once", n)
	}
}

// TestClusterSecretMismatch: a node with another server secret refuses to
// start, since no key made by the others would verify on it.
func TestClusterSecretMismatch(t *testing.T) {
	url := storetest.PostgresURL(t)
	startNode(t, url, hex.EncodeToString(make([]byte, 32)))
	other := strings.Repeat("ab", 32)
	_, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DBURL: url, DBName: "acme",
		Version: 19, Secret: other})
	if err == nil || !strings.Contains(err.Error(), "server secret does not match") {
		t.Fatalf("a node with another secret started: %v", err)
	}
}
