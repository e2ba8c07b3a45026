package policy

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func mustParse(t testing.TB, models, nets, rate string) *okapi.Policy {
	t.Helper()
	p, err := Parse(models, nets, rate)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheck: each rule allows what it should and refuses the rest with an
// Odoo-shaped error naming the rule.
func TestCheck(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)}
	c := New(clk.now)
	alice := &okapi.User{ID: 7, Login: "alice"}
	ro := alice.WithKey(1, true, nil)
	models := alice.WithKey(2, false, mustParse(t, "res.partner, crm.lead", "", ""))
	nets := alice.WithKey(3, false, mustParse(t, "", "10.0.0.0/8,192.168.1.7", ""))
	all := alice.WithKey(4, true, mustParse(t, "res.partner", "127.0.0.0/8", "2/s"))
	for _, tc := range []struct {
		name          string
		u             *okapi.User
		model, method string
		ip            string
		rule          string
	}{
		{"no policy writes", alice, "res.partner", "unlink", "1.2.3.4", ""},
		{"read-only reads", ro, "res.partner", "search_read", "1.2.3.4", ""},
		{"read-only fields_get", ro, "res.users", "fields_get", "1.2.3.4", ""},
		{"read-only get_views", ro, "res.partner", "get_views", "1.2.3.4", ""},
		{"read-only get_view", ro, "res.partner", "get_view", "1.2.3.4", ""},
		{"read-only writes", ro, "res.partner", "write", "1.2.3.4", RuleReadOnly},
		{"read-only unknown method", ro, "res.partner", "do_something_new", "1.2.3.4", RuleReadOnly},
		{"read-only message_post", ro, "res.partner", "message_post", "1.2.3.4", RuleReadOnly},
		{"listed model", models, "crm.lead", "create", "1.2.3.4", ""},
		{"other model", models, "res.users", "read", "1.2.3.4", RuleModels},
		{"in the CIDR", nets, "res.partner", "read", "10.1.2.3", ""},
		{"the single address", nets, "res.partner", "read", "192.168.1.7", ""},
		{"address with a port", nets, "res.partner", "read", "10.1.2.3:5000", ""},
		{"IPv4-mapped IPv6", nets, "res.partner", "read", "::ffff:10.1.2.3", ""},
		{"outside", nets, "res.partner", "read", "192.168.1.8", RuleAllowIP},
		{"garbage address", nets, "res.partner", "read", "not-an-ip", RuleAllowIP},
		{"everything: read-only first", all, "res.partner", "create", "127.0.0.1", RuleReadOnly},
		{"everything: model", all, "res.users", "read", "127.0.0.1", RuleModels},
		{"everything: address", all, "res.partner", "read", "10.0.0.1", RuleAllowIP},
		{"everything: allowed", all, "res.partner", "read", "127.0.0.1", ""},
	} {
		err := c.Check(tc.u, tc.model, tc.method, tc.ip)
		if got := RuleOf(err); got != tc.rule {
			t.Errorf("%s: rule %q (%v), want %q", tc.name, got, err, tc.rule)
			continue
		}
		if tc.rule == "" {
			continue
		}
		e := okapi.AsError(err)
		if e == nil || e.Code != okapi.EAccess || !strings.Contains(e.Message, "(rule: "+tc.rule+")") {
			t.Errorf("%s: %#v, want an access error naming rule %s", tc.name, e, tc.rule)
		}
	}
	if alice.ReadOnly || alice.Policy != nil {
		t.Fatal("the shared user was marked")
	}
}

