package auth

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/secret"
)

// grant is a credential that was accepted: a key, or a user's password. It
// is cached under the keyed digest of the presented secret, never the secret,
// so that a recently checked credential costs one HMAC and a map lookup.
type grant struct {
	uid     int64
	keyID   int64 // 0 for a password
	scope   string
	expires time.Time // zero: persistent
	policy  *okapi.Policy
}

// cache holds grants and users. Every change that could make a grant wrong
// (revocation, expiry, archiving, a new password, new groups) removes the
// affected entries and bumps the epoch; a grant read from the database is
// stored only if the epoch did not move meanwhile, so a lookup racing with a
// revocation can never resurrect the revoked key.
type cache struct {
	mu     sync.RWMutex
	grants map[secret.Digest]grant
	byUser map[int64]map[secret.Digest]struct{}
	byKey  map[int64]secret.Digest
	users  map[int64]*okapi.User
	logins map[string]int64
	epoch  atomic.Uint64
	max    int

	hits, misses atomic.Uint64
}

func newCache(max int) *cache {
	return &cache{
		grants: make(map[secret.Digest]grant),
		byUser: make(map[int64]map[secret.Digest]struct{}),
		byKey:  make(map[int64]secret.Digest),
		users:  make(map[int64]*okapi.User),
		logins: make(map[string]int64),
		max:    max,
	}
}

func (c *cache) grant(d secret.Digest) (grant, bool) {
	c.mu.RLock()
	g, ok := c.grants[d]
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return g, ok
}

// putGrant stores g unless an invalidation happened since epoch was read.
func (c *cache) putGrant(d secret.Digest, g grant, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != epoch {
		return
	}
	if len(c.grants) >= c.max {
		c.evictLocked()
	}
	c.grants[d] = g
	set := c.byUser[g.uid]
	if set == nil {
		set = make(map[secret.Digest]struct{})
		c.byUser[g.uid] = set
	}
	set[d] = struct{}{}
	if g.keyID != 0 {
		c.byKey[g.keyID] = d
	}
}

// evictLocked drops about half the grants; map order is random enough to
// make this a fair sample, and the next checks refill what is in use.
func (c *cache) evictLocked() {
	n := len(c.grants) / 2
	for d, g := range c.grants {
		if n == 0 {
			break
		}
		c.dropLocked(d, g)
		n--
	}
}

func (c *cache) dropLocked(d secret.Digest, g grant) {
	delete(c.grants, d)
	if set := c.byUser[g.uid]; set != nil {
		delete(set, d)
		if len(set) == 0 {
			delete(c.byUser, g.uid)
		}
	}
	if g.keyID != 0 && c.byKey[g.keyID] == d {
		delete(c.byKey, g.keyID)
	}
}

// dropGrant removes one grant (an expired one found on a hit).
func (c *cache) dropGrant(d secret.Digest) {
	c.mu.Lock()
	if g, ok := c.grants[d]; ok {
		c.dropLocked(d, g)
	}
	c.epoch.Add(1)
	c.mu.Unlock()
}

// invalidateKey forgets a key's grant.
func (c *cache) invalidateKey(keyID int64) {
	c.mu.Lock()
	if d, ok := c.byKey[keyID]; ok {
		if g, ok := c.grants[d]; ok {
			c.dropLocked(d, g)
		}
	}
	c.epoch.Add(1)
	c.mu.Unlock()
}

// invalidateUser forgets a user and every grant of theirs.
func (c *cache) invalidateUser(uid int64) {
	c.mu.Lock()
	for d := range c.byUser[uid] {
		if g, ok := c.grants[d]; ok {
			c.dropLocked(d, g)
		}
	}
	if u, ok := c.users[uid]; ok {
		delete(c.logins, u.Login)
		delete(c.users, uid)
	}
	c.epoch.Add(1)
	c.mu.Unlock()
}

// invalidateAll empties the cache (the change feed fell too far behind).
func (c *cache) invalidateAll() {
	c.mu.Lock()
	c.grants = make(map[secret.Digest]grant)
	c.byUser = make(map[int64]map[secret.Digest]struct{})
	c.byKey = make(map[int64]secret.Digest)
	c.users = make(map[int64]*okapi.User)
	c.logins = make(map[string]int64)
	c.epoch.Add(1)
	c.mu.Unlock()
}

// invalidateUsers forgets every user, keeping the grants: a change to which
// groups imply which changes the effective groups of any member, and the
// next check reads each user (and their groups) again.
func (c *cache) invalidateUsers() {
	c.mu.Lock()
	c.users = make(map[int64]*okapi.User)
	c.logins = make(map[string]int64)
	c.epoch.Add(1)
	c.mu.Unlock()
}

func (c *cache) user(uid int64) (*okapi.User, bool) {
	c.mu.RLock()
	u, ok := c.users[uid]
	c.mu.RUnlock()
	return u, ok
}

func (c *cache) userByLogin(login string) (*okapi.User, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	uid, ok := c.logins[login]
	if !ok {
		return nil, false
	}
	u, ok := c.users[uid]
	return u, ok
}

func (c *cache) putUser(u *okapi.User, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != epoch {
		return
	}
	if len(c.users) >= c.max {
		c.users = make(map[int64]*okapi.User)
		c.logins = make(map[string]int64)
	}
	c.users[u.ID] = u
	c.logins[u.Login] = u.ID
}

func (c *cache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.grants)
}
