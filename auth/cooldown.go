package auth

import (
	"context"
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

// limiter keeps who is cooling down in memory, so that the check on every
// request is a map lookup, and counts failures in the database, so that all
// nodes share the counts: a failure on any node sees the global count.
type limiter struct {
	cfg   Cooldown
	store okapi.FailureStore
	now   func() time.Time

	mu      sync.RWMutex
	blocked map[string]time.Time // key → until
	counted map[string]struct{}  // keys this node counted failures for
}

func newLimiter(cfg Cooldown, store okapi.FailureStore, now func() time.Time) *limiter {
	return &limiter{cfg: cfg, store: store, now: now, blocked: make(map[string]time.Time), counted: make(map[string]struct{})}
}

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
	if l.cfg.After <= 0 {
		return nil
	}
	now := l.now()
	l.mu.RLock()
	var until time.Time
	for _, k := range l.keys(ip, login) {
		if u, ok := l.blocked[k]; ok && u.After(until) {
			until = u
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

func (l *limiter) failure(ctx context.Context, s *Service, ip, login, userLogin, path string) {
	_ = s.store.AddAudit(ctx, okapi.AuditEntry{At: s.now(), Kind: okapi.AuditLoginFailed, Login: userLogin, IP: ip, Detail: path})
	if l.cfg.After <= 0 {
		return
	}
	now := l.now()
	for _, k := range l.keys(ip, login) {
		// Counts last until a success or a long quiet spell: once cooled down, a
		// client that fails again cools down again at once, as in Odoo.
		n, err := l.store.AddFailure(ctx, k, now, 10*l.cfg.Duration)
		if err != nil {
			s.log.Warn("counting a login failure failed", "err", err)
			continue
		}
		l.mu.Lock()
		l.counted[k] = struct{}{}
		l.mu.Unlock()
		if n >= l.cfg.After {
			until := now.Add(l.cfg.Duration)
			l.mu.Lock()
			prev := l.blocked[k]
			l.blocked[k] = until
			if len(l.blocked) > 100_000 || len(l.counted) > 100_000 {
				l.pruneLocked(now)
			}
			l.mu.Unlock()
			if prev.Before(now) {
				s.metrics.CooldownStarted()
				s.log.Warn("Login attempts ignored during a cooldown: too many failures",
					"who", k, "failures", n, "seconds", int(l.cfg.Duration.Seconds()))
				_ = s.store.AddAudit(ctx, okapi.AuditEntry{At: now, Kind: okapi.AuditCooldown, Login: userLogin, IP: ip,
					Detail: k + " after " + itoa(n) + " failures"})
			}
		}
	}
}

// succeed clears the failure counts of a client that got in, as Odoo does.
// Only keys this node counted are cleared: most successes have nothing to
// clear, and clearing writes to the database.
func (l *limiter) succeed(ctx context.Context, ip, login string) {
	if l.cfg.After <= 0 {
		return
	}
	for _, k := range l.keys(ip, login) {
		l.mu.RLock()
		_, had := l.counted[k]
		l.mu.RUnlock()
		if !had {
			continue
		}
		l.mu.Lock()
		delete(l.counted, k)
		delete(l.blocked, k)
		l.mu.Unlock()
		_ = l.store.ClearFailures(ctx, k)
	}
}

func (l *limiter) pruneLocked(now time.Time) {
	for k, u := range l.blocked {
		if u.Before(now) {
			delete(l.blocked, k)
		}
	}
	if len(l.counted) > 100_000 {
		// The database keeps the counts; forgetting them here only means
		// a later success does not clear them early.
		l.counted = make(map[string]struct{})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
