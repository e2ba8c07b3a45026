// Package readcache is where read answers are cached: an rpc.Executor in
// front of the local model registry that keeps, for a short time (TTL, 1 s
// by default), the answer of each external-API call that only reads —
// search, search_read, read, search_count, name_search, fields_get, … — so
// that a tool asking the same question again (a dashboard polling, a
// connector re-reading its page) is answered without the database.
//
// An answer is kept under everything it depends on: the user, whether the
// key is read-only, the model, the method and every argument (context
// included); and it is served only while the database's data generation
// (sqldb.DB.Generation) is the one it was read under, and no write of this
// process is under way (so that what anyone reads never goes back to an
// older state while a write commits). The generation moves
// after every write this process makes (so a write is seen by the next read,
// as without the cache) and, on PostgreSQL, on every write any node, process
// or person makes (a trigger on every table notifies; postgres.Listen). What
// neither can see — another process writing a SQLite file (the command
// line) — is seen once the answer's TTL runs out. Errors are never kept.
//
// An answer is kept the second time its question is asked within a while
// (a small table of the questions last seen decides): a question asked once
// — a script paging through records, a search for a name — costs no memory.
// Memory is bounded: answers over MaxEntry bytes are not kept, and the kept
// answers together stay under MaxBytes (stale ones are dropped first, then
// all).
package readcache

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/okapi-erp/okapi"
)

// Next is what the cache stands in front of: the local model registry.
type Next interface {
	Execute(ctx context.Context, u *okapi.User, model, method string, args []any, kwargs map[string]any) (any, error)
	ExecuteNamed(ctx context.Context, u *okapi.User, model, method string, params map[string]any) (any, error)
	// Pure reports whether model.method only reads, so that its answer
	// depends on its arguments, its user and the stored data alone.
	Pure(model, method string) bool
}

// Config sets the cache up.
type Config struct {
	Next Next
	// Generation returns the data generation, and whether a write is
	// under way (sqldb.DB.Generation): no kept answer is served then.
	Generation func() (gen uint64, writing bool)
	// TTL is how long an answer may be served at most; 0 turns the cache off.
	TTL time.Duration
	// MaxBytes bounds the estimated size of all kept answers (default
	// 4 MiB); MaxEntry one answer's (default 256 KiB).
	MaxBytes, MaxEntry int64
	Now                func() time.Time
}

// DefaultTTL is how long an answer may be served when nothing says otherwise.
const DefaultTTL = time.Second

// Cache is an rpc.Executor that answers repeated reads from memory.
type Cache struct {
	cfg Config

	mu      sync.RWMutex
	entries map[string]*entry
	bytes   int64

	// seen holds a hash of each question recently asked and not kept, in
	// a slot chosen by the hash: a question whose hash is in its slot was
	// asked before (or, rarely, another shared its slot).
	seed maphash.Seed
	seen [1024]atomic.Uint64

	hits, misses atomic.Uint64
}

type entry struct {
	gen     uint64
	expires time.Time
	size    int64
	value   any
}

// New returns the cache; with a TTL of 0 it passes every call through.
func New(cfg Config) *Cache {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 4 << 20
	}
	if cfg.MaxEntry <= 0 {
		cfg.MaxEntry = 256 << 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cache{cfg: cfg, entries: make(map[string]*entry), seed: maphash.MakeSeed()}
}

// Stats returns how many calls were answered from the cache and how many
// cacheable calls were not.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// Execute implements rpc.Executor.
func (c *Cache) Execute(ctx context.Context, u *okapi.User, model, method string, args []any, kwargs map[string]any) (any, error) {
	if !c.cacheable(u, model, method) {
		return c.cfg.Next.Execute(ctx, u, model, method, args, kwargs)
	}
	k, ok := callKey('p', u, model, method, args, kwargs)
	if !ok {
		return c.cfg.Next.Execute(ctx, u, model, method, args, kwargs)
	}
	return c.get(k, func() (any, error) { return c.cfg.Next.Execute(ctx, u, model, method, args, kwargs) })
}

// ExecuteNamed implements rpc.Executor.
func (c *Cache) ExecuteNamed(ctx context.Context, u *okapi.User, model, method string, params map[string]any) (any, error) {
	if !c.cacheable(u, model, method) {
		return c.cfg.Next.ExecuteNamed(ctx, u, model, method, params)
	}
	k, ok := callKey('n', u, model, method, nil, params)
	if !ok {
		return c.cfg.Next.ExecuteNamed(ctx, u, model, method, params)
	}
	return c.get(k, func() (any, error) { return c.cfg.Next.ExecuteNamed(ctx, u, model, method, params) })
}

// cacheable: the cache is on, the call has a user and only reads.
func (c *Cache) cacheable(u *okapi.User, model, method string) bool {
	return c.cfg.TTL > 0 && u != nil && u.ID > 0 && c.cfg.Next.Pure(model, method)
}

func (c *Cache) get(k string, run func() (any, error)) (any, error) {
	gen, writing := c.cfg.Generation()
	now := c.cfg.Now()
	c.mu.RLock()
	e := c.entries[k]
	c.mu.RUnlock()
	if e != nil && !writing && e.gen == gen && now.Before(e.expires) {
		c.hits.Add(1)
		return e.value, nil
	}
	c.misses.Add(1)
	// The generation was taken before the read: a write that commits
	// while it runs moves the generation, and the answer is kept under
	// the old one, which is never served.
	v, err := run()
	if err != nil || !c.askedBefore(k) {
		return v, err
	}
	size, ok := sizeOf(v, c.cfg.MaxEntry)
	if !ok {
		return v, nil
	}
	size += int64(len(k)) + 64
	c.put(k, &entry{gen: gen, expires: now.Add(c.cfg.TTL), size: size, value: v})
	return v, nil
}

// askedBefore reports whether question k was asked before (its hash is in
// its slot), and notes it when it was not.
func (c *Cache) askedBefore(k string) bool {
	h := maphash.String(c.seed, k) | 1 // 0 is an empty slot
	slot := &c.seen[h%uint64(len(c.seen))]
	if slot.Load() == h {
		return true
	}
	slot.Store(h)
	return false
}

func (c *Cache) put(k string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[k]; old != nil {
		c.bytes -= old.size
	}
	if c.bytes+e.size > c.cfg.MaxBytes {
		c.sweep()
	}
	if c.bytes+e.size > c.cfg.MaxBytes {
		clear(c.entries)
		c.bytes = 0
	}
	c.entries[k] = e
	c.bytes += e.size
}

// sweep drops the answers that can no longer be served (c.mu held).
func (c *Cache) sweep() {
	gen, _ := c.cfg.Generation()
	now := c.cfg.Now()
	for k, e := range c.entries {
		if e.gen != gen || !now.Before(e.expires) {
			delete(c.entries, k)
			c.bytes -= e.size
		}
	}
}

// Len returns how many answers are kept and their estimated size.
func (c *Cache) Len() (n int, bytes int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries), c.bytes
}
