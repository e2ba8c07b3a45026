package hardening

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/storetest"
)

// TestKeyLookupTiming shows that a guesser cannot tell "no key has this
// index" from "a key has this index but the rest is wrong" by the time the
// answer takes, which would tell them the first 8 characters of a real key.
//
// Method: two kinds of wrong key, made once each: a key whose 8-character
// index no stored key has, and the first 8 characters of a real key followed
// by 32 random ones. They are tried alternately (a, b, a, b, …), so that
// whatever slows the machine down (other tests, the garbage collector, the
// race detector) falls on both alike, after a warm-up that fills the
// database's and the runtime's caches. Medians are compared, because a
// handful of long pauses move a mean but not a median. The comparison is
// made twice: in-process on auth.Service.CheckBearer, where there is no
// network noise and a difference of a few microseconds would show, and over
// HTTP on JSON-2, where the attacker stands. The test runs alone, before
// the parallel tests start.
//
// What differs between the two cases is whether the index lookup returns a
// row: both then spend the same HMAC comparison (against a dummy hash when no
// row came back). Decoding that row is a real, systematic difference of about
// 2 µs in-process (3-5% of an HTTP answer on loopback), which the bounds
// below tolerate: a quarter of the median plus 5 µs in-process (twice that
// under the race detector, which slows the Go side of decoding a row), a tenth
// plus 20 µs over HTTP. What they
// catch is work of the size of a hash or a query that only one case does
// (Odoo's 6,000-round PBKDF2 per matching row is milliseconds). A round whose
// medians differ too much is measured again, up to three times, so that a
// burst of load on a shared machine does not fail the test; a real leak is
// there every round.
func TestKeyLookupTiming(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			n := startNode(t, dialect, nodeOptions{})
			real := n.addUser("timed").key
			var noIndex string
			for {
				noIndex = wrongKey()
				if noIndex[:okapi.KeyIndexLen] != real[:okapi.KeyIndexLen] {
					break
				}
			}
			sameIndex := real[:okapi.KeyIndexLen] + wrongKey()[okapi.KeyIndexLen:]
			ctx := context.Background()

			inProcess := func(key string) time.Duration {
				start := time.Now()
				if _, err := n.s.Auth.CheckBearer(ctx, key, "127.0.0.1"); okapi.ErrorCode(err) != okapi.EAccessDenied {
					t.Fatalf("CheckBearer(wrong key) = %v, want access denied", err)
				}
				return time.Since(start)
			}
			frac, slack := 0.25, 5*time.Microsecond
			if raceEnabled {
				// The detector multiplies the Go side of decoding a row.
				frac, slack = 0.5, 10*time.Microsecond
			}
			rounds(t, "in-process", frac, slack, func() (time.Duration, time.Duration) {
				return measure(300, 2000, func() time.Duration { return inProcess(noIndex) }, func() time.Duration { return inProcess(sameIndex) })
			})

			overHTTP := func(key string) time.Duration {
				start := time.Now()
				if r := n.json2("", key, "res.partner", "search_count", []byte(`{"domain": []}`)); r.status != http.StatusUnauthorized {
					t.Fatalf("JSON-2 with a wrong key: %d %s", r.status, r.body)
				}
				return time.Since(start)
			}
			rounds(t, "over HTTP", 0.10, 20*time.Microsecond, func() (time.Duration, time.Duration) {
				return measure(60, 400, func() time.Duration { return overHTTP(noIndex) }, func() time.Duration { return overHTTP(sameIndex) })
			})
		})
	}
}

// measure runs fa and fb alternately, warm times each unmeasured, then n
// times each, and returns the median durations.
func measure(warm, n int, fa, fb func() time.Duration) (time.Duration, time.Duration) {
	for i := 0; i < warm; i++ {
		fa()
		fb()
	}
	as, bs := make([]time.Duration, n), make([]time.Duration, n)
	for i := 0; i < n; i++ {
		as[i] = fa()
		bs[i] = fb()
	}
	return median(as), median(bs)
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// rounds measures up to three times and fails when every round's medians
// (something absent, something present) differ by more than frac of the smaller plus
// slack.
func rounds(t *testing.T, what string, frac float64, slack time.Duration, run func() (time.Duration, time.Duration)) {
	t.Helper()
	for i := 1; ; i++ {
		a, b := run()
		d := (a - b).Abs()
		bound := time.Duration(frac*float64(min(a, b))) + slack
		t.Logf("%s, round %d: medians %v (absent) and %v (present), difference %v, bound %v", what, i, a, b, d, bound)
		if d <= bound {
			return
		}
		if i == 3 {
			t.Errorf("%s: the medians differ by %v, more than %v, in every round: the answer time tells what exists", what, d, bound)
			return
		}
	}
}

// TestLoginEnumerationTiming shows that a wrong password takes as long for
// a login that does not exist as for one that does, on the RPC and the web
// login: otherwise the time of a "false" would tell a guesser which logins
// to attack. The slow part is the password hash (argon2id, tens of
// milliseconds), so a median difference of a quarter of it would show. The
// test runs alone, as the one above.
func TestLoginEnumerationTiming(t *testing.T) {
	n := startNode(t, "sqlite", nodeOptions{})
	u := n.addUser("enumerated")
	rpc := func(login string) func() time.Duration {
		return func() time.Duration {
			start := time.Now()
			if n.authenticate("", login, "not-the-password") != 0 {
				t.Fatal("a wrong password was accepted")
			}
			return time.Since(start)
		}
	}
	web := func(login string) func() time.Duration {
		b := n.browser("")
		token := csrf(t, b.get("/web/login").body)
		return func() time.Duration {
			start := time.Now()
			a := b.post("/web/login", url.Values{"csrf_token": {token}, "login": {login}, "password": {"not-the-password"}})
			if a.status != http.StatusOK {
				t.Fatalf("web login with a wrong password: %d", a.status)
			}
			return time.Since(start)
		}
	}
	for _, tc := range []struct {
		name          string
		known, absent func() time.Duration
	}{
		{"XML-RPC authenticate", rpc(u.login), rpc("nobody-" + randHex(4))},
		{"web login", web(u.login), web("nobody-" + randHex(4))},
	} {
		rounds(t, tc.name, 0.25, 2*time.Millisecond, func() (time.Duration, time.Duration) {
			return measure(1, 9, tc.absent, tc.known)
		})
	}
}
