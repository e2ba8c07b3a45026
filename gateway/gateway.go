// Package gateway is where the gateway forwards: an rpc.Executor (and
// rpc.Front) that runs the external API's model calls on an upstream Odoo
// instead of the local model registry. A call reaches it after the rpc
// layer decoded it, the gateway key was checked (auth) and its policy
// allowed it (policy); it is forwarded with the user's linked Odoo key in
// place of the gateway key, to the upstream uid, through the client
// package (one codec, one client), and the upstream's answer or fault comes
// back as it came, for the rpc layer to encode per transport.
package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/policy"
)

// Config says where the upstream is and how to reach it.
type Config struct {
	// URL and DB of the upstream Odoo.
	URL, DB string
	// Protocol the forwarded calls use, whatever the protocol a tool
	// speaks to the gateway (the client package's protocol bridge
	// translates): XMLRPC, JSONRPC, JSON2, or client.Auto: JSON-2 when the
	// upstream's version() is 19 or later and /json/2 answers, XML-RPC
	// otherwise.
	Protocol client.Protocol
	// Timeout bounds each forwarded call (default 30 s).
	Timeout time.Duration
	// CAFile, when set, holds the PEM certificates the upstream's TLS
	// certificate must chain to (instead of the system's).
	CAFile string
	// PassThrough forwards credentials the gateway does not know (an Odoo
	// key or password sent straight through) unchanged, still under the
	// cooldown, the audit and PassThroughRate per login.
	PassThrough     bool
	PassThroughRate float64 // calls per second per login (default 10)

	Auth   *auth.Service
	Links  Links
	Sealer *Sealer
	Policy *policy.Checker
	Log    *slog.Logger
}

// Links is where the links to upstream users are kept.
type Links interface {
	UpstreamLink(ctx context.Context, userID int64) (*okapi.UpstreamLink, error)
}

// Gateway forwards calls to the upstream.
type Gateway struct {
	cfg  Config
	http *http.Client
	log  *slog.Logger

	version  map[string]any // the upstream's version(), read at start
	major    int
	protocol client.Protocol // the resolved protocol of forwarded calls
	// hasRPC: the upstream answers XML-RPC (an Odoo that removed it
	// answers only JSON-2).
	hasRPC   bool
	mu       sync.Mutex
	clients  map[clientKey]*linked
	links    map[int64]cachedLink
	maxCache int
	// checks bounds the password and key checks of the gateway's pages
	// in flight upstream (Linker.Slots).
	checks chan struct{}
}

// cachedLink is a user's link (nil: none) as read while the auth service's
// cached user was owner. A change of the link fires a user event (a
// trigger on upstream_links), which replaces the cached user on every node:
// the link is read again on the next call, as a revoked key is refused.
type cachedLink struct {
	owner *okapi.User
	link  *okapi.UpstreamLink
}

type clientKey struct {
	userID   int64
	protocol client.Protocol
}

// linked is a client for one link, kept while the link's sealed key is
// the same (re-linking or unlinking replaces or drops it).
type linked struct {
	sealed string
	c      *client.Client
}

// maxChecks is how many password and key checks of the gateway's pages
// may wait on the upstream at once; more wait their turn (within the
// upstream timeout).
const maxChecks = 16

// New reads the upstream's version (it must answer) and returns the gateway.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.PassThroughRate == 0 {
		cfg.PassThroughRate = 10
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.New(nil)
	}
	switch cfg.Protocol {
	case client.Auto, client.XMLRPC, client.JSONRPC, client.JSON2:
	default:
		return nil, fmt.Errorf("upstream protocol %q: want xmlrpc, jsonrpc, json2 or auto", cfg.Protocol)
	}
	hc, err := HTTPClient(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, http: hc, log: cfg.Log, clients: make(map[clientKey]*linked), links: make(map[int64]cachedLink), maxCache: 10_000,
		checks: make(chan struct{}, maxChecks)}
	vctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if err := g.readUpstream(vctx); err != nil {
		return nil, err
	}
	return g, nil
}

