package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryVersionAndProtocol runs the helpers against each Odoo version
// Okapi plays, over each protocol the version has.
func TestEveryVersionAndProtocol(t *testing.T) {
	for v := 14; v <= 19; v++ {
		protocols := []client.Protocol{client.Auto, client.XMLRPC, client.JSONRPC}
		if v >= 19 {
			protocols = append(protocols, client.JSON2)
		}
		for _, p := range protocols {
			t.Run(fmt.Sprintf("%d/%s", v, p), func(t *testing.T) {
				s := serverFor(t, v)
				ctx := ctxT(t)
				c := newClient(t, client.Config{URL: s.url + "/", DB: "acme", Login: "alice", Key: s.aliceKey, Protocol: p})
				got, err := c.Protocol(ctx)
				if err != nil {
					t.Fatal(err)
				}
				want := p
				if p == client.Auto {
					want = client.XMLRPC
					if v >= 19 {
						want = client.JSON2
					}
				}
				if got != want {
					t.Fatalf("protocol %s, want %s", got, want)
				}
				ver, err := c.Version(ctx)
				if err != nil || ver.Major != v {
					t.Fatalf("version: %+v, %v", ver, err)
				}
				uid, err := c.Authenticate(ctx)
				if err != nil || uid != s.aliceID {
					t.Fatalf("authenticate: %d, %v (want %d)", uid, err, s.aliceID)
				}
				name := fmt.Sprintf("Client %d %s", v, p)
				id, err := c.Create(ctx, "res.partner", map[string]any{"name": name})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if err := c.Write(ctx, "res.partner", []int64{id}, map[string]any{"email": "c@example.com"}); err != nil {
					t.Fatalf("write: %v", err)
				}
				recs, err := c.Read(ctx, "res.partner", []int64{id}, "name", "email")
				if err != nil || len(recs) != 1 || recs[0]["email"] != "c@example.com" || recs[0]["name"] != name {
					t.Fatalf("read: %v, %v", recs, err)
				}
				domain := []any{[]any{"name", "=", name}}
				found, err := c.SearchRead(ctx, "res.partner", domain, client.SearchOptions{Fields: []string{"name"}, Limit: 5})
				if err != nil || len(found) != 1 || found[0]["id"] != id {
					t.Fatalf("search_read: %v, %v", found, err)
				}
				if n, err := c.SearchCount(ctx, "res.partner", domain); err != nil || n != 1 {
					t.Fatalf("search_count: %d, %v", n, err)
				}
				fields, err := c.FieldsGet(ctx, "res.partner", "string", "type")
				if err != nil || fields["name"]["type"] != "char" {
					t.Fatalf("fields_get name: %v, %v", fields["name"], err)
				}
				for op, want := range map[string]bool{"read": true, "create": true} {
					if ok, err := c.CheckAccessRights(ctx, "res.partner", op); err != nil || ok != want {
						t.Fatalf("check_access_rights %s: %v, %v", op, ok, err)
					}
				}
				if ok, err := c.CheckAccessRights(ctx, "res.users", "create"); err != nil || ok {
					t.Fatalf("alice may create users: %v, %v", ok, err)
				}
				if err := c.Unlink(ctx, "res.partner", []int64{id}); err != nil {
					t.Fatalf("unlink: %v", err)
				}
				if err := c.Unlink(ctx, "res.partner", []int64{id}); !client.IsMissing(err) {
					t.Fatalf("unlink twice: %v, want a missing record", err)
				}
				err = c.Write(ctx, "res.users", []int64{2}, map[string]any{"login": "hacked"})
				if !client.IsAccessError(err) || !strings.Contains(err.Error(), "res.users") {
					t.Fatalf("write admin: %v, want an access error", err)
				}
			})
		}
	}
}

