// Package auth decides who is let in: it checks passwords and API keys with
// Odoo's rules, creates and revokes keys with Odoo's policies, and keeps the
// verification cache honest. Every transport (XML-RPC, JSON-RPC, JSON-2, the
// web pages, the command line) goes through this package; none holds a
// credential rule of its own.
//
// Revocation is immediate in the process that revokes, and reaches every
// other process within a poll interval through the change feed that database
// triggers fill (PostgreSQL nodes are also woken by NOTIFY). Odoo instead
// keeps honouring a revoked key in every worker that had accepted it until the
// worker restarts.
package auth

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/secret"
)

// Config configures a Service.
type Config struct {
	Profile *okapi.Profile
	Store   okapi.Store
	Hasher  *secret.Hasher
	Log     *slog.Logger
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
	// Poll is how often the change feed is read (default 200ms).
	Poll time.Duration
	// Wake, when set, triggers an immediate read of the change feed.
	Wake <-chan struct{}
	// CleanupEvery is how often expired keys are deleted (default 1h).
	CleanupEvery time.Duration
	// FlushEvery is how often last-use times are written (default 5s).
	FlushEvery time.Duration
	// CacheSize bounds the grants kept in memory (default 200,000).
	CacheSize int
	// Cooldown is the failure limit; the zero value disables it.
	Cooldown Cooldown
	// Metrics, if set, is told about each check.
	Metrics Metrics
	// Changed, if set, is called when the change feed brings events (a
	// user, key or group changed, possibly in another process): the read
	// cache must not serve what was read before.
	Changed func()
}

// Metrics receives counts from the service; the HTTP layer exports them.
type Metrics interface {
	KeyCheck(path, outcome string)
	CacheHit(hit bool)
	CooldownStarted()
}

type nopMetrics struct{}

func (nopMetrics) KeyCheck(string, string) {}
func (nopMetrics) CacheHit(bool)           {}
func (nopMetrics) CooldownStarted()        {}

// Service is the authentication and key service.
type Service struct {
	profile *okapi.Profile
	store   okapi.Store
	hasher  *secret.Hasher
	log     *slog.Logger
	now     func() time.Time
	cfg     Config
	cache   *cache
	limiter *limiter
	metrics Metrics

	seqMu sync.Mutex
	seq   int64 // last change-feed event applied

	usesMu sync.Mutex
	uses   map[useKey]okapi.KeyUse

	auditQ       chan okapi.AuditEntry
	auditDropped atomic.Int64

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// New returns a Service; call Start to run its background work.
func New(cfg Config) (*Service, error) {
	if cfg.Profile == nil || cfg.Store == nil || cfg.Hasher == nil {
		return nil, errors.New("auth: profile, store and hasher are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll == 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.CleanupEvery == 0 {
		cfg.CleanupEvery = time.Hour
	}
	if cfg.FlushEvery == 0 {
		cfg.FlushEvery = 5 * time.Second
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 200_000
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopMetrics{}
	}
	s := &Service{
		profile: cfg.Profile,
		store:   cfg.Store,
		hasher:  cfg.Hasher,
		log:     cfg.Log,
		now:     cfg.Now,
		cfg:     cfg,
		cache:   newCache(cfg.CacheSize),
		metrics: cfg.Metrics,
		uses:    make(map[useKey]okapi.KeyUse),
		auditQ:  make(chan okapi.AuditEntry, 4096),
	}
	s.limiter = newLimiter(cfg.Cooldown, cfg.Store, s.now)
	seq, err := cfg.Store.LastEventSeq(context.Background())
	if err != nil {
		return nil, err
	}
	s.seq = seq
	return s, nil
}

// Profile returns the version profile the service plays.
func (s *Service) Profile() *okapi.Profile { return s.profile }

// Start runs the change-feed watcher, the expiry clean-up and the last-use
// writer until Close.
func (s *Service) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(4)
	go func() { defer s.wg.Done(); s.watch(ctx) }()
	go func() { defer s.wg.Done(); s.cleanupLoop(ctx) }()
	go func() { defer s.wg.Done(); s.flushLoop(ctx) }()
	go func() { defer s.wg.Done(); every(ctx, s.cfg.Poll, func() { s.syncFailures(ctx) }) }()
}

// syncFailures writes queued audit entries and shares cooldown counts.
func (s *Service) syncFailures(ctx context.Context) {
	s.flushAudit(ctx)
	if err := s.limiter.sync(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("sharing login failure counts failed", "err", err)
	}
}

// audit queues an audit entry for the background writer; when the queue is
// full (a flood), the entry is counted and dropped rather than slowing the
// server down.
// Record adds an entry to the audit log in the background, as the
// service's own entries are (a full queue drops it and counts the drop).
func (s *Service) Record(e okapi.AuditEntry) {
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	s.audit(e)
}

func (s *Service) audit(e okapi.AuditEntry) {
	select {
	case s.auditQ <- e:
	default:
		s.auditDropped.Add(1)
	}
}

func (s *Service) flushAudit(ctx context.Context) {
	var batch []okapi.AuditEntry
	for len(batch) < 1000 {
		select {
		case e := <-s.auditQ:
			batch = append(batch, e)
			continue
		default:
		}
		break
	}
	if len(batch) == 0 {
		return
	}
	if err := s.store.AddAudits(ctx, batch); err != nil && ctx.Err() == nil {
		s.log.Warn("writing the audit log failed", "err", err, "entries", len(batch))
	}
	if n := s.auditDropped.Swap(0); n > 0 {
		s.log.Warn("audit entries dropped during a flood of failures", "entries", n)
	}
}

// Close stops the background work and writes pending last-use times.
func (s *Service) Close() {
	if s.cancel != nil {
		s.cancel()
		s.wg.Wait()
	}
	s.flushUses(context.Background())
	for len(s.auditQ) > 0 {
		s.flushAudit(context.Background())
	}
	s.limiter.sync(context.Background())
}

// watch applies the change feed: every event removes what it makes stale.
func (s *Service) watch(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.cfg.Wake:
		}
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reading the change feed failed", "err", err)
		}
	}
}

