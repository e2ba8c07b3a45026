package okapi

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestScopeMatches: a key without a scope goes everywhere; a scoped key only
// where its scope is wanted; a read-only RPC key wherever an RPC key is (the
// model layer then refuses its writes), and nowhere else.
func TestScopeMatches(t *testing.T) {
	for _, c := range []struct {
		stored, want string
		ok           bool
	}{
		{"", ScopeRPC, true},
		{"", ScopeMailPlugin, true},
		{ScopeRPC, ScopeRPC, true},
		{ScopeRPC, ScopeMailPlugin, false},
		{ScopeMailPlugin, ScopeRPC, false},
		{ScopeMailPlugin, ScopeMailPlugin, true},
		{ScopeRPCRead, ScopeRPC, true},
		{ScopeRPCRead, ScopeMailPlugin, false},
		{ScopeRPC, ScopeRPCRead, false},
	} {
		if got := ScopeMatches(c.stored, c.want); got != c.ok {
			t.Errorf("ScopeMatches(%q, %q) = %v, want %v", c.stored, c.want, got, c.ok)
		}
	}
}

// TestWithReadOnly: the shared user is never marked; the copy is.
func TestWithReadOnly(t *testing.T) {
	u := &User{ID: 7, Login: "alice"}
	if u.WithReadOnly(false) != u {
		t.Error("a full-access call got a copy")
	}
	c := u.WithReadOnly(true)
	if c == u || !c.ReadOnly || u.ReadOnly || c.ID != 7 {
		t.Errorf("read-only copy %+v of %+v", c, u)
	}
}

func TestCapIdent(t *testing.T) {
	if got := CapIdent("alice@example.com"); got != "alice@example.com" {
		t.Errorf("a short login was changed: %q", got)
	}
	long := strings.Repeat("é", 4<<20)
	a, b := CapIdent(long), CapIdent(long+"x")
	if len(a) > MaxIdentBytes || !utf8.ValidString(a) || !strings.HasPrefix(long, a[:100]) {
		t.Errorf("a 8 MiB login capped to %d bytes (valid UTF-8: %v)", len(a), utf8.ValidString(a))
	}
	if a == b {
		t.Error("two long logins capped to the same text")
	}
}