// TestErrors checks the kinds and the details kept from each protocol.
func TestErrors(t *testing.T) {
	s := serverFor(t, 19)
	ctx := ctxT(t)
	for _, p := range []client.Protocol{client.XMLRPC, client.JSONRPC, client.JSON2} {
		t.Run(string(p), func(t *testing.T) {
			keys := map[string]string{"wrong": strings.Repeat("f", 40), "scoped": s.scopeKey, "other user's": s.bobKey}
			if p == client.JSON2 {
				// JSON-2 knows only the key: bob's key is bob, whatever
				// the login (Authenticate checks it: TestJSON2Login).
				delete(keys, "other user's")
			}
			for name, key := range keys {
				c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: key, Protocol: p})
				_, err := c.SearchCount(ctx, "res.partner", nil)
				if !client.IsAccessDenied(err) {
					t.Fatalf("%s key: %v, want access denied", name, err)
				}
				if strings.Contains(err.Error(), key) {
					t.Errorf("%s key: the key is in the error %q", name, err)
				}
			}
			c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: s.aliceKey, Protocol: p})
			_, err := c.Create(ctx, "res.partner", map[string]any{})
			var e *client.Error
			if !errors.As(err, &e) || !client.IsUserError(err) {
				t.Fatalf("create without name: %v, want a user error", err)
			}
			switch p {
			case client.XMLRPC:
				if e.FaultCode != int64(2) {
					t.Errorf("fault code %v, want 2", e.FaultCode)
				}
			case client.JSONRPC:
				if e.Code != 0 || e.Name != "odoo.exceptions.ValidationError" || !client.IsValidation(err) {
					t.Errorf("JSON-RPC error %+v", e)
				}
			case client.JSON2:
				if e.HTTPStatus != 422 || !client.IsValidation(err) {
					t.Errorf("JSON-2 error %+v", e)
				}
			}
			wrongDB := newClient(t, client.Config{URL: s.url, DB: "nope", Login: "alice", Key: s.aliceKey, Protocol: p})
			if _, err := wrongDB.Authenticate(ctx); !client.IsDatabaseNotFound(err) {
				t.Errorf("wrong database: %v", err)
			}
		})
	}
	revoked, k, err := s.srv.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: s.aliceID, Name: "to revoke"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: revoked, Protocol: client.XMLRPC})
	if _, err := c.Authenticate(ctx); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	if _, err := s.srv.Auth.RevokeKey(ctx, nil, k.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx); !client.IsAccessDenied(err) {
		t.Fatalf("revoked key: %v", err)
	}
}

// TestPortalUser: a portal user logs in with a key, and sees their limits.
func TestPortalUser(t *testing.T) {
	for _, v := range []int{14, 19} {
		s := serverFor(t, v)
		ctx := ctxT(t)
		c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "pat", Key: s.portalKey})
		uid, err := c.Authenticate(ctx)
		if err != nil || uid != s.portalID {
			t.Fatalf("%d: portal authenticate: %d, %v", v, uid, err)
		}
		me, err := c.Read(ctx, "res.users", []int64{uid}, "share")
		if err != nil || len(me) != 1 || me[0]["share"] != true {
			t.Fatalf("%d: portal user's share: %v, %v", v, me, err)
		}
		if ok, err := c.CheckAccessRights(ctx, "res.partner", "create"); err != nil || ok {
			t.Fatalf("%d: a portal user may create contacts: %v, %v", v, ok, err)
		}
	}
}

// TestJSON2Login: over JSON-2 only the key counts, so the client checks
// the login itself, as authenticate would.
func TestJSON2Login(t *testing.T) {
	s := serverFor(t, 19)
	c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "bob", Key: s.aliceKey, Protocol: client.JSON2})
	if _, err := c.Authenticate(ctxT(t)); !client.IsAccessDenied(err) {
		t.Fatalf("alice's key with login bob: %v", err)
	}
	c = newClient(t, client.Config{URL: s.url, DB: "nope", Key: s.aliceKey, Protocol: client.JSON2})
	if _, err := c.Authenticate(ctxT(t)); !client.IsDatabaseNotFound(err) {
		t.Fatalf("JSON-2 with a wrong database: %v", err)
	}
	// Positional arguments are named when a signature names them, and
	// refused, before any request, when none does.
	if _, err := c.ExecuteKW(ctxT(t), "res.partner", "search", []any{[]any{[]any{"name", "=", "x"}}}, nil); !client.IsDatabaseNotFound(err) {
		t.Fatalf("positional domain over JSON-2: %v", err)
	}
	c = newClient(t, client.Config{URL: s.url, DB: "acme", Key: s.aliceKey, Protocol: client.JSON2})
	if _, err := c.ExecuteKW(ctxT(t), "res.partner", "no_such_method", []any{"x"}, nil); !errors.Is(err, client.ErrPositional) {
		t.Fatalf("unnamed positional over JSON-2: %v", err)
	}
}