// TestRate: a burst goes through, the next call waits with Retry-After,
// and the bucket refills at the rate; the audit sees one refusal per run.
func TestRate(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)}
	c := New(clk.now)
	u := (&okapi.User{ID: 7}).WithKey(9, false, mustParse(t, "", "", "2/s:3"))
	for i := 0; i < 3; i++ {
		if err := c.Check(u, "res.partner", "read", "1.2.3.4"); err != nil {
			t.Fatalf("call %d of the burst: %v", i, err)
		}
	}
	err := c.Check(u, "res.partner", "read", "1.2.3.4")
	r, ok := err.(*Refusal)
	if !ok || r.Rule != RuleRate || r.Err.Code != okapi.ETooMany || r.Err.RetryAfter != 1 || r.Repeat {
		t.Fatalf("over the burst: %#v", err)
	}
	if r2, _ := c.Check(u, "res.partner", "read", "1.2.3.4").(*Refusal); r2 == nil || !r2.Repeat {
		t.Fatalf("second refusal not marked as a repeat: %#v", r2)
	}
	clk.t = clk.t.Add(500 * time.Millisecond) // one token at 2/s
	if err := c.Check(u, "res.partner", "read", "1.2.3.4"); err != nil {
		t.Fatalf("after half a second: %v", err)
	}
	if err := c.Check(u, "res.partner", "read", "1.2.3.4"); RuleOf(err) != RuleRate {
		t.Fatalf("second call in the same half second: %v", err)
	}
	// Another key has its own bucket.
	other := (&okapi.User{ID: 7}).WithKey(10, false, mustParse(t, "", "", "2/s:3"))
	if err := c.Check(other, "res.partner", "read", "1.2.3.4"); err != nil {
		t.Fatalf("another key: %v", err)
	}
}

// TestBucketsBounded: a flood of distinct names never grows the map past
// its bound.
func TestBucketsBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)}
	c := New(clk.now)
	for i := 0; i < maxBuckets+5000; i++ {
		c.Allow("login:"+string(rune(i)), 1, 1, "x")
	}
	if n := len(c.buckets); n > maxBuckets {
		t.Fatalf("%d buckets, bound %d", n, maxBuckets)
	}
}

func TestParse(t *testing.T) {
	p := mustParse(t, "res.partner,crm.lead", "10.0.0.0/8, 192.168.1.7", "600/m")
	if p.ModelsText() != "res.partner,crm.lead" || p.NetsText() != "10.0.0.0/8,192.168.1.7/32" || p.Rate != 10 || p.Burst != 20 {
		t.Fatalf("parsed %+v", p)
	}
	back := okapi.PolicyFromText(p.ModelsText(), p.NetsText(), p.Rate, p.Burst)
	if back.String() != p.String() {
		t.Fatalf("stored and read back: %q, want %q", back.String(), p.String())
	}
	if p, err := Parse("", "", ""); p != nil || err != nil {
		t.Fatalf("empty: %v, %v", p, err)
	}
	if p := mustParse(t, "", "", "5/s:3"); p.RateText() != "5/s:3" {
		t.Fatalf("rate text %q", p.RateText())
	}
	for _, bad := range [][3]string{{"Res Partner", "", ""}, {"", "10.0.0.0/33", ""}, {"", "host.example", ""},
		{"", "", "20"}, {"", "", "20/h"}, {"", "", "-1/s"}, {"", "", "5/s:0"}} {
		if _, err := Parse(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Parse%q accepted", bad)
		}
	}
	if !netip.MustParsePrefix("10.0.0.0/8").Contains(netip.MustParseAddr("10.9.9.9")) {
		t.Fatal("sanity")
	}
}

// BenchmarkCheck is the cost of one policy check of a key with every
// rule, allowed (the goal: under 5 µs).
func BenchmarkCheck(b *testing.B) {
	c := New(nil)
	p, _ := Parse("res.partner,crm.lead,sale.order,account.move", "10.0.0.0/8,192.168.0.0/16,127.0.0.0/8", "1000000/s")
	u := (&okapi.User{ID: 7}).WithKey(1, true, p)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Check(u, "sale.order", "search_read", "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckRefused is the cost of a refusal (an error is built).
func BenchmarkCheckRefused(b *testing.B) {
	c := New(nil)
	p, _ := Parse("res.partner", "10.0.0.0/8", "")
	u := (&okapi.User{ID: 7}).WithKey(1, false, p)
	b.ReportAllocs()
	for b.Loop() {
		if c.Check(u, "res.partner", "read", "127.0.0.1") == nil {
			b.Fatal("allowed")
		}
	}
}
