package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okapi-erp/okapi"
)

// Cooldown is the brute-force limit.
//
// Odoo's rule holds on every path: after After failures from one client
// address, attempts from that address are not evaluated for Duration, and a
// success from the address clears its count. After = 0 disables it, as
// Odoo's base.login_cooldown_after = 0 does.
//
// PerLogin adds a second count, per login, whatever the address, against
// password guessing spread over many addresses. It can never be turned
// against the user it protects:
//   - it never applies to API keys: a correct key (160 random bits, which no
//     one guesses) is accepted whatever failures others caused for its login;
//   - it holds back only password attempts from addresses that never logged
//     in as that login (within KnownFor): the user keeps logging in from the
//     addresses they used before, while a stranger's new addresses wait.
type Cooldown struct {
	After    int
	Duration time.Duration
	PerLogin bool
}

// DefaultCooldown is Odoo's default: 5 failures, then 60 seconds; plus the
// per-login count on passwords.
var DefaultCooldown = Cooldown{After: 5, Duration: 60 * time.Second, PerLogin: true}

// KnownFor is how long an address that logged in as a login stays exempt
// from that login's per-login count.
const KnownFor = 30 * 24 * time.Hour

// maxLimiterBytes bounds the memory of the counts, whatever the keys (each
// key is also capped by okapi.CapIdent); beyond it, stale entries go first,
// then counts that started no cooldown, then known addresses.
const maxLimiterBytes = 16 << 20

// entryCost is a map entry's cost beyond its key: the value, the map's
// bucket share and the string header.
const entryCost = 64

// The prefixes of the keys of the counts, here and in the database.
const (
	ipPrefix    = "ip:"
	loginPrefix = "login:"
	uidPrefix   = "uid:"
	knownPrefix = "known:"
	codePrefix  = "totp:"
)

// ipKey, loginKey and uidKey name the counts; request values are capped so
// that a huge login costs no more than a short one.
func ipKey(ip string) string       { return ipPrefix + okapi.CapIdent(ip) }
func loginKey(login string) string { return loginPrefix + okapi.CapIdent(login) }
func uidKey(uid int64) string      { return uidPrefix + strconv.FormatInt(uid, 10) }

// codeKey names the count of wrong 2FA codes for a login. Unlike the
// per-login password count, no address is exempt from it: only someone who
// has the password reaches the code step, and a known address must not let
// them guess codes from many addresses.
func codeKey(login string) string { return codePrefix + okapi.CapIdent(login) }

// knownKey names "ip logged in as login"; it is a digest, so that the
// table of counts does not list who logs in from where.
func knownKey(login, ip string) string {
	sum := sha256.Sum256([]byte(login + "\x00" + ip))
	return knownPrefix + hex.EncodeToString(sum[:16])
}

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
	known   map[string]time.Time // knownKey → last success
	newKnow map[string]struct{}  // known addresses not yet written
	bytes   int                  // memory of counts, blocked and known
}

type failCount struct {
	n    int
	last time.Time
}

func newLimiter(cfg Cooldown, store okapi.FailureStore, now func() time.Time) *limiter {
	return &limiter{cfg: cfg, store: store, now: now, counts: map[string]*failCount{}, pending: map[string]int{},
		clear: map[string]struct{}{}, blocked: map[string]time.Time{}, known: map[string]time.Time{},
		newKnow: map[string]struct{}{}}
}

func (l *limiter) enabled() bool { return l.cfg.After > 0 }

func cooldownError(until, now time.Time) error {
	return &okapi.Error{Code: okapi.EAccessDenied, Message: okapi.MsgCooldown,
		RetryAfter: int(until.Sub(now).Seconds()) + 1}
}

// check refuses an attempt from an address in a cooldown (Odoo's rule).
func (l *limiter) check(ip string) error {
	if !l.enabled() || ip == "" {
		return nil
	}
	now := l.now()
	l.mu.RLock()
	until, ok := l.blocked[ipKey(ip)]
	l.mu.RUnlock()
	if ok && until.After(now) {
		return cooldownError(until, now)
	}
	return nil
}

