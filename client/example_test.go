package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/internal/proctest"
	"github.com/okapi-erp/okapi/server"
)

// The examples and tests run against real Okapi servers started in this
// process. TestMain starts the Odoo 19 one the examples use; the others
// start on first use.
var (
	// odooURL, apiKey: the server the examples talk to, and alice's key.
	odooURL, apiKey string

	servers   = map[int]*testServer{}
	serversMu sync.Mutex
	dataRoot  string
)

// testServer is a running Okapi with an internal user (alice) and her keys,
// a portal user (pat) and another internal user (bob) with theirs.
type testServer struct {
	srv                 *server.Server
	url                 string
	aliceKey, portalKey string
	aliceID, portalID   int64
	bobKey, scopeKey    string
}

func TestMain(m *testing.M) {
	var err error
	if dataRoot, err = os.MkdirTemp("", "okapi-client"); err != nil {
		log.Fatal(err)
	}
	s, err := startServer(19)
	if err != nil {
		log.Fatal(err)
	}
	odooURL, apiKey = s.url, s.aliceKey
	code := m.Run()
	for _, s := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s.srv.Shutdown(ctx)
		cancel()
	}
	os.RemoveAll(dataRoot)
	proctest.Cleanup()
	os.Exit(code)
}

// serverFor returns the running server of an Odoo version, starting it once.
func serverFor(t testing.TB, version int) *testServer {
	t.Helper()
	s, err := startServer(version)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startServer(version int) (*testServer, error) {
	serversMu.Lock()
	defer serversMu.Unlock()
	if s := servers[version]; s != nil {
		return s, nil
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp(dataRoot, fmt.Sprint(version))
	if err != nil {
		return nil, err
	}
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: dir, Version: version, DBName: "acme",
		AdminPassword: "admin"})
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(); err != nil {
		return nil, err
	}
	go srv.Serve()
	s := &testServer{srv: srv, url: srv.URL()}
	servers[version] = s
	alice, err := srv.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-pass", Name: "Alice"})
	if err != nil {
		return nil, err
	}
	pat, err := srv.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "pat", Password: "pat-pass", Name: "Pat", Kind: okapi.KindPortal})
	if err != nil {
		return nil, err
	}
	bob, err := srv.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "bob", Password: "bob-pass", Name: "Bob"})
	if err != nil {
		return nil, err
	}
	s.aliceID, s.portalID = alice.ID, pat.ID
	key := func(uid int64, name, scope string) string {
		if err != nil {
			return ""
		}
		var k string
		k, _, err = srv.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: uid, Name: name, Scope: scope})
		return k
	}
	s.aliceKey = key(alice.ID, "examples", "")
	s.portalKey = key(pat.ID, "portal", "")
	s.bobKey = key(bob.ID, "bob's", "")
	s.scopeKey = key(alice.ID, "outlook", "odoo.plugin.outlook")
	return s, err
}

// Example connects as alice, creates a contact and reads it back. With
// Protocol left to Auto the client uses JSON-2 on this Odoo 19 server, and
// XML-RPC on earlier versions; the calls are the same.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.New(client.Config{URL: odooURL, DB: "acme", Login: "alice", Key: apiKey})
	if err != nil {
		log.Fatal(err)
	}
	v, err := c.Version(ctx)
	if err != nil {
		log.Fatal(err)
	}
	id, err := c.Create(ctx, "res.partner", map[string]any{"name": "Example Ltd", "email": "hello@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	recs, err := c.Read(ctx, "res.partner", []int64{id}, "name", "email")
	if err != nil {
		log.Fatal(err)
	}
	p, _ := c.Protocol(ctx)
	fmt.Println("Odoo", v.ServerVersion, "over", p)
	fmt.Println(recs[0]["name"], recs[0]["email"])
	// Output:
	// Odoo 19.0 over json2
	// Example Ltd hello@example.com
}

// ExampleClient_SearchRead finds contacts with a domain, as Odoo writes
// them: a list of (field, operator, value) triples.
func ExampleClient_SearchRead() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.New(client.Config{URL: odooURL, DB: "acme", Login: "alice", Key: apiKey, Protocol: client.XMLRPC})
	if err != nil {
		log.Fatal(err)
	}
	var ids []int64
	for _, name := range []string{"Search Zeta", "Search Alpha", "Other"} {
		id, err := c.Create(ctx, "res.partner", map[string]any{"name": name})
		if err != nil {
			log.Fatal(err)
		}
		ids = append(ids, id)
	}
	defer c.Unlink(ctx, "res.partner", ids)
	recs, err := c.SearchRead(ctx, "res.partner", []any{[]any{"name", "=like", "Search %"}},
		client.SearchOptions{Fields: []string{"name"}, Order: "name"})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		fmt.Println(r["name"])
	}
	n, err := c.SearchCount(ctx, "res.partner", []any{[]any{"name", "=like", "Search %"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "contacts")
	// Output:
	// Search Alpha
	// Search Zeta
	// 2 contacts
}

// ExampleIsAccessDenied shows the one answer Odoo gives to every credential
// problem: the client cannot say whether the login or the key is wrong
// (okapi connect can, for Okapi servers).
func ExampleIsAccessDenied() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.New(client.Config{URL: odooURL, DB: "acme", Login: "alice", Key: "0123456789abcdef0123456789abcdef01234567",
		Protocol: client.XMLRPC})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Authenticate(ctx)
	fmt.Println(client.IsAccessDenied(err))
	fmt.Println(err)
	// Output:
	// true
	// common.authenticate: Access Denied
}

// ExampleIsMissing tells a missing record from other failures, whatever the
// protocol said.
func ExampleIsMissing() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range []client.Protocol{client.XMLRPC, client.JSONRPC, client.JSON2} {
		c, err := client.New(client.Config{URL: odooURL, DB: "acme", Login: "alice", Key: apiKey, Protocol: p})
		if err != nil {
			log.Fatal(err)
		}
		err = c.Unlink(ctx, "res.partner", []int64{999999})
		fmt.Printf("%s: missing=%v\n", p, client.IsMissing(err))
	}
	// Output:
	// xmlrpc: missing=true
	// jsonrpc: missing=true
	// json2: missing=true
}

// ExampleClient_ExecuteKW calls any model method, here the user's own
// context, with execute_kw's positional arguments.
func ExampleClient_ExecuteKW() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.New(client.Config{URL: odooURL, DB: "acme", Login: "alice", Key: apiKey, Protocol: client.JSONRPC})
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.ExecuteKW(ctx, "res.partner", "search", []any{[]any{[]any{"name", "=", "Nobody At All"}}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)
	// Output: []
}