// TestOkapiCalls: the key status for its holder, and ErrNotOkapi elsewhere.
func TestOkapiCalls(t *testing.T) {
	s := serverFor(t, 18)
	ctx := ctxT(t)
	c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: s.bobKey})
	info, err := c.OkapiInfo(ctx)
	if err != nil || info.OdooVersion != 18 || !info.KeysExpire || info.JSON2 || info.DB != "acme" {
		t.Fatalf("info: %+v, %v", info, err)
	}
	st, err := c.KeyStatus(ctx)
	if err != nil || st.Status != client.KeyOtherUser || st.Login != "bob" {
		t.Fatalf("bob's key as alice: %+v, %v", st, err)
	}
	c = newClient(t, client.Config{URL: s.url, DB: "nope", Login: "alice", Key: s.aliceKey})
	if st, err := c.KeyStatus(ctx); err != nil || st.Status != client.KeyUnknownDatabase {
		t.Fatalf("wrong database: %+v, %v", st, err)
	}
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	c = newClient(t, client.Config{URL: plain.URL, Key: s.aliceKey})
	if _, err := c.OkapiInfo(ctx); !errors.Is(err, client.ErrNotOkapi) {
		t.Fatalf("info from a plain server: %v", err)
	}
	if _, err := c.KeyStatus(ctx); !errors.Is(err, client.ErrNotOkapi) {
		t.Fatalf("key status from a plain server: %v", err)
	}
}

// TestNotOdoo: a web page, a redirect to another host, and an echo of the
// request are *ResponseError, and the key never shows in them.
func TestNotOdoo(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/xmlrpc/2/common", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		b := make([]byte, 4096)
		n, _ := r.Body.Read(b)
		fmt.Fprintf(w, "<html><head><title>Welcome  to\nnginx</title></head><body>%s</body></html>", b[:n])
	})
	mux.HandleFunc("/xmlrpc/2/object", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write(xmlrpc.AppendFault(nil, 1, "Traceback (most recent call last):\nValueError: bad key "+key))
	})
	mux.HandleFunc("/jsonrpc", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/login", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := ctxT(t)

	c := newClient(t, client.Config{URL: srv.URL, DB: "x", Login: "a", Key: key, Protocol: client.XMLRPC})
	_, err := c.Authenticate(ctx)
	var re *client.ResponseError
	if !errors.As(err, &re) || !re.HTML() || re.Title != "Welcome to nginx" || re.Status != 200 {
		t.Fatalf("HTML page: %#v", err)
	}
	if strings.Contains(re.Snippet, key) || strings.Contains(err.Error(), key) {
		t.Fatalf("the key is in the error: %q", re.Snippet)
	}
	_, err = c.Call(ctx, "object", "execute_kw", "x", int64(1), key, "m", "f", []any{})
	var e *client.Error
	if !errors.As(err, &e) || e.Name != "ValueError" || strings.Contains(err.Error(), key) {
		t.Fatalf("fault: %v", err)
	}

	c = newClient(t, client.Config{URL: srv.URL, DB: "x", Login: "a", Key: key, Protocol: client.JSONRPC})
	_, err = c.Version(ctx)
	if !errors.As(err, &re) || !re.Redirect() || !strings.HasPrefix(re.Location, other.URL) {
		t.Fatalf("redirect to another host: %v", err)
	}
}