// readUpstream reads the upstream's version() (over XML-RPC, or from
// /json/version when XML-RPC is gone) and resolves the protocol calls are
// forwarded over.
func (g *Gateway) readUpstream(ctx context.Context) error {
	c, err := g.newClient("", 0, client.XMLRPC)
	if err != nil {
		return err
	}
	raw, err := c.Call(ctx, "common", "version")
	var re *client.ResponseError
	switch {
	case err == nil:
		g.hasRPC = true
		g.version, _ = raw.(map[string]any)
		g.major = majorOf(g.version)
	case errors.As(err, &re) && re.Status == http.StatusNotFound:
		// No XML-RPC: an Odoo that answers JSON-2 alone says what it is
		// on /json/version; version() is answered in the same shape.
		if c, err = g.newClient("", 0, client.JSON2); err != nil {
			return err
		}
		v, jerr := c.Version(ctx)
		if jerr != nil {
			return fmt.Errorf("the upstream Odoo at %s answers neither version() nor /json/version: %s", g.cfg.URL, okapi.ErrorMessage(g.fromClient(jerr, client.XMLRPC)))
		}
		g.major = v.Major
		level := v.ReleaseLevel
		if level == "" {
			level = "final"
		}
		g.version = map[string]any{"server_version": v.ServerVersion,
			"server_version_info": []any{int64(v.Major), int64(v.Minor), int64(0), level, int64(0), ""},
			"server_serie":        v.Serie, "protocol_version": int64(max(v.ProtocolVersion, 1))}
	default:
		return fmt.Errorf("the upstream Odoo at %s does not answer version(): %s", g.cfg.URL, okapi.ErrorMessage(g.fromClient(err, client.XMLRPC)))
	}
	if g.major == 0 {
		return fmt.Errorf("the upstream at %s answered version() without a version number: is it Odoo?", g.cfg.URL)
	}
	g.protocol = g.cfg.Protocol
	if g.protocol == client.Auto {
		g.protocol = client.XMLRPC
		if g.major >= 19 {
			if ok, err := c.HasJSON2(ctx); err == nil && ok {
				g.protocol = client.JSON2
			}
		}
	}
	if g.protocol != client.JSON2 && !g.hasRPC {
		return fmt.Errorf("the upstream Odoo at %s answers only JSON-2: use --upstream-protocol json2 or auto", g.cfg.URL)
	}
	if g.protocol == client.JSON2 && g.major < 19 {
		return fmt.Errorf("the upstream Odoo at %s is %d, which has no JSON-2: use --upstream-protocol xmlrpc, jsonrpc or auto", g.cfg.URL, g.major)
	}
	return nil
}

// majorOf reads server_version_info's first number.
func majorOf(v map[string]any) int {
	info, _ := v["server_version_info"].([]any)
	if len(info) > 0 {
		switch n := info[0].(type) {
		case int64:
			return int(n)
		case float64:
			return int(n)
		}
	}
	return 0
}

// HTTPClient is the pooled, TLS-verifying HTTP client the gateway talks
// to the upstream with; caFile (PEM) replaces the system's roots.
func HTTPClient(caFile string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--upstream-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--upstream-ca %s: no PEM certificate in it", caFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: t}, nil
}

// Major is the upstream's major version (14…19).
func (g *Gateway) Major() int { return g.major }

// Protocol is the protocol calls are forwarded over.
func (g *Gateway) Protocol() client.Protocol { return g.protocol }

// namedProtocol is the protocol JSON-2 calls are forwarded over: the
// upstream's JSON-2 when calls go that way; otherwise, when left to auto,
// JSON-RPC, whose errors name their exception (XML-RPC's fault 2 cannot
// tell a ValidationError from a UserError, which JSON-2 callers see).
func (g *Gateway) namedProtocol() client.Protocol {
	if g.protocol == client.XMLRPC && g.cfg.Protocol == client.Auto {
		return client.JSONRPC
	}
	return g.protocol
}

func (g *Gateway) newClient(key string, uid int64, p client.Protocol) (*client.Client, error) {
	return client.New(client.Config{URL: g.cfg.URL, DB: g.cfg.DB, Key: key, UID: uid, Protocol: p,
		HTTPClient: g.http, UserAgent: "okapi-gateway/1"})
}

// clientFor returns the client of a link, opening its key only when the
// link changed.
func (g *Gateway) clientFor(l *okapi.UpstreamLink, p client.Protocol) (*client.Client, error) {
	k := clientKey{l.UserID, p}
	g.mu.Lock()
	e := g.clients[k]
	g.mu.Unlock()
	if e != nil && e.sealed == string(l.Sealed) {
		return e.c, nil
	}
	key, err := g.cfg.Sealer.Open(l.UserID, l.Sealed)
	if err != nil {
		return nil, &okapi.Error{Code: okapi.EUpstream, Message: err.Error()}
	}
	c, err := g.newClient(key, l.UpstreamUID, p)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	if len(g.clients) >= g.maxCache {
		clear(g.clients)
	}
	g.clients[k] = &linked{sealed: string(l.Sealed), c: c}
	g.mu.Unlock()
	return c, nil
}

// The context carries what the credential check found: the user's link,
// or a credential to pass through unchanged.
type linkKey struct{}
type passKey struct{}

type passThrough struct {
	uid    int64
	secret string
	ip     string
}

