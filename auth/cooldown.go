package auth

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/okapi-erp/okapi"
)

// Cooldown is the brute-force limit: after After failures from one client
// address (or for one login), attempts are not evaluated for Duration.
// After = 0 disables it, as Odoo's base.login_cooldown_after = 0 does.
type Cooldown struct {
	After    int
	Duration time.Duration
	// PerLogin also counts failures per login (or uid), whatever the
	// address; off, only addresses are counted, as in Odoo.
	PerLogin bool
}

// DefaultCooldown is Odoo's default: 5 failures, then 60 seconds.
var DefaultCooldown = Cooldown{After: 5, Duration: 60 * time.Second, PerLogin: true}

// limiter decides cooldowns from counts kept in memory, so that neither the
// check on every request nor a failure waits for the database; a background
// sync writes the counts to the database in batches and reads back the
// cooldowns other nodes started, so that every node of a cluster shares
// them within a sync interval.
type limiter struct {
	cfg   Cooldown
	store okapi.FailureStore
	now   func() time.Time

	mu      sync.RWMutex
	counts  map[string]*failCount
	pending map[string]int      // failures not yet written
	clear   map[string]struct{} // successes whose counts must be cleared
	blocked map[string]time.Time
}

type failCount struct {
	n    int
	last time.Time
}

func newLimiter(cfg Cooldown, store okapi.FailureStore, now func() time.Time) *limiter {
	return &limiter{cfg: cfg, store: store, now: now, counts: map[string]*failCount{}, pending: map[string]int{},
		clear: map[string]struct{}{}, blocked: map[string]time.Time{}}
}

func (l *limiter) enabled() bool { return l.cfg.After > 0 }

func (l *limiter) keys(ip, login string) []string {
	ks := make([]string, 0, 2)
	if ip != "" {
		ks = append(ks, "ip:"+ip)
	}
	if login != "" && l.cfg.PerLogin {
		ks = append(ks, login)
	}
	return ks
}

// check refuses an attempt during a cooldown, without evaluating it.
func (l *limiter) check(ctx context.Context, ip, login string) error {
	if !l.enabled() {
		return nil
	}
	now := l.now()
	var until time.Time
	l.mu.RLock()
	if len(l.blocked) > 0 {
		if u, ok := l.blocked["ip:"+ip]; ok && ip != "" {
			until = u
		}
		if l.cfg.PerLogin && login != "" {
			if u, ok := l.blocked[login]; ok && u.After(until) {
				until = u
			}
		}
	}
	l.mu.RUnlock()
	if until.After(now) {
		return &okapi.Error{Code: okapi.EAccessDenied, Message: okapi.MsgCooldown,
			RetryAfter: int(until.Sub(now).Seconds()) + 1}
	}
	return nil
}

// IsCooldown reports whether err is a refusal during a cooldown.
func IsCooldown(err error) bool {
	e := okapi.AsError(err)
	return e != nil && e.Code == okapi.EAccessDenied && e.Message == okapi.MsgCooldown
}

// failure counts a failure; it returns the keys whose cooldown it started.
// Counts last until a success or a long quiet spell: once cooled down, a
// client that fails again cools down again at once, as in Odoo.
func (l *limiter) failure(ip, login string) []string {
	if !l.enabled() {
		return nil
	}
	now := l.now()
	var started []string
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range l.keys(ip, login) {
		fc := l.counts[k]
		if fc == nil || now.Sub(fc.last) > 10*l.cfg.Duration {
			fc = &failCount{}
			l.counts[k] = fc
		}
		fc.n++
		fc.last = now
		l.pending[k]++
		if fc.n >= l.cfg.After {
			if l.blocked[k].Before(now) {
				started = append(started, k+" after "+strconv.Itoa(fc.n)+" failures")
			}
			l.blocked[k] = now.Add(l.cfg.Duration)
		}
	}
	if len(l.counts) > 200_000 {
		l.pruneLocked(now)
	}
	return started
}

// succeed clears the failure counts of a client that got in, as Odoo does.
func (l *limiter) succeed(ip, login string) {
	if !l.enabled() {
		return
	}
	l.mu.RLock()
	had := false
	for _, k := range l.keys(ip, login) {
		if _, ok := l.counts[k]; ok {
			had = true
		}
	}
	l.mu.RUnlock()
	if !had {
		return
	}
	l.mu.Lock()
	for _, k := range l.keys(ip, login) {
		if _, ok := l.counts[k]; ok {
			delete(l.counts, k)
			delete(l.blocked, k)
			delete(l.pending, k)
			l.clear[k] = struct{}{}
		}
	}
	l.mu.Unlock()
}

func (l *limiter) pruneLocked(now time.Time) {
	for k, fc := range l.counts {
		if now.Sub(fc.last) > 10*l.cfg.Duration {
			delete(l.counts, k)
		}
	}
	for k, u := range l.blocked {
		if u.Before(now) {
			delete(l.blocked, k)
		}
	}
}

// sync writes pending counts to the database and adopts the cooldowns the
// database knows of, started here or on another node.
func (l *limiter) sync(ctx context.Context) error {
	if !l.enabled() {
		return nil
	}
	l.mu.Lock()
	pending, clear := l.pending, l.clear
	l.pending, l.clear = map[string]int{}, map[string]struct{}{}
	l.mu.Unlock()
	now := l.now()
	if len(pending) > 0 {
		counts, err := l.store.AddFailures(ctx, pending, now, 10*l.cfg.Duration)
		if err != nil {
			return err
		}
		l.mu.Lock()
		for k, n := range counts {
			if fc := l.counts[k]; fc != nil && n > fc.n {
				fc.n = n
			}
			if n >= l.cfg.After && l.blocked[k].Before(now.Add(l.cfg.Duration)) {
				l.blocked[k] = now.Add(l.cfg.Duration)
			}
		}
		l.mu.Unlock()
	}
	for k := range clear {
		if err := l.store.ClearFailures(ctx, k); err != nil {
			return err
		}
	}
	blocked, err := l.store.Blocked(ctx, l.cfg.After, now.Add(-l.cfg.Duration))
	if err != nil {
		return err
	}
	l.mu.Lock()
	for k, last := range blocked {
		if until := last.Add(l.cfg.Duration); until.After(l.blocked[k]) {
			l.blocked[k] = until
		}
	}
	l.mu.Unlock()
	return nil
}
