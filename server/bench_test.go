package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/storetest"
)

// benchServer is a server with a user, a key and a few partners, whose
// handler the benchmarks call directly: they measure Okapi's own cost per
// request, without the network or a load generator sharing the cores.
func benchServer(b testing.TB, dialect string) (*server.Server, int64, string) {
	b.Helper()
	opt := storetest.Options(b, dialect)
	// The default cooldown: benchmarks and TestRoundTripsPerCall measure
	// the product as it starts (a key is never held back by a cooldown).
	s, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: opt.DataDir, DBURL: opt.URL, DBName: "acme",
		Version: 19, AdminPassword: "admin"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	ctx := context.Background()
	u, _ := s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-pass"})
	key, _, _ := s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.ID, Name: "bench"})
	for i := 0; i < 20; i++ {
		if _, err := s.Models.Execute(ctx, u, "res.partner", "create", []any{map[string]any{"name": fmt.Sprintf("Partner %02d", i), "email": fmt.Sprintf("p%d@example.com", i)}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	return s, u.ID, key
}

type call struct {
	path, ctype, auth string
	body              []byte
	want              string
	// vary, when set, gives the body of the i-th call: a question asked
	// once, which the read cache cannot answer.
	vary func(i int) []byte
}

// bodyOf is the body of c's i-th call.
func (c call) bodyOf(i int) []byte {
	if c.vary != nil {
		return c.vary(i)
	}
	return c.body
}

func run(b *testing.B, h http.Handler, c call) {
	b.ReportAllocs()
	b.ResetTimer()
	rd := bytes.NewReader(c.body)
	ctx, trips := sqldb.CountRoundTrips(context.Background())
	for i := 0; i < b.N; i++ {
		rd.Reset(c.bodyOf(i))
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, c.path, rd)
		req.Header.Set("Content-Type", c.ctype)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || (i == 0 && !strings.Contains(w.Body.String(), c.want)) {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	}
	b.ReportMetric(float64(trips.Load())/float64(b.N), "trips/op")
}

// loadCalls are the three calls of the load test (`okapi bench`), and the
// two reads again as questions asked once each ("…_miss": the domain
// changes every call, so the read cache never answers and the database
// does).
func loadCalls(uid int64, key string) map[string]call {
	auth, _ := xmlrpc.AppendCall(nil, "authenticate", "acme", "alice", key, map[string]any{})
	readBody := func(domain []any) []byte {
		b, _ := xmlrpc.AppendCall(nil, "execute_kw", "acme", uid, key, "res.partner", "search_read", []any{domain},
			map[string]any{"fields": []any{"name", "email"}, "limit": int64(10)})
		return b
	}
	json2Body := func(domain string) []byte {
		return []byte(`{"domain": ` + domain + `, "fields": ["name", "email"], "limit": 10}`)
	}
	c := map[string]call{
		"authenticate": {path: "/xmlrpc/2/common", ctype: "text/xml", body: auth, want: fmt.Sprintf("<int>%d</int>", uid)},
		"search_read":  {path: "/xmlrpc/2/object", ctype: "text/xml", body: readBody([]any{}), want: "<name>email</name>"},
		"json2": {path: "/json/2/res.partner/search_read", ctype: "application/json", auth: "bearer " + key,
			body: json2Body("[]"), want: `"email"`},
	}
	miss := c["search_read"]
	miss.vary = func(i int) []byte { return readBody([]any{[]any{"id", "!=", int64(-1 - i)}}) }
	c["search_read_miss"] = miss
	miss = c["json2"]
	miss.vary = func(i int) []byte { return json2Body(fmt.Sprintf(`[["id", "!=", %d]]`, -1-i)) }
	c["json2_miss"] = miss
	return c
}

func benchDialects() []string {
	if os.Getenv(storetest.EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// BenchmarkHandler measures the three calls of the load test through the
// whole handler stack (middleware, decoding, credential check, query,
// encoding), the reads both as repeated (the read cache answers) and as
// asked once (the database answers).
func BenchmarkHandler(b *testing.B) {
	for _, d := range benchDialects() {
		s, uid, key := benchServer(b, d)
		h := s.Handler()
		calls := loadCalls(uid, key)
		for _, name := range []string{"authenticate", "search_read", "json2", "search_read_miss", "json2_miss"} {
			b.Run(d+"/"+name, func(b *testing.B) { run(b, h, calls[name]) })
		}
	}
}
