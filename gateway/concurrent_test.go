package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
)

// TestConcurrentForwarding runs many calls at once through an in-process
// gateway (run it with -race: the clients' and links' caches, the rate
// buckets and the change feed are shared), while the link is replaced
// under them: every call gets a right answer, and after an unlink every
// call is refused within a second. The behaviour tests, with the gateway
// and its upstream as real processes, are cmd/okapi's TestGateway*.
func TestConcurrentForwarding(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	up := servertest.Start(t, server.Config{DataDir: t.TempDir(), Version: 17, DBName: "prod", AdminPassword: "admin"})
	alice, err := up.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-pass-1", Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	odooKey, _, err := up.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: alice.ID, Name: "gateway"})
	if err != nil {
		t.Fatal(err)
	}
	gw := servertest.Start(t, server.Config{DataDir: t.TempDir(), DBName: "prod", AdminPassword: "admin",
		Gateway: &gateway.Config{URL: up.URL(), DB: "prod"}})
	ga, err := gw.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-gw-pass", Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := gateway.NewSealer(gw.Hasher)
	if err != nil {
		t.Fatal(err)
	}
	link := func() {
		sealed, err := sealer.Seal(ga.ID, odooKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := gw.Store.LinkUpstream(ctx, &okapi.UpstreamLink{UserID: ga.ID, UpstreamUID: alice.ID, UpstreamLogin: "alice", Sealed: sealed},
			okapi.AuditEntry{Kind: okapi.AuditUpstreamLinked, UserID: ga.ID}); err != nil {
			t.Fatal(err)
		}
	}
	link()
	key, _, err := gw.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: ga.ID, Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := []client.Protocol{client.XMLRPC, client.JSONRPC}[i%2]
			c, err := client.New(client.Config{URL: gw.URL(), DB: "prod", Login: "alice", Key: key, Protocol: p})
			if err != nil {
				errs <- err
				return
			}
			for j := 0; j < 40; j++ {
				if n, err := c.SearchCount(ctx, "res.partner", []any{}); err != nil || n == 0 {
					errs <- err
					return
				}
			}
		}(i)
	}
	for i := 0; i < 5; i++ {
		link() // the link replaced under the callers
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call through the gateway: %v", err)
	}
	if err := gw.Store.UnlinkUpstream(ctx, ga.ID, okapi.AuditEntry{Kind: okapi.AuditUpstreamUnlinked, UserID: ga.ID}); err != nil {
		t.Fatal(err)
	}
	c, _ := client.New(client.Config{URL: gw.URL(), DB: "prod", Login: "alice", Key: key, UID: alice.ID})
	deadline := time.Now().Add(time.Second)
	for {
		_, err := c.SearchCount(ctx, "res.partner", []any{})
		if client.IsAccessDenied(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a second after the unlink: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