func (g *Gateway) link(ctx context.Context, u *okapi.User) (*okapi.UpstreamLink, error) {
	if l, ok := ctx.Value(linkKey{}).(*okapi.UpstreamLink); ok && l.UserID == u.ID {
		return l, nil
	}
	l, err := g.linkOf(ctx, u.ID)
	if err == nil && l == nil {
		return nil, notLinked(u)
	}
	return l, err
}

// linkOf returns a user's link, nil when none, from the cache while the
// auth service's user is the one it was read with.
func (g *Gateway) linkOf(ctx context.Context, userID int64) (*okapi.UpstreamLink, error) {
	owner, err := g.cfg.Auth.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	c, ok := g.links[userID]
	g.mu.Unlock()
	if ok && c.owner == owner {
		return c.link, nil
	}
	l, err := g.cfg.Links.UpstreamLink(ctx, userID)
	if errors.Is(err, okapi.ErrNotFound) {
		l, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	if len(g.links) >= g.maxCache {
		clear(g.links)
	}
	g.links[userID] = cachedLink{owner: owner, link: l}
	g.mu.Unlock()
	return l, nil
}

func notLinked(u *okapi.User) error {
	return okapi.Errorf(okapi.EAccess, "%s has no linked user on the upstream Odoo: an administrator links one with okapi upstream link --login %s.", u.Login, u.Login)
}

// Version is the upstream's version(), read when the gateway started.
func (g *Gateway) Version(ctx context.Context) (any, error) { return g.version, nil }

// Authenticate answers common.authenticate with the upstream uid of the
// user the login and gateway key (or password) name. With PassThrough, a
// credential the gateway does not know is forwarded unchanged.
func (g *Gateway) Authenticate(ctx context.Context, login, secret, ip string) (any, error) {
	uid, err := g.cfg.Auth.AuthenticateFront(ctx, login, secret, ip, g.cfg.PassThrough)
	if errors.Is(err, auth.ErrNotLocal) {
		return g.passAuthenticate(ctx, login, secret, ip)
	}
	if err != nil {
		if okapi.ErrorCode(err) == okapi.EAccessDenied {
			return false, nil
		}
		return nil, err
	}
	u, err := g.cfg.Auth.User(ctx, uid)
	if err != nil {
		return nil, err
	}
	l, err := g.link(ctx, u)
	if err != nil {
		return nil, err
	}
	return l.UpstreamUID, nil
}

// CheckUID checks execute_kw's (uid, gateway key): the key must belong to
// a user linked to that upstream uid.
func (g *Gateway) CheckUID(ctx context.Context, uid int64, secret, ip string) (context.Context, *okapi.User, error) {
	var found *okapi.UpstreamLink
	u, err := g.cfg.Auth.CheckKeyFor(ctx, uid, secret, ip, g.cfg.PassThrough, func(ctx context.Context, u *okapi.User) (bool, error) {
		l, err := g.linkOf(ctx, u.ID)
		if err != nil || l == nil {
			return false, err
		}
		found = l
		return l.UpstreamUID == uid, nil
	})
	if errors.Is(err, auth.ErrNotLocal) {
		return context.WithValue(ctx, passKey{}, &passThrough{uid: uid, secret: secret, ip: ip}), &okapi.User{Login: "uid:" + strconv.FormatInt(uid, 10)}, nil
	}
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, linkKey{}, found), u, nil
}

// CheckBearer checks a JSON-2 bearer gateway key.
func (g *Gateway) CheckBearer(ctx context.Context, secret, ip string) (context.Context, *okapi.User, error) {
	u, err := g.cfg.Auth.CheckBearerFront(ctx, secret, ip, g.cfg.PassThrough)
	if errors.Is(err, auth.ErrNotLocal) {
		return context.WithValue(ctx, passKey{}, &passThrough{secret: secret, ip: ip}), &okapi.User{}, nil
	}
	if err != nil {
		return ctx, nil, err
	}
	l, err := g.link(ctx, u)
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, linkKey{}, l), u, nil
}

// Execute forwards model.method(*args, **kwargs) to the upstream as the
// user's linked upstream user.
func (g *Gateway) Execute(ctx context.Context, u *okapi.User, model, method string, args []any, kwargs map[string]any) (any, error) {
	if pt, ok := ctx.Value(passKey{}).(*passThrough); ok {
		return g.passExecute(ctx, pt, model, method, args, kwargs, false)
	}
	l, err := g.link(ctx, u)
	if err != nil {
		return nil, err
	}
	c, err := g.clientFor(l, g.protocol)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	res, err := c.ExecuteKW(ctx, model, method, args, kwargs)
	if err != nil {
		return nil, g.upstreamFailed(u, model+"."+method, err, client.XMLRPC)
	}
	return res, nil
}

