package sqlite

import (
	"strings"
	"testing"
)

func TestLikeCaseSensitive(t *testing.T) {
	for _, tc := range []struct {
		v, p string
		want bool
	}{
		{"Alice", "Alice", true},
		{"Alice", "alice", false},
		{"Alice", "%lic%", true},
		{"Alice", "%LIC%", false},
		{"Alice", "A_ice", true},
		{"Alice", "A__ce", true},
		{"Alice", "A_ce", false},
		{"50%", `50\%`, true},
		{"500", `50\%`, false},
		{"a_b", `a\_b`, true},
		{"axb", `a\_b`, false},
		{"Müller", "M%ller", true},
		{"Müller", "M_ller", true},
		{"", "%", true},
		{"", "_", false},
		{"abc", "", false},
		{"", "", true},
	} {
		if got := like(tc.v, tc.p); got != tc.want {
			t.Errorf("like(%q, %q) = %v, want %v", tc.v, tc.p, got, tc.want)
		}
	}
}

// TestLikeHostilePattern: a pattern built to make naive backtracking
// exponential must still answer at once.
func TestLikeHostilePattern(t *testing.T) {
	v := strings.Repeat("a", 5000)
	p := strings.Repeat("%a", 40) + "%b"
	if like(v, p) {
		t.Fatal("matched")
	}
}
