package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsRoundTrip(t *testing.T) {
	// Every value lands in a bucket whose midpoint is within 1% of it, and
	// buckets grow with the value.
	last := -1
	for v := uint64(0); v < 1<<40; v = v*21/20 + 1 {
		i := bucketOf(v)
		if i < last || i >= histBuckets {
			t.Fatalf("v=%d: bucket %d after %d", v, i, last)
		}
		last = i
		if mid := bucketMid(i); math.Abs(float64(mid)-float64(v)) > 0.01*float64(v)+0.5 {
			t.Fatalf("v=%d: bucket %d stands for %d", v, i, mid)
		}
	}
	if i := bucketOf(math.MaxUint64); i != histBuckets-1 {
		t.Errorf("huge value in bucket %d", i)
	}
}

func TestQuantilesWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h histogram
	samples := make([]time.Duration, 200000)
	for i := range samples {
		// Log-normal around 200µs with a long tail, like loopback latencies.
		d := time.Duration(math.Exp(r.NormFloat64()*1.2) * 200e3)
		samples[i] = d
		h.record(d)
	}
	slices.Sort(samples)
	var prev time.Duration
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := samples[int(math.Ceil(q*float64(len(samples))))-1]
		got := h.quantile(q)
		if math.Abs(float64(got-exact)) > 0.01*float64(exact) {
			t.Errorf("q%.3f: %v, exact %v", q, got, exact)
		}
		if got < prev {
			t.Errorf("q%.3f: %v below the previous quantile %v", q, got, prev)
		}
		prev = got
	}
	if h.max != samples[len(samples)-1] || h.quantile(1) > h.max {
		t.Errorf("max %v, want %v", h.max, samples[len(samples)-1])
	}

	// Merging keeps counts and max.
	var a, b histogram
	a.record(time.Millisecond)
	b.record(3 * time.Millisecond)
	b.record(2 * time.Millisecond)
	a.merge(&b)
	if a.n != 3 || a.max != 3*time.Millisecond || a.quantile(0.5) > 2*time.Millisecond+20*time.Microsecond || a.quantile(0.5) < 2*time.Millisecond-20*time.Microsecond {
		t.Errorf("merged: n=%d max=%v p50=%v", a.n, a.max, a.quantile(0.5))
	}
	var empty histogram
	if empty.quantile(0.5) != 0 {
		t.Error("empty histogram has a median")
	}
}