// upstreamFailed turns a forwarded call's error into the answer for a tool
// speaking protocol to, telling the operator when the upstream refused the
// linked key.
func (g *Gateway) upstreamFailed(u *okapi.User, call string, err error, to client.Protocol) error {
	e := g.fromClient(err, to)
	if c := okapi.ErrorCode(e); c == okapi.EAccessDenied || c == okapi.EUnauthorized {
		// The gateway key was good: the upstream refused the linked
		// Odoo key (revoked, expired or its user archived upstream).
		// The tool sees Odoo's Access Denied; the operator is told.
		msg := "the upstream refused " + u.Login + "'s linked Odoo key: link a valid one (okapi upstream link --login " + u.Login + ")"
		g.log.Warn("upstream refused a linked key", "call", call, "login", u.Login)
		g.cfg.Auth.Record(okapi.AuditEntry{Kind: okapi.AuditUpstreamError, UserID: u.ID, Login: u.Login, Detail: call + ": " + msg})
	}
	return g.failed(u.ID, u.Login, call, e)
}

// ExecuteNamed forwards a JSON-2 call: as it is to an upstream that speaks
// JSON-2, as execute_kw to one that does not (Odoo 14–18), the bridge
// placing the named arguments; errors come back as JSON-2 gives them.
func (g *Gateway) ExecuteNamed(ctx context.Context, u *okapi.User, model, method string, params map[string]any) (any, error) {
	if pt, ok := ctx.Value(passKey{}).(*passThrough); ok {
		return g.passExecute(ctx, pt, model, method, nil, params, true)
	}
	l, err := g.link(ctx, u)
	if err != nil {
		return nil, err
	}
	c, err := g.clientFor(l, g.namedProtocol())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	res, err := c.ExecuteNamed(ctx, model, method, params)
	if err != nil {
		return nil, g.upstreamFailed(u, model+"."+method, err, client.JSON2)
	}
	return res, nil
}

// failed records an upstream failure (unreachable, timeout, garbage) in
// the log and the audit log; Odoo's own errors (faults) are answers, not
// failures, and pass as they are.
func (g *Gateway) failed(userID int64, login, call string, err error) error {
	if okapi.ErrorCode(err) == okapi.EUpstream {
		msg := okapi.ErrorMessage(err)
		g.log.Warn("upstream call failed", "call", call, "login", login, "why", msg)
		g.cfg.Auth.Record(okapi.AuditEntry{Kind: okapi.AuditUpstreamError, UserID: userID, Login: login, Detail: call + ": " + msg})
	}
	return err
}

// Profile is the version profile a gateway in front of an Odoo of major
// version plays: that version's protocols and answers, so tools see what
// they would see upstream, with two things the gateway adds: keys may
// expire in every version (Odoo's own keys expire from 18 on), and JSON-2
// (/json/2, /json/version) is served in every version. A version beyond 19
// plays 19.
func Profile(major int) (*okapi.Profile, error) {
	if major > 19 {
		major = 19
	}
	p, err := okapi.ProfileFor(major)
	if err != nil {
		return nil, fmt.Errorf("the upstream is Odoo %d: the gateway stands in front of Odoo 14 to 19", major)
	}
	c := *p
	c.KeysExpire = true
	// JSON-2 is served whatever the upstream's version: the bridge
	// forwards it as execute_kw to Odoo 14–18.
	c.JSON2 = true
	return &c, nil
}

// Bind gives the gateway what the server built after it: the auth service,
// the links, the sealer and the policy checker.
func (g *Gateway) Bind(a *auth.Service, links Links, s *Sealer, p *policy.Checker) {
	g.cfg.Auth, g.cfg.Links, g.cfg.Sealer = a, links, s
	if p != nil {
		g.cfg.Policy = p
	}
}

// UpstreamStatus asks the upstream its version now (within 5 s at most),
// for okapi connect: its URL, and why it does not answer, if it does not.
func (g *Gateway) UpstreamStatus(ctx context.Context) (string, error) {
	p := client.XMLRPC
	if !g.hasRPC {
		p = client.JSON2 // an upstream that answers only JSON-2: /json/version
	}
	c, err := g.newClient("", 0, p)
	if err != nil {
		return g.cfg.URL, err
	}
	ctx, cancel := context.WithTimeout(ctx, min(g.cfg.Timeout, 5*time.Second))
	defer cancel()
	if _, err := c.Version(ctx); err != nil {
		return g.cfg.URL, g.fromClient(err, client.XMLRPC)
	}
	return g.cfg.URL, nil
}
