package bench

import (
	"math"
	"math/bits"
	"time"
)

// The latency histogram is log-linear: values below 2*histSub nanoseconds get
// one bucket each, and every power of two above that is cut into histSub equal
// buckets. A bucket is then at most 1/histSub = 0.78% of its value wide, and
// reporting its midpoint is off by at most half that. Its size is fixed
// whatever the run length or request rate, so a 10-minute run at a million
// requests per second costs the same memory as a 1-second one, and recording a
// sample is a few instructions with no allocation.
const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	// histMaxShift bounds the range to 2^(histMaxShift+histSubBits+1) ns,
	// about 36 minutes; anything longer (impossible with the 10-minute cap) is
	// clamped into the last bucket.
	histMaxShift = 33
	histBuckets  = 2*histSub + histMaxShift*histSub
)

// histogram counts latency samples. It is owned by one worker while the run
// lasts and merged into a total afterwards, so it needs no locking.
type histogram struct {
	counts [histBuckets]uint32
	n      uint64
	max    time.Duration
}

// bucketOf returns the bucket index of v nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1 // v>>shift is in [histSub, 2*histSub)
	if shift > histMaxShift {
		return histBuckets - 1
	}
	return 2*histSub + (shift-1)*histSub + int(v>>uint(shift)) - histSub
}

// bucketMid returns the value that stands for bucket i: its midpoint.
func bucketMid(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	shift := (i-2*histSub)/histSub + 1
	m := uint64((i-2*histSub)%histSub + histSub)
	lo := m << uint(shift)
	return lo + (uint64(1)<<uint(shift))/2
}

// record adds one sample.
func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

// merge adds the samples of o to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the value below or at which a fraction q of the samples
// lie (nearest rank). It never exceeds the exact maximum, so that
// p50 <= p90 <= p99 <= max always holds in a report.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	// The small epsilon keeps 0.99*100 (98.99999999999999 in binary floating
	// point) at rank 99.
	rank := uint64(math.Ceil(q*float64(h.n) - 1e-9))
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			v := time.Duration(bucketMid(i))
			if v > h.max {
				v = h.max
			}
			return v
		}
	}
	return h.max
}