// gate decides whether a password for login, from ip, may be checked now:
// not during the address's cooldown (Odoo's rule), nor while login is over
// its per-login count, unless ip logged in as login before. It is asked
// only after a key was ruled out: keys never wait for it.
func (l *limiter) gate(ctx context.Context, ip, login string) error {
	if err := l.check(ip); err != nil {
		return err
	}
	return l.checkLogin(ctx, ip, login)
}

// checkLogin refuses while login is over its per-login count, unless ip
// logged in as login before.
func (l *limiter) checkLogin(ctx context.Context, ip, login string) error {
	if !l.enabled() || !l.cfg.PerLogin || login == "" {
		return nil
	}
	now := l.now()
	k := loginKey(login)
	kk := knownKey(login, ip)
	l.mu.RLock()
	until, blocked := l.blocked[k]
	last, known := l.known[kk]
	l.mu.RUnlock()
	if !blocked || !until.After(now) {
		return nil
	}
	if known && now.Sub(last) < KnownFor {
		return nil
	}
	// Another node may have seen this address log in.
	if n, at, err := l.store.Failures(ctx, kk); err == nil && n > 0 && now.Sub(at) < KnownFor {
		l.mu.Lock()
		l.setKnown(kk, at)
		l.mu.Unlock()
		return nil
	}
	return cooldownError(until, now)
}

// checkCode decides whether a 2FA code for login, from ip, may be checked
// now: not during the address's cooldown, nor while the login's count of
// wrong codes is over the limit.
func (l *limiter) checkCode(ip, login string) error {
	if err := l.check(ip); err != nil || !l.enabled() || !l.cfg.PerLogin {
		return err
	}
	now := l.now()
	l.mu.RLock()
	until, ok := l.blocked[codeKey(login)]
	l.mu.RUnlock()
	if ok && until.After(now) {
		return cooldownError(until, now)
	}
	return nil
}

// IsCooldown reports whether err is a refusal during a cooldown.
func IsCooldown(err error) bool {
	e := okapi.AsError(err)
	return e != nil && e.Code == okapi.EAccessDenied && e.Message == okapi.MsgCooldown
}

// failure counts a failure from ip and, when key is set, for key (a login
// or uid key); it returns the keys whose cooldown it started. Counts last
// until a success or a long quiet spell: once cooled down, a client that
// fails again cools down again at once, as in Odoo.
func (l *limiter) failure(ip, key string) []string {
	if !l.enabled() {
		return nil
	}
	ks := make([]string, 0, 2)
	if ip != "" {
		ks = append(ks, ipKey(ip))
	}
	if key != "" && l.cfg.PerLogin {
		ks = append(ks, key)
	}
	now := l.now()
	var started []string
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range ks {
		fc := l.counts[k]
		if fc == nil || now.Sub(fc.last) > 10*l.cfg.Duration {
			if fc == nil {
				l.bytes += len(k) + entryCost
			}
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
			l.setBlocked(k, now.Add(l.cfg.Duration))
		}
	}
	if l.bytes > maxLimiterBytes {
		l.shrinkLocked(now)
	}
	return started
}