// Sync applies every change-feed event not yet applied. The watcher calls
// it on its own; tests and the command line may call it to be sure.
func (s *Service) Sync(ctx context.Context) error {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	for {
		evs, err := s.store.EventsSince(ctx, s.seq, 1000)
		if err != nil {
			return err
		}
		if len(evs) > 0 && evs[0].Seq > s.seq+1 && s.seq > 0 {
			// Events were pruned before we read them: we cannot know
			// what changed, so forget everything.
			s.cache.invalidateAll()
		}
		if len(evs) > 0 && s.cfg.Changed != nil {
			s.cfg.Changed()
		}
		for _, e := range evs {
			switch e.Kind {
			case "key":
				s.cache.invalidateKey(e.KeyID)
			case "groups":
				s.cache.invalidateUsers()
			default:
				s.cache.invalidateUser(e.UserID)
			}
			s.seq = e.Seq
		}
		if len(evs) < 1000 {
			return nil
		}
	}
}

func (s *Service) cleanupLoop(ctx context.Context) {
	s.CleanupExpired(ctx)
	every(ctx, s.cfg.CleanupEvery, func() {
		s.CleanupExpired(ctx)
		if err := s.store.PruneEvents(ctx, s.now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
			s.log.Warn("pruning the change feed failed", "err", err)
		}
		if err := s.store.PruneSessions(ctx, s.now().Add(-sessionIdle)); err != nil && ctx.Err() == nil {
			s.log.Warn("pruning sessions failed", "err", err)
		}
		if err := s.limiter.prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("pruning login failure counts failed", "err", err)
		}
	})
}

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// CleanupExpired deletes expired keys, as Odoo's daily autovacuum does; each
// deletion is recorded in the audit log.
func (s *Service) CleanupExpired(ctx context.Context) int {
	keys, err := s.store.DeleteExpiredKeys(ctx, s.now().UTC())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("deleting expired keys failed", "err", err)
		}
		return 0
	}
	for _, k := range keys {
		s.cache.invalidateKey(k.ID)
	}
	if len(keys) > 0 {
		s.log.Info("GC 'res.users.apikeys' delete entries", "count", len(keys))
	}
	return len(keys)
}

func (s *Service) flushLoop(ctx context.Context) {
	every(ctx, s.cfg.FlushEvery, func() { s.flushUses(ctx) })
}

// useKey identifies a key used from an address.
type useKey struct {
	keyID int64
	ip    string
}

// noteUse remembers a key's latest use from each address; uses are written
// in batches because a write per request would make every read a write.
func (s *Service) noteUse(keyID int64, ip string) {
	at := s.now().UTC().Truncate(time.Second)
	k := useKey{keyID, ip}
	s.usesMu.Lock()
	if u, ok := s.uses[k]; !ok || !u.At.Equal(at) {
		if len(s.uses) < 100_000 {
			s.uses[k] = okapi.KeyUse{KeyID: keyID, At: at, IP: ip}
		}
	}
	s.usesMu.Unlock()
}

func (s *Service) flushUses(ctx context.Context) {
	s.usesMu.Lock()
	if len(s.uses) == 0 {
		s.usesMu.Unlock()
		return
	}
	batch := make([]okapi.KeyUse, 0, len(s.uses))
	for _, u := range s.uses {
		batch = append(batch, u)
	}
	// Oldest first, so that the latest use is the one that stays.
	sort.Slice(batch, func(i, j int) bool { return batch[i].At.Before(batch[j].At) })
	s.uses = make(map[useKey]okapi.KeyUse)
	s.usesMu.Unlock()
	if err := s.store.RecordKeyUses(ctx, batch); err != nil {
		s.log.Warn("recording key uses failed", "err", err, "keys", len(batch))
	}
}

// CacheSize returns how many grants are cached (for metrics).
func (s *Service) CacheSize() int { return s.cache.size() }

// CacheStats returns cache hits and misses since start.
func (s *Service) CacheStats() (hits, misses uint64) {
	return s.cache.hits.Load(), s.cache.misses.Load()
}