// TestSameHostRedirect: a 308 on the same host (Odoo's answer to "//" in a
// path) is followed with the body; NoRedirects reports it instead.
func TestSameHostRedirect(t *testing.T) {
	s := serverFor(t, 17)
	mux := http.NewServeMux()
	mux.HandleFunc("/old/xmlrpc/2/common", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new/xmlrpc/2/common", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/new/xmlrpc/2/common", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/xmlrpc/2/common"
		s.srv.Handler().ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newClient(t, client.Config{URL: srv.URL + "/old", Protocol: client.XMLRPC})
	if v, err := c.Version(ctxT(t)); err != nil || v.Major != 17 {
		t.Fatalf("after a 308: %v, %v", v, err)
	}
	c = newClient(t, client.Config{URL: srv.URL + "/old", Protocol: client.XMLRPC, NoRedirects: true})
	var re *client.ResponseError
	if _, err := c.Version(ctxT(t)); !errors.As(err, &re) || re.Status != http.StatusPermanentRedirect {
		t.Fatalf("NoRedirects: %v", err)
	}
}

// TestContextCancels: a server that never answers is left when the context
// ends.
func TestContextCancels(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	c := newClient(t, client.Config{URL: "http://" + ln.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Version(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
}

// TestFaultParsing reads the faults recorded from real Odoo.
func TestFaultParsing(t *testing.T) {
	for _, tc := range []struct {
		code any
		text string
		kind client.Kind
		name string
	}{
		{int64(3), "Access Denied", client.KindAccessDenied, ""},
		{int64(4), "You are not allowed to modify 'User' (res.users) records.", client.KindAccessError, ""},
		{int64(2), "(Record: res.partner(999999,), User: 6)", client.KindMissing, ""},
		{int64(2), "Object no.such.model doesn't exist", client.KindUserError, ""},
		{int64(1), "Traceback (most recent call last):\n  [stack frames omitted from this recording]\npsycopg2.OperationalError: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"no_such_db\" does not exist", client.KindDatabase, "psycopg2.OperationalError"},
		{int64(1), "Traceback (most recent call last):\nAttributeError: The method 'res.partner.x' does not exist", client.KindOther, "AttributeError"},
		{int64(3), "Too many login failures, please wait a bit before trying again.", client.KindRateLimited, ""},
		{"AccessDenied", "Access Denied", client.KindAccessDenied, "AccessDenied"},
		{"warning -- MissingError\n\nRecord does not exist", "", client.KindMissing, "MissingError"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			w.Write(xmlrpc.AppendFault(nil, tc.code, tc.text))
		}))
		c := newClient(t, client.Config{URL: srv.URL, Protocol: client.XMLRPC})
		_, err := c.Call(ctxT(t), "common", "version")
		srv.Close()
		var e *client.Error
		if !errors.As(err, &e) || e.Kind != tc.kind || e.Name != tc.name || e.FaultCode != tc.code {
			t.Errorf("fault %v %q: %+v, want kind %v name %q", tc.code, tc.text, e, tc.kind, tc.name)
		}
	}
}

// TestKeyExpiration: a call made with a key that expires tells the client
// when (Okapi-Key-Expiration), over every protocol; a persistent key, a
// password and a refused call say nothing.
func TestKeyExpiration(t *testing.T) {
	s := serverFor(t, 19)
	ctx := ctxT(t)
	week, k, err := s.srv.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: s.aliceID, Name: "a week", Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []client.Protocol{client.XMLRPC, client.JSONRPC, client.JSON2} {
		c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: week, Protocol: p})
		if _, ok := c.KeyExpiration(); ok {
			t.Fatalf("%s: an expiry before any call", p)
		}
		if _, err := c.SearchCount(ctx, "res.partner", []any{}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got, ok := c.KeyExpiration(); !ok || !got.Equal(k.ExpirationDate) {
			t.Errorf("%s: key expiration %v, %v; want %v", p, got, ok, k.ExpirationDate)
		}
		for what, secret := range map[string]string{"persistent key": s.aliceKey, "password": "alice-pass"} {
			if p == client.JSON2 && what == "password" {
				continue // JSON-2 takes keys only
			}
			c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: secret, Protocol: p})
			if _, err := c.SearchCount(ctx, "res.partner", []any{}); err != nil {
				t.Fatalf("%s, %s: %v", p, what, err)
			}
			if got, ok := c.KeyExpiration(); ok {
				t.Errorf("%s, %s: told an expiry %v", p, what, got)
			}
		}
	}
	// On the wire: the header in GitHub's format, and none on a fault.
	call := func(key string) *http.Response {
		body, _ := xmlrpc.AppendCall(nil, "execute_kw", "acme", s.aliceID, key, "res.partner", "search_count", []any{[]any{}})
		resp, err := http.Post(s.url+"/xmlrpc/2/object", "text/xml", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if got, want := call(week).Header.Get("Okapi-Key-Expiration"), k.ExpirationDate.UTC().Format("2006-01-02 15:04:05")+" UTC"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if got := call(strings.Repeat("0", 40)).Header.Get("Okapi-Key-Expiration"); got != "" {
		t.Errorf("a refused call says %q", got)
	}
	// Before 18 keys never expire, and nothing is said.
	s17 := serverFor(t, 17)
	c := newClient(t, client.Config{URL: s17.url, DB: "acme", Login: "alice", Key: s17.aliceKey, Protocol: client.XMLRPC})
	if _, err := c.SearchCount(ctx, "res.partner", []any{}); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.KeyExpiration(); ok {
		t.Errorf("17: told an expiry %v", got)
	}
}

// TestReadOnlyKey: a key of scope rpc.read reads over every protocol and
// every write it tries is refused as an access error that names the key
// as read-only; check_access_rights answers accordingly; nothing changed.
func TestReadOnlyKey(t *testing.T) {
	s := serverFor(t, 19)
	ctx := ctxT(t)
	ro, roKey, err := s.srv.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: s.aliceID, Name: "reports", Scope: "rpc.read"})
	if err != nil {
		t.Fatal(err)
	}
	full := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: s.aliceKey})
	id, err := full.Create(ctx, "res.partner", map[string]any{"name": "Read Only Target"})
	if err != nil {
		t.Fatal(err)
	}
	before, err := full.SearchCount(ctx, "res.partner", []any{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []client.Protocol{client.XMLRPC, client.JSONRPC, client.JSON2} {
		c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: ro, Protocol: p})
		if uid, err := c.Authenticate(ctx); err != nil || uid != s.aliceID {
			t.Fatalf("%s: authenticate %d, %v", p, uid, err)
		}
		if n, err := c.SearchCount(ctx, "res.partner", []any{}); err != nil || n != before {
			t.Fatalf("%s: search_count %d, %v", p, n, err)
		}
		if recs, err := c.Read(ctx, "res.partner", []int64{id}, "name"); err != nil || len(recs) != 1 {
			t.Fatalf("%s: read %v, %v", p, recs, err)
		}
		if ok, err := c.CheckAccessRights(ctx, "res.partner", "read"); err != nil || !ok {
			t.Errorf("%s: may not read: %v, %v", p, ok, err)
		}
		if ok, err := c.CheckAccessRights(ctx, "res.partner", "create"); err != nil || ok {
			t.Errorf("%s: check_access_rights create = %v, %v; want false", p, ok, err)
		}
		refused := func(what string, err error) {
			t.Helper()
			if !client.IsAccessError(err) || !strings.Contains(err.Error(), "This API key is read-only") {
				t.Errorf("%s: %s: %v, want the read-only access error", p, what, err)
			}
		}
		_, err := c.Create(ctx, "res.partner", map[string]any{"name": "should not exist"})
		refused("create", err)
		refused("write", c.Write(ctx, "res.partner", []int64{id}, map[string]any{"name": "renamed"}))
		refused("unlink", c.Unlink(ctx, "res.partner", []int64{id}))
		_, err = c.ExecuteKW(ctx, "res.partner", "message_post", []any{[]any{id}}, map[string]any{"body": "hello"})
		refused("message_post", err)
	}
	if n, err := full.SearchCount(ctx, "res.partner", []any{}); err != nil || n != before {
		t.Fatalf("the partners went from %d to %d (%v)", before, n, err)
	}
	if recs, err := full.Read(ctx, "res.partner", []int64{id}, "name"); err != nil || recs[0]["name"] != "Read Only Target" {
		t.Fatalf("the partner changed: %v, %v", recs, err)
	}
	// The key cannot revoke itself either (a write on res.users.apikeys).
	c := newClient(t, client.Config{URL: s.url, DB: "acme", Login: "alice", Key: ro, Protocol: client.XMLRPC})
	keys, err := c.SearchRead(ctx, "res.users.apikeys", []any{[]any{"id", "=", roKey.ID}}, client.SearchOptions{Fields: []string{"name"}})
	if err != nil || len(keys) != 1 {
		t.Fatalf("its own key: %v, %v", keys, err)
	}
	if err := c.Unlink(ctx, "res.users.apikeys", []int64{keys[0]["id"].(int64)}); !client.IsAccessError(err) {
		t.Errorf("a read-only key revoked a key: %v", err)
	}
}