// succeed clears the count of an address that got in, as Odoo does, and
// remembers that the address logged in as login. The login's own count is
// left alone: the user's successes must not give a guesser elsewhere a
// fresh budget, and the user, from an address now known, is not held back
// by it.
func (l *limiter) succeed(ip, login string) {
	if !l.enabled() {
		return
	}
	now := l.now()
	var ik, kk string
	if ip != "" {
		ik = ipKey(ip)
		if l.cfg.PerLogin && login != "" {
			kk = knownKey(login, ip)
		}
	}
	l.mu.RLock()
	_, had := l.counts[ik]
	last, known := l.known[kk]
	fresh := kk == "" || (known && now.Sub(last) < time.Hour)
	l.mu.RUnlock()
	if (!had || ik == "") && fresh {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.counts[ik]; ok && ik != "" {
		l.delCount(ik)
		l.delBlocked(ik)
		delete(l.pending, ik)
		l.clear[ik] = struct{}{}
	}
	if !fresh {
		l.setKnown(kk, now)
		l.newKnow[kk] = struct{}{}
		if l.bytes > maxLimiterBytes {
			l.shrinkLocked(now)
		}
	}
}

// codeSucceeded is succeed for a right 2FA code: it also clears the login's
// count of wrong codes, which only the holder of the code can do.
func (l *limiter) codeSucceeded(ip, login string) {
	l.succeed(ip, login)
	if !l.enabled() {
		return
	}
	ck := codeKey(login)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.counts[ck]; ok {
		l.delCount(ck)
		l.delBlocked(ck)
		delete(l.pending, ck)
		l.clear[ck] = struct{}{}
	}
}

func (l *limiter) setBlocked(k string, until time.Time) {
	if _, ok := l.blocked[k]; !ok {
		l.bytes += len(k) + entryCost
	}
	l.blocked[k] = until
}

func (l *limiter) delBlocked(k string) {
	if _, ok := l.blocked[k]; ok {
		l.bytes -= len(k) + entryCost
		delete(l.blocked, k)
	}
}

func (l *limiter) delCount(k string) {
	if _, ok := l.counts[k]; ok {
		l.bytes -= len(k) + entryCost
		delete(l.counts, k)
	}
}

func (l *limiter) setKnown(k string, at time.Time) {
	if _, ok := l.known[k]; !ok {
		l.bytes += len(k) + entryCost
	}
	l.known[k] = at
}

// shrinkLocked brings the memory back under half the bound: stale entries
// first, then counts that started no cooldown (a flood of new keys can
// thus only reset counts below the limit), then known addresses (which
// the database still holds).
func (l *limiter) shrinkLocked(now time.Time) {
	for k, fc := range l.counts {
		if now.Sub(fc.last) > 10*l.cfg.Duration {
			l.delCount(k)
		}
	}
	for k, u := range l.blocked {
		if u.Before(now) {
			l.delBlocked(k)
		}
	}
	for k, at := range l.known {
		if now.Sub(at) > KnownFor {
			l.bytes -= len(k) + entryCost
			delete(l.known, k)
		}
	}
	for k, fc := range l.counts {
		if l.bytes <= maxLimiterBytes/2 {
			return
		}
		if fc.n < l.cfg.After {
			l.delCount(k)
		}
	}
	for k := range l.known {
		if l.bytes <= maxLimiterBytes/2 {
			return
		}
		l.bytes -= len(k) + entryCost
		delete(l.known, k)
	}
}

// sync writes pending counts to the database and adopts the cooldowns the
// database knows of, started here or on another node.
func (l *limiter) sync(ctx context.Context) error {
	if !l.enabled() {
		return nil
	}
	l.mu.Lock()
	pending, clear, newKnow := l.pending, l.clear, l.newKnow
	l.pending, l.clear, l.newKnow = map[string]int{}, map[string]struct{}{}, map[string]struct{}{}
	l.mu.Unlock()
	now := l.now()
	// Clears first: a success drops the pending count of its key, so what
	// is pending for a cleared key came after the success, and adding it
	// before the clear would bring the old count back (and its cooldown).
	for k := range clear {
		if err := l.store.ClearFailures(ctx, k); err != nil {
			return err
		}
	}
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
				l.setBlocked(k, now.Add(l.cfg.Duration))
			}
		}
		l.mu.Unlock()
	}
	if len(newKnow) > 0 {
		// A known address is a row of its own, whose last time is the
		// last success; its count means nothing.
		ks := make(map[string]int, len(newKnow))
		for k := range newKnow {
			ks[k] = 1
		}
		if _, err := l.store.AddFailures(ctx, ks, now, KnownFor); err != nil {
			return err
		}
	}
	blocked, err := l.store.Blocked(ctx, l.cfg.After, now.Add(-l.cfg.Duration))
	if err != nil {
		return err
	}
	l.mu.Lock()
	for k, last := range blocked {
		if strings.HasPrefix(k, knownPrefix) {
			continue
		}
		if until := last.Add(l.cfg.Duration); until.After(l.blocked[k]) {
			l.setBlocked(k, until)
		}
	}
	if l.bytes > maxLimiterBytes {
		l.shrinkLocked(now)
	}
	l.mu.Unlock()
	return nil
}

// prune deletes the database's stale counts and known addresses.
func (l *limiter) prune(ctx context.Context) error {
	if !l.enabled() {
		return nil
	}
	now := l.now()
	return l.store.PruneFailures(ctx, now.Add(-10*l.cfg.Duration), now.Add(-KnownFor))
}
