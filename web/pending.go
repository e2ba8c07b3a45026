package web

import (
	"sync"
	"time"
)

// pendingTTL is how long a new key waits for its page. The browser follows
// the redirect at once; two minutes leave room for a slow connection and no
// more, because the secret sits in memory meanwhile.
const pendingTTL = 2 * time.Minute

// pendingKey is a new key's secret on its way from the form that created
// it to the one page that shows it.
type pendingKey struct {
	session string // the session that created it: no other may take it
	secret  string
	until   time.Time
}

// pendingKeys hands new secrets over, once each, under random tokens. It
// lives in this process's memory only: with several nodes behind a load
// balancer, the redirect must reach the node that made the key (sticky
// sessions), or the page says the key cannot be shown and the person makes
// another.
type pendingKeys struct {
	mu sync.Mutex
	m  map[string]pendingKey
}

func newPendingKeys() *pendingKeys {
	return &pendingKeys{m: make(map[string]pendingKey)}
}

// put keeps a secret for session and returns the token that takes it.
func (p *pendingKeys) put(session, secret string, now time.Time) string {
	token := newToken()
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, k := range p.m {
		if now.After(k.until) {
			delete(p.m, t)
		}
	}
	p.m[token] = pendingKey{session: session, secret: secret, until: now.Add(pendingTTL)}
	return token
}

// take returns the secret under token and forgets it; it is found only by
// the session that created it, only once, and only in time.
func (p *pendingKeys) take(token, session string, now time.Time) (pendingKey, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.m[token]
	if !ok || k.session != session {
		return pendingKey{}, false
	}
	delete(p.m, token)
	if now.After(k.until) {
		return pendingKey{}, false
	}
	return k, true
}
