package server

import (
	"context"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// smallBody is the largest body that needs no share of the budget: small
// requests (nearly all of them) never wait behind large ones.
const smallBody = 64 << 10

// bodyWait is how long a large request waits for a share of the budget
// before it is answered 503.
const bodyWait = 30 * time.Second

// bodyBudget bounds the bytes of request bodies being read and decoded at
// once, across all requests: a request with a large body takes its
// declared length (the body limit when undeclared) before its body is read
// and gives it back when answered. While the budget is spent, large
// requests wait (their bodies stay in the network's buffers, not in the
// server's memory), up to bodyWait; then 503. Decoding a body costs a few
// times its size, so the budget bounds the memory a burst can take. When a
// burst is over, the memory it took is handed back to the system at once
// rather than over minutes.
type bodyBudget struct {
	max int64

	mu       sync.Mutex
	used     int64
	high     int64         // the most used since memory was last handed back
	freed    chan struct{} // closed (and replaced) on every release
	lastFree time.Time
}

func newBodyBudget(max int64) *bodyBudget {
	return &bodyBudget{max: max, freed: make(chan struct{})}
}

// acquire takes n bytes of the budget, waiting until ctx ends or deadline;
// it reports whether it got them. n over the whole budget waits for an
// empty budget and then takes it all.
func (b *bodyBudget) acquire(ctx context.Context, n int64, deadline time.Time) bool {
	n = min(n, b.max)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.used+n <= b.max {
			b.used += n
			b.high = max(b.high, b.used)
			b.mu.Unlock()
			return true
		}
		wait := b.freed
		b.mu.Unlock()
		select {
		case <-wait:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// release gives n bytes back; when the budget empties after a burst that
// used a good part of it, the memory goes back to the system.
func (b *bodyBudget) release(n int64) {
	n = min(n, b.max)
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	hand := b.used == 0 && b.high >= b.max/2 && time.Since(b.lastFree) > time.Second
	if hand {
		b.high = 0
		b.lastFree = time.Now()
	}
	b.mu.Unlock()
	if hand {
		// A collection and the return of free pages: a few milliseconds
		// for a small heap, at most once a second, after bursts only.
		go debug.FreeOSMemory()
	}
}

// budgetBodies makes large requests take their share of the budget
// before their body is read.
func budgetBodies(next http.Handler, b *bodyBudget, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := r.ContentLength
		if n < 0 && r.Body != nil && r.Body != http.NoBody {
			n = maxBody // undeclared: it may be as long as the limit
		}
		if n <= smallBody {
			next.ServeHTTP(w, r)
			return
		}
		if !b.acquire(r.Context(), n, time.Now().Add(bodyWait)) {
			w.Header().Set("Retry-After", "5")
			w.Header().Set("Connection", "close")
			http.Error(w, "The server is busy with other large requests: please retry in a few seconds.", http.StatusServiceUnavailable)
			return
		}
		defer b.release(n)
		next.ServeHTTP(w, r)
	})
}
