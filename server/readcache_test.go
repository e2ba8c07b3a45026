package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/internal/testclock"
	"github.com/okapi-erp/okapi/readcache"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// cacheServer starts a server as users start it (the read cache on, its
// default lifetime) with alice, an internal user; now, when set, is its
// clock.
func cacheServer(t *testing.T, dialect string, now func() time.Time) (*server.Server, *okapi.User) {
	t.Helper()
	opt := storetest.Options(t, dialect)
	s := servertest.Start(t, server.Config{DataDir: opt.DataDir, DBURL: opt.URL, DBName: "acme", Version: 19,
		AdminPassword: "admin", Now: now})
	if s.ReadCache == nil {
		t.Fatal("the read cache is off by default")
	}
	alice, err := s.Auth.CreateUser(context.Background(), nil, auth.UserRequest{Login: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return s, alice
}

// names asks, as the external API does (through the server's executor),
// for the names of the partners ids, in id order.
func names(t *testing.T, s *server.Server, u *okapi.User, ids ...int64) []string {
	t.Helper()
	domain := []any{[]any{"id", "in", anyIDs(ids)}}
	out, err := s.ReadCache.Execute(context.Background(), u, "res.partner", "search_read", []any{domain},
		map[string]any{"fields": []any{"name"}, "order": "id"})
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := out.([]okapi.Struct)
	got := make([]string, len(recs))
	for i, r := range recs {
		v, _ := r.Get("name")
		got[i], _ = v.(string)
	}
	return got
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func createPartner(t *testing.T, s *server.Server, u *okapi.User, name string) int64 {
	t.Helper()
	id, err := s.ReadCache.Execute(context.Background(), u, "res.partner", "create", []any{map[string]any{"name": name}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return id.(int64)
}

func rename(t *testing.T, s *server.Server, u *okapi.User, id int64, name string) {
	t.Helper()
	if _, err := s.ReadCache.Execute(context.Background(), u, "res.partner", "write", []any{[]any{id}, map[string]any{"name": name}}, nil); err != nil {
		t.Fatal(err)
	}
}

// answeredFromCache asks (ask) again until the cache answers, which takes
// three asks (the first is noted, the second kept) unless a write is heard
// meanwhile — on PostgreSQL each write is heard once more, when its own
// notification comes back — and fails after a second.
func answeredFromCache(t *testing.T, s *server.Server, ask func()) {
	t.Helper()
	hits, _ := s.ReadCache.Stats()
	for start := time.Now(); time.Since(start) < time.Second; time.Sleep(5 * time.Millisecond) {
		for range 3 {
			ask()
		}
		if h, _ := s.ReadCache.Stats(); h > hits {
			return
		}
	}
	t.Fatal("a question asked again and again for a second was never answered from the cache")
}

// TestReadCacheSeesWrites: a question asked again is answered from the
// cache, and a write — through the API, or any other write this process
// makes — is seen by the very next read, on both databases.
func TestReadCacheSeesWrites(t *testing.T) {
	for _, d := range benchDialects() {
		t.Run(d, func(t *testing.T) {
			s, alice := cacheServer(t, d, nil)
			id := createPartner(t, s, alice, "v0")
			answeredFromCache(t, s, func() {
				if got := names(t, s, alice, id); len(got) != 1 || got[0] != "v0" {
					t.Fatalf("names: %v, want [v0]", got)
				}
			})
			rename(t, s, alice, id, "v1")
			if got := names(t, s, alice, id); got[0] != "v1" {
				t.Fatalf("after a write through the API: %v, want [v1]", got)
			}
			// A write that is not an API call (the web pages, the
			// command's own work) goes through the same database layer.
			if _, err := s.Models.Execute(context.Background(), alice, "res.partner", "write", []any{[]any{id}, map[string]any{"name": "v2"}}, nil); err != nil {
				t.Fatal(err)
			}
			if got := names(t, s, alice, id); got[0] != "v2" {
				t.Fatalf("after a write beside the API: %v, want [v2]", got)
			}
			// Another user's same question is not answered with alice's
			// answer: it is a miss of its own.
			bob, err := s.Auth.CreateUser(context.Background(), nil, auth.UserRequest{Login: "bob"})
			if err != nil {
				t.Fatal(err)
			}
			_, before := s.ReadCache.Stats()
			names(t, s, bob, id)
			if _, after := s.ReadCache.Stats(); after != before+1 {
				t.Fatalf("bob's first question: misses %d → %d, want one more", before, after)
			}
		})
	}
}

// TestReadCacheConcurrentWrites: eight writers each rename their own
// partner again and again and, after each write, read every partner with
// one shared question (which the others keep asking too); each must see its
// own latest write every time — an answer read before a write commits is
// never served after it. Four readers ask the same question meanwhile (and
// are answered from the cache between writes): what they see of each
// partner never goes back to an older name. Run it with -race.
func TestReadCacheConcurrentWrites(t *testing.T) {
	for _, d := range benchDialects() {
		t.Run(d, func(t *testing.T) {
			s, alice := cacheServer(t, d, nil)
			const writers, rounds = 8, 40
			ids := make([]int64, writers)
			for i := range ids {
				ids[i] = createPartner(t, s, alice, "w0")
			}
			var wg sync.WaitGroup
			errs := make(chan error, writers+4)
			ask := func() ([]okapi.Struct, error) {
				out, err := s.ReadCache.Execute(context.Background(), alice, "res.partner", "search_read",
					[]any{[]any{[]any{"id", "in", anyIDs(ids)}}}, map[string]any{"fields": []any{"name"}, "order": "id"})
				recs, _ := out.([]okapi.Struct)
				return recs, err
			}
			done := make(chan struct{})
			var readers sync.WaitGroup
			for range 4 {
				readers.Add(1)
				go func() {
					defer readers.Done()
					last := make([]int, writers)
					for {
						select {
						case <-done:
							return
						default:
						}
						recs, err := ask()
						if err != nil {
							errs <- err
							return
						}
						for w, r := range recs {
							v, _ := r.Get("name")
							n, _ := strconv.Atoi(strings.TrimPrefix(v.(string), "w"))
							if n < last[w] {
								errs <- fmt.Errorf("a reader saw partner %d go back from w%d to w%d", w, last[w], n)
								return
							}
							last[w] = n
						}
					}
				}()
			}
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 1; r <= rounds; r++ {
						want := fmt.Sprintf("w%d", r)
						if _, err := s.ReadCache.Execute(context.Background(), alice, "res.partner", "write",
							[]any{[]any{ids[w]}, map[string]any{"name": want}}, nil); err != nil {
							errs <- err
							return
						}
						recs, err := ask()
						if err != nil {
							errs <- err
							return
						}
						if got, _ := recs[w].Get("name"); got != want {
							errs <- fmt.Errorf("writer %d, round %d: read %v after writing %s", w, r, got, want)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(done)
			readers.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			hits, misses := s.ReadCache.Stats()
			t.Logf("%d hits, %d misses", hits, misses)
		})
	}
}

// TestReadCacheLifetime: a write nobody announces — straight into the
// database, past Okapi (as another process writing a SQLite file would) — is
// seen once the answer's lifetime (1 s by default) is over, and a kept
// answer is served until then. The test's clock moves, not the wall's. A
// write the change feed reports (a user's contact, as the command line
// changes users) is seen as soon as the feed is read, the clock standing
// still.
func TestReadCacheLifetime(t *testing.T) {
	clock := testclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	s, alice := cacheServer(t, "sqlite", clock.Now)
	id := createPartner(t, s, alice, "before")
	for range 2 {
		names(t, s, alice, id)
	}
	if _, err := s.Store.DB().W.ExecContext(context.Background(), "UPDATE res_partner SET name = 'behind its back' WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s, alice, id); got[0] != "before" {
		t.Fatalf("within the lifetime: %v, want the kept answer [before]", got)
	}
	clock.Advance(readcache.DefaultTTL)
	if got := names(t, s, alice, id); got[0] != "behind its back" {
		t.Fatalf("after the lifetime: %v, want [behind its back]", got)
	}

	answeredFromCache(t, s, func() { names(t, s, alice, alice.PartnerID) })
	if _, err := s.Store.DB().W.ExecContext(context.Background(), "UPDATE res_partner SET name = 'Alice Renamed' WHERE id = ?", alice.PartnerID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for names(t, s, alice, alice.PartnerID)[0] != "Alice Renamed" {
		if time.Since(start) > 5*time.Second {
			t.Fatal("a change the feed reports was not seen in 5 s with the clock standing still")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("a change the feed reports: seen after %v", time.Since(start))
}

// TestReadCacheMemoryBounded: thousands of distinct questions, each asked
// twice (so each is kept), never make the kept answers exceed the bound.
func TestReadCacheMemoryBounded(t *testing.T) {
	s, alice := cacheServer(t, "sqlite", nil)
	for i := range 20 {
		createPartner(t, s, alice, fmt.Sprintf("Partner %02d %s", i, strings.Repeat("x", 200)))
	}
	var peak int64
	for i := range 3000 {
		for range 2 {
			if _, err := s.ReadCache.Execute(context.Background(), alice, "res.partner", "search_read",
				[]any{[]any{[]any{"id", "!=", int64(-1 - i)}}}, map[string]any{"fields": []any{"name"}}); err != nil {
				t.Fatal(err)
			}
		}
		_, b := s.ReadCache.Len()
		peak = max(peak, b)
	}
	n, b := s.ReadCache.Len()
	t.Logf("kept %d answers, %d bytes; peak %d bytes", n, b, peak)
	if peak > 4<<20 {
		t.Fatalf("kept answers reached %d bytes, over the 4 MiB bound", peak)
	}
	if n == 0 {
		t.Fatal("nothing kept: the test did not exercise the bound")
	}
}

// TestClusterReadCache starts two nodes on one PostgreSQL database. Node A
// keeps an answer; a write through node B, then a write straight into the
// database that no Okapi process makes (a person with psql), are each seen
// by node A within one second — in practice as soon as PostgreSQL delivers
// the notification its trigger sends.
func TestClusterReadCache(t *testing.T) {
	a, b, alice, _, _ := twoNodes(t)
	ctx := context.Background()
	id := createPartner(t, a, alice, "v0")
	ask := func() string { return names(t, a, alice, id)[0] }
	keep := func(want string) {
		t.Helper()
		answeredFromCache(t, a, func() {
			if got := ask(); got != want {
				t.Fatalf("node A: %q, want %q", got, want)
			}
		})
	}
	seen := func(what, want string) time.Duration {
		t.Helper()
		start := time.Now()
		for ask() != want {
			if time.Since(start) > time.Second {
				t.Fatalf("%s: node A still answers %q after one second", what, ask())
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Since(start)
	}
	keep("v0")
	if _, err := b.Models.Execute(ctx, alice, "res.partner", "write", []any{[]any{id}, map[string]any{"name": "v1"}}, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("renamed through node B: node A answers it after %v", seen("a write through node B", "v1"))
	keep("v1")
	// Straight into the database, past both nodes' own bookkeeping.
	if _, err := b.Store.DB().W.ExecContext(ctx, "UPDATE res_partner SET name = 'v2' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	t.Logf("renamed with SQL: node A answers it after %v", seen("a write with SQL", "v2"))
}

// bookkeeping writes, through s's store, what no model reads: a key's use
// from a new address and again from it, an audit entry, failed logins, a
// web session, a spent code.
func bookkeeping(t *testing.T, s *server.Server, u *okapi.User, keyID int64, round int) {
	t.Helper()
	ctx := context.Background()
	st := s.Store
	now := time.Now().UTC()
	ip := fmt.Sprintf("192.0.2.%d", round)
	for i := range 2 {
		if err := st.RecordKeyUses(ctx, []okapi.KeyUse{{KeyID: keyID, At: now.Add(time.Duration(i) * time.Second), IP: ip}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddAudit(ctx, okapi.AuditEntry{Kind: okapi.AuditLoginFailed, Login: u.Login, IP: ip}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddFailures(ctx, map[string]int{"ip:" + ip: 1, "login:" + u.Login: 1}, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := st.ClearFailures(ctx, "ip:"+ip); err != nil {
		t.Fatal(err)
	}
	se := &okapi.Session{ID: fmt.Sprintf("bookkeeping-%d", round), UserID: u.ID, CSRF: "c", CreatedAt: now, LastSeen: now}
	if err := st.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	se.LastSeen = now.Add(time.Second)
	if err := st.UpdateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SpendCode(ctx, se.ID, now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
}

// TestBookkeepingKeepsReadCache: recording key uses, audit entries, failed
// logins, sessions and spent codes — what every node writes all the time
// under load, and an attacker's failures make more of — does not drop the
// answers the read cache keeps, on this node or (PostgreSQL) another; a
// change to the key itself still does, on every node.
func TestBookkeepingKeepsReadCache(t *testing.T) {
	check := func(t *testing.T, a, b *server.Server, alice *okapi.User, keyID int64) {
		id := createPartner(t, a, alice, "v0")
		ask := func() {
			if got := names(t, a, alice, id); len(got) != 1 || got[0] != "v0" {
				t.Fatalf("names: %v, want [v0]", got)
			}
		}
		answeredFromCache(t, a, ask)
		g0, _ := a.Store.DB().Generation()
		bookkeeping(t, a, alice, keyID, 1)
		if b != a {
			bookkeeping(t, b, alice, keyID, 2)
			time.Sleep(300 * time.Millisecond) // a notification takes 0.5-3.3 ms (TestClusterReadCache)
		}
		if g1, _ := a.Store.DB().Generation(); g1 != g0 {
			t.Fatalf("bookkeeping moved node A's data generation from %d to %d: its kept answers were dropped", g0, g1)
		}
		hits, _ := a.ReadCache.Stats()
		ask()
		if h, _ := a.ReadCache.Stats(); h != hits+1 {
			t.Fatal("after the bookkeeping, the question asked again was not answered from the cache")
		}
		// A change to the key (its name) is a change: every node hears it.
		if _, err := b.Store.DB().Exec(context.Background(), "UPDATE res_users_apikeys SET name = 'renamed' WHERE id = ?", keyID); err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); ; time.Sleep(2 * time.Millisecond) {
			if g2, _ := a.Store.DB().Generation(); g2 != g0 {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatal("renaming the key did not move node A's data generation within a second")
			}
		}
	}
	for _, d := range benchDialects() {
		t.Run(d, func(t *testing.T) {
			s, alice := cacheServer(t, d, nil)
			_, k, err := s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: alice.ID, Name: "k"})
			if err != nil {
				t.Fatal(err)
			}
			check(t, s, s, alice, k.ID)
		})
	}
	t.Run("two postgres nodes", func(t *testing.T) {
		a, b, alice, _, k := twoNodes(t)
		check(t, a, b, alice, k.ID)
	})
}
