package auth

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLimiterMemoryBounded fails 100,000 distinct logins of 1 KiB from
// 100,000 addresses: the counts stay within their byte bound, and a
// login over its limit keeps its cooldown through the flood.
func TestLimiterMemoryBounded(t *testing.T) {
	l := newLimiter(DefaultCooldown, nil, time.Now)
	victim := loginKey("victim")
	for i := 0; i < DefaultCooldown.After; i++ {
		l.failure("192.0.2.1", victim)
	}
	pad := strings.Repeat("x", 1024)
	for i := 0; i < 100_000; i++ {
		l.failure("10."+strconv.Itoa(i>>16)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255), loginKey(pad+strconv.Itoa(i)))
		if i%1000 == 0 {
			l.pending = map[string]int{} // as the sync does every poll
		}
		if l.bytes > maxLimiterBytes {
			t.Fatalf("after %d failures the counts take %d bytes, over %d", i+1, l.bytes, maxLimiterBytes)
		}
	}
	if _, ok := l.blocked[victim]; !ok {
		t.Error("the flood evicted a cooldown")
	}
	t.Logf("%d counts, %d bytes", len(l.counts), l.bytes)
}
