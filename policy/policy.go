// Package policy is where a key's limits are checked, for okapi serve and
// okapi gateway alike: read-only (an allowlist of methods known to read),
// the models a key may call, the networks it may be used from, and its rate
// (calls per second, with a burst). The rpc layer asks Check once per model
// call, after the credential is checked and before the call is executed
// (locally or upstream). Refusals are Odoo-shaped: an access error (XML-RPC
// Fault 4, JSON-2 403) whose message names the rule, or a too-many-requests
// error that the transports answer with HTTP 429 and Retry-After.
package policy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okapi-erp/okapi"
)

// Rule names, as refusals and the audit log give them.
const (
	RuleReadOnly = "read-only"
	RuleModels   = "models"
	RuleAllowIP  = "allow-ip"
	RuleRate     = "rate"
)

// readMethods are the methods known to read and change nothing, in the
// versions Okapi plays (Odoo 14–19's models.py and the web client's
// read helpers). Anything not listed is refused to a read-only key,
// unknown methods included.
var readMethods = map[string]bool{
	"search": true, "search_read": true, "read": true, "search_count": true, "search_fetch": true,
	"fields_get": true, "name_search": true, "name_get": true, "read_group": true,
	"check_access_rights": true, "check_access_rule": true, "has_access": true, "check_access": true,
	"default_get": true, "exists": true, "get_views": true, "get_view": true, "fields_view_get": true, "load_views": true,
	"web_search_read": true, "web_read": true, "web_read_group": true, "formatted_read_group": true,
	"read_progress_bar": true, "context_get": true, "has_group": true, "get_metadata": true,
}

// ReadMethod reports whether method is one a read-only key may call.
func ReadMethod(method string) bool { return readMethods[method] }

// Refusal is a refused call: the rule that refused it, for the audit log.
type Refusal struct {
	Rule string
	Err  *okapi.Error
	// Repeat: a rate refusal that follows another refusal of the same
	// bucket, with no call allowed in between (one audit entry per run).
	Repeat bool
}

func (r *Refusal) Error() string { return r.Err.Error() }

// Unwrap lets okapi.AsError find the Odoo-shaped error.
func (r *Refusal) Unwrap() error { return r.Err }

// RuleOf returns the rule that refused err, "" when a policy did not.
func RuleOf(err error) string {
	if r, ok := err.(*Refusal); ok {
		return r.Rule
	}
	return ""
}

// Checker checks calls against their key's limits. Its rate buckets live in
// the process: with several nodes each allows the rate (say so when
// choosing one). The zero value is not usable; call New.
type Checker struct {
	now func() time.Time
	mu  sync.Mutex
	// buckets holds one token bucket per rate-limited key (or login, for
	// the gateway's pass-through), bounded by maxBuckets.
	buckets map[string]*bucket
}

const maxBuckets = 100_000

type bucket struct {
	tokens float64
	last   time.Time
	// refusing: the last call was refused (only the first refusal of a
	// run is worth an audit entry).
	refusing bool
}

// New returns a checker; now is the clock (time.Now when nil).
func New(now func() time.Time) *Checker {
	if now == nil {
		now = time.Now
	}
	return &Checker{now: now, buckets: make(map[string]*bucket)}
}

// Check decides whether u (the per-call copy the credential check made)
// may call model.method from ip. It returns nil, or a *Refusal.
func (c *Checker) Check(u *okapi.User, model, method, ip string) error {
	if u == nil {
		return nil
	}
	if u.ReadOnly && !readMethods[method] {
		return refuse(RuleReadOnly, "This API key is read-only: it may call methods that read (search, read, search_read, fields_get…), not %s on %s. (rule: read-only)\n\n"+
			"Use a key without the read-only scope to make changes.", method, model)
	}
	p := u.Policy
	if p.Empty() {
		return nil
	}
	if !p.AllowsModel(model) {
		return refuse(RuleModels, "This API key may call only the models %s, not %s. (rule: models)", strings.Join(p.Models, ", "), model)
	}
	if len(p.Nets) > 0 && !allowedFrom(p.Nets, ip) {
		return refuse(RuleAllowIP, "This API key may be used only from %s, not from %s. (rule: allow-ip)", p.NetsText(), ip)
	}
	if p.Rate > 0 {
		if wait, repeat := c.take("key:"+strconv.FormatInt(u.KeyID, 10), p.Rate, p.Burst); wait > 0 {
			return tooMany("This API key may make "+p.RateText()+" calls; try again later. (rule: rate)", wait, repeat)
		}
	}
	return nil
}

// Allow spends one call of the bucket named name (rate per second, burst);
// it returns nil or a *Refusal of rule "rate". The gateway's pass-through
// uses it per login.
func (c *Checker) Allow(name string, rate float64, burst int, message string) error {
	if rate <= 0 {
		return nil
	}
	if wait, repeat := c.take(name, rate, burst); wait > 0 {
		return tooMany(message, wait, repeat)
	}
	return nil
}

// tooMany is the refusal of an exceeded rate: okapi.ETooMany with the
// seconds to wait, which the transports answer as HTTP 429 with Retry-After.
func tooMany(message string, wait time.Duration, repeat bool) error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &Refusal{Rule: RuleRate, Repeat: repeat, Err: &okapi.Error{Code: okapi.ETooMany, Message: message, RetryAfter: secs}}
}

func refuse(rule, format string, args ...any) error {
	return &Refusal{Rule: rule, Err: okapi.Errorf(okapi.EAccess, format, args...)}
}

// allowedFrom reports whether ip (an address, perhaps with a port) is in
// one of nets. An address that does not parse is in none.
func allowedFrom(nets []netip.Prefix, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		ap, err := netip.ParseAddrPort(ip)
		if err != nil {
			return false
		}
		a = ap.Addr()
	}
	a = a.Unmap()
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// take spends a token of bucket name; it returns 0, or how long until a
// token is there and whether the previous call was refused too.
func (c *Checker) take(name string, rate float64, burst int) (time.Duration, bool) {
	if burst < 1 {
		burst = 1
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[name]
	if b == nil {
		if len(c.buckets) >= maxBuckets {
			c.pruneLocked(now, rate, burst)
		}
		b = &bucket{tokens: float64(burst), last: now}
		c.buckets[name] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(float64(burst), b.tokens+el*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		b.refusing = false
		return 0, false
	}
	repeat := b.refusing
	b.refusing = true
	return time.Duration((1 - b.tokens) / rate * float64(time.Second)), repeat
}

// pruneLocked forgets buckets idle long enough to be full again (they
// would start full anyway), or half of them if none is: the map stays
// bounded whatever the number of keys and logins.
func (c *Checker) pruneLocked(now time.Time, rate float64, burst int) {
	idle := time.Duration(float64(burst) / rate * float64(time.Second))
	for k, b := range c.buckets {
		if now.Sub(b.last) > idle {
			delete(c.buckets, k)
		}
	}
	if len(c.buckets) < maxBuckets {
		return
	}
	n := 0
	for k := range c.buckets {
		if n%2 == 0 {
			delete(c.buckets, k)
		}
		n++
	}
}
