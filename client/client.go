// Package client talks to Odoo 14–19, and to Okapi, the way every external
// tool does: a URL, a database, a login and an API key, over XML-RPC,
// JSON-RPC or (Odoo 19) JSON-2.
//
// It exists so that Go programs, and Okapi's own connection checker, need not
// learn each protocol's quirks: the call shapes that changed between versions
// (search_count's argument, create's vals_list), the three ways Odoo reports
// an error, and which protocol a server offers. It shares the XML-RPC and
// JSON codecs with Okapi's server, so both sides read and write the same
// bytes.
//
// Every call takes a context.Context, which carries cancellation and
// timeouts. Errors the server reports are *Error, with Odoo's fault code,
// HTTP status, exception name and message kept, and predicates such as
// IsAccessDenied; answers that are not the protocol's (an HTML page, a
// redirect) are *ResponseError. The key is never logged and never put in an
// error: any text that echoes it has it replaced.
//
// A Client is safe for concurrent use. It keeps its HTTP connections alive
// between calls and follows a redirect only when it stays on the same host
// and keeps the request's method and body (307 and 308).
package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/okapi-erp/okapi/bridge"
)

// Protocol selects how calls travel.
type Protocol string

// Protocols. Auto, the zero value, uses JSON-2 when the server is Odoo 19 or
// later and XML-RPC otherwise; it asks version() over XML-RPC, and over
// /json/version when the server answers XML-RPC with a 404.
const (
	Auto    Protocol = ""
	XMLRPC  Protocol = "xmlrpc"
	JSONRPC Protocol = "jsonrpc"
	JSON2   Protocol = "json2"
)

// Config says where and as whom to connect.
type Config struct {
	// URL is the server's address, e.g. https://mycompany.odoo.com. A path
	// is kept as a prefix (for a server behind a proxy under /odoo-api, say);
	// a trailing slash is dropped.
	URL string
	// DB is the database name. JSON-2 may leave it empty on a server with
	// one database.
	DB string
	// Login is the user's login. JSON-2 does not need it, but when given
	// it is checked against the key's owner.
	Login string
	// Key is the API key. A password works too over XML-RPC and JSON-RPC
	// (not with two-factor authentication), never over JSON-2.
	Key string
	// Protocol is the protocol to use (default Auto).
	Protocol Protocol
	// HTTPClient replaces the default keep-alive client. Its redirect
	// policy is replaced by the client's own.
	HTTPClient *http.Client
	// UserAgent is sent with each request (default "okapi-client/1").
	UserAgent string
	// MaxResponseBytes bounds an answer (default 64 MiB).
	MaxResponseBytes int64
	// UID is the user's id when the caller already knows it (the gateway
	// records it when a key is linked): calls skip the authenticate that
	// would learn it.
	UID int64
	// NoRedirects reports every redirect as a *ResponseError instead of
	// following the same-host ones; the connection checker uses it to tell
	// people to fix their URL.
	NoRedirects bool
	// Signatures names the positional arguments of methods that are not
	// the ORM's own, for ExecuteKW over JSON-2 and ExecuteNamed elsewhere.
	// It is asked after the ORM's table and before what an Odoo 19 server
	// publishes; nil asks only the server.
	Signatures bridge.Lookup
}

// Client is a connection to one database as one user.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
	ids  atomic.Int64 // JSON-RPC request ids

	// published caches the signatures the server publishes, per model.
	published *bridge.Published

	mu         sync.Mutex
	version    *VersionInfo
	uid        int64
	keyExpires time.Time
}

// KeyExpiration says when the key expires, as the server last said in an
// answer (Okapi's Okapi-Key-Expiration header); ok is false until a server
// has said so — real Odoo never does, and a key that never expires gets no
// header.
func (c *Client) KeyExpiration() (t time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keyExpires, !c.keyExpires.IsZero()
}

// defaultTransport is shared by every Client without its own HTTPClient, so
// that connections to one server are reused across clients.
var defaultTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	return t
}()

const defaultMaxResponse = 64 << 20

// New checks the configuration and returns a client. It does not connect.
func New(cfg Config) (*Client, error) {
	base, err := parseBase(cfg.URL)
	if err != nil {
		return nil, err
	}
	switch cfg.Protocol {
	case Auto, XMLRPC, JSONRPC, JSON2:
	default:
		return nil, fmt.Errorf("client: unknown protocol %q (want %q, %q or %q)", cfg.Protocol, XMLRPC, JSONRPC, JSON2)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "okapi-client/1"
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = defaultMaxResponse
	}
	hc := &http.Client{Transport: defaultTransport}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	hc.CheckRedirect = redirectPolicy(cfg.NoRedirects)
	c := &Client{cfg: cfg, base: base, http: hc, uid: cfg.UID}
	c.published = bridge.NewPublished(c.fetchDoc)
	return c, nil
}

// parseBase reads the server's URL; it must be absolute http or https.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("client: URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: URL %q: want http://host or https://host", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment, u.User = "", "", "", nil
	return u, nil
}

// URL returns the server's base URL as the client uses it.
func (c *Client) URL() string { return c.base.String() }

// endpoint is the base URL joined with an absolute path.
func (c *Client) endpoint(path string) string {
	u := *c.base
	u.Path += path
	return u.String()
}

// redirectPolicy follows only 307/308 to the same host, where the body and
// method are kept, and never from https to http; anything else ends the
// exchange with the redirect answer, which becomes a *ResponseError.
func redirectPolicy(never bool) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		switch {
		case never, len(via) > 3,
			req.URL.Hostname() != first.URL.Hostname(),
			req.Method != first.Method,
			first.URL.Scheme == "https" && req.URL.Scheme != "https":
			return http.ErrUseLastResponse
		}
		return nil
	}
}

// VersionInfo is what common.version() says about the server.
type VersionInfo struct {
	// ServerVersion is the full version, e.g. "17.0", "18.0-20250702",
	// "19.0+e".
	ServerVersion string
	// Serie is the series, e.g. "17.0", "saas~17.2".
	Serie string
	// Major and Minor are server_version_info's first two numbers.
	Major, Minor int
	// ReleaseLevel is "final", "alpha", "beta", "rc" ("a", "b" in 19).
	ReleaseLevel    string
	ProtocolVersion int
}

// Version asks the server what it is. It needs no credentials; the answer is
// kept for the client's life.
func (c *Client) Version(ctx context.Context) (*VersionInfo, error) {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	if v != nil {
		return v, nil
	}
	var raw any
	var err error
	if c.cfg.Protocol == JSON2 {
		raw, err = c.json2Version(ctx)
	} else {
		raw, err = c.Call(ctx, "common", "version")
		var re *ResponseError
		if c.cfg.Protocol == Auto && errors.As(err, &re) && re.Status == http.StatusNotFound {
			// An Odoo without XML-RPC (19 with --rpc json2, or a later
			// Odoo that removed it) still says what it is here.
			raw, err = c.json2Version(ctx)
		}
	}
	if err != nil {
		return nil, err
	}
	v, err = parseVersion(raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.version = v
	c.mu.Unlock()
	return v, nil
}

// parseVersion reads version()'s struct, or /json/version's {"version_info",
// "version"}.
func parseVersion(raw any) (*VersionInfo, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("client: version() answered %T, not a struct", raw)
	}
	v := &VersionInfo{}
	v.ServerVersion, _ = m["server_version"].(string)
	if s, ok := m["version"].(string); ok && v.ServerVersion == "" {
		v.ServerVersion = s
	}
	v.Serie, _ = m["server_serie"].(string)
	info, _ := m["server_version_info"].([]any)
	if info == nil {
		info, _ = m["version_info"].([]any)
	}
	if len(info) >= 2 {
		v.Major, v.Minor = toInt(info[0]), toInt(info[1])
	}
	if len(info) >= 4 {
		v.ReleaseLevel, _ = info[3].(string)
	}
	v.ProtocolVersion = toInt(m["protocol_version"])
	if v.Major == 0 {
		v.Major, v.Minor = majorOf(v.Serie, v.ServerVersion)
	}
	if v.Serie == "" && v.Major > 0 {
		v.Serie = fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	if v.Major == 0 {
		return nil, fmt.Errorf("client: version() answer has no version number")
	}
	return v, nil
}

// majorOf reads "17.0", "saas~17.2" or "18.0-20250702".
func majorOf(candidates ...string) (int, int) {
	for _, s := range candidates {
		s = strings.TrimPrefix(s, "saas~")
		maj, rest, _ := strings.Cut(s, ".")
		n, err := strconv.Atoi(maj)
		if err != nil || n == 0 {
			continue
		}
		end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(rest)
		}
		minor, _ := strconv.Atoi(rest[:end])
		return n, minor
	}
	return 0, 0
}

func toInt(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	case int:
		return x
	}
	return 0
}

// protocol resolves Auto by asking the server's version once.
func (c *Client) protocol(ctx context.Context) (Protocol, error) {
	if c.cfg.Protocol != Auto {
		return c.cfg.Protocol, nil
	}
	v, err := c.Version(ctx)
	if err != nil {
		return "", err
	}
	if v.Major >= 19 {
		return JSON2, nil
	}
	return XMLRPC, nil
}

// Protocol returns the protocol the client's calls use, asking the server
// its version when the configuration says Auto.
func (c *Client) Protocol(ctx context.Context) (Protocol, error) { return c.protocol(ctx) }

// Authenticate checks the login and key and returns the user's id, which
// later calls reuse. A refusal is an *Error of KindAccessDenied: Odoo does
// not say whether the login, the key or the user's state was wrong. Over
// JSON-2, where only the key counts, the key's owner must have Login (when
// given).
func (c *Client) Authenticate(ctx context.Context) (int64, error) {
	p, err := c.protocol(ctx)
	if err != nil {
		return 0, err
	}
	var uid int64
	if p == JSON2 {
		uid, err = c.json2Authenticate(ctx)
	} else {
		uid, err = c.rpcAuthenticate(ctx)
	}
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.uid = uid
	c.mu.Unlock()
	return uid, nil
}

func (c *Client) rpcAuthenticate(ctx context.Context) (int64, error) {
	res, err := c.Call(ctx, "common", "authenticate", c.cfg.DB, c.cfg.Login, c.cfg.Key, map[string]any{})
	if err != nil {
		return 0, err
	}
	if uid, ok := res.(int64); ok && uid > 0 {
		return uid, nil
	}
	return 0, &Error{Kind: KindAccessDenied, Message: "Access Denied", Protocol: c.rpcProtocol(), Call: "common.authenticate"}
}

// json2Authenticate learns the key's owner from context_get and, when a
// login was given, checks that it is theirs, as authenticate would.
func (c *Client) json2Authenticate(ctx context.Context) (int64, error) {
	res, err := c.json2(ctx, "res.users", "context_get", map[string]any{})
	if err != nil {
		return 0, err
	}
	m, _ := res.(map[string]any)
	uid := int64(toInt(m["uid"]))
	if uid == 0 {
		return 0, fmt.Errorf("client: res.users.context_get answered no uid")
	}
	if c.cfg.Login == "" {
		return uid, nil
	}
	recs, err := c.json2(ctx, "res.users", "read", map[string]any{"ids": []any{uid}, "fields": []any{"login"}})
	if err != nil {
		return 0, err
	}
	rows, _ := recs.([]any)
	if len(rows) == 1 {
		if row, _ := rows[0].(map[string]any); row["login"] == c.cfg.Login {
			return uid, nil
		}
	}
	return 0, &Error{Kind: KindAccessDenied, Message: "Access Denied: the key belongs to another user than " + strconv.Quote(c.cfg.Login),
		Protocol: JSON2, Call: "res.users.context_get"}
}

// rpcProtocol is the protocol of service calls: JSON-RPC when asked for,
// XML-RPC otherwise (JSON-2 has no services).
func (c *Client) rpcProtocol() Protocol {
	if c.cfg.Protocol == JSONRPC {
		return JSONRPC
	}
	return XMLRPC
}

// Call calls a service method (common, db or object) over XML-RPC, or
// JSON-RPC when the client was configured for it. It is the layer under
// Version, Authenticate and ExecuteKW, for the calls they do not cover
// (db.server_version, common.about…).
func (c *Client) Call(ctx context.Context, service, method string, args ...any) (any, error) {
	if args == nil {
		args = []any{}
	}
	if c.rpcProtocol() == JSONRPC {
		return c.jsonRPC(ctx, service, method, args)
	}
	return c.xmlRPC(ctx, service, method, args)
}

// ListDatabases returns the server's databases. When the server hides them
// (Odoo's list_db = False) the error is of KindAccessDenied.
func (c *Client) ListDatabases(ctx context.Context) ([]string, error) {
	res, err := c.Call(ctx, "db", "list")
	if err != nil {
		return nil, err
	}
	list, _ := res.([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// uidFor returns the authenticated user id, authenticating first if needed.
func (c *Client) uidFor(ctx context.Context) (int64, error) {
	c.mu.Lock()
	uid := c.uid
	c.mu.Unlock()
	if uid != 0 {
		return uid, nil
	}
	return c.Authenticate(ctx)
}

// ExecuteKW calls model.method(*args, **kwargs) as the user, as Odoo's
// execute_kw does. Over JSON-2, which takes named arguments only, the
// record ids (the first positional argument of a method on records) are
// sent as "ids" and the other positional arguments under their parameter
// names: those of the ORM's methods in the server's version, or those the
// server publishes (Odoo 19's /doc-bearer/<model>.json) or Config.Signatures
// knows. Positional arguments no signature names are refused with an error
// that wraps ErrPositional; keyword arguments always work.
func (c *Client) ExecuteKW(ctx context.Context, model, method string, args []any, kwargs map[string]any) (any, error) {
	p, err := c.protocol(ctx)
	if err != nil {
		return nil, err
	}
	if p != JSON2 {
		return c.executeKW(ctx, model, method, args, kwargs)
	}
	sig, err := c.signature(ctx, model, method, len(args) > 0)
	if err != nil {
		return nil, err
	}
	if sig == nil && len(args) > 0 {
		return nil, bridge.Unnamed(model, method, c.unnamedWhy(ctx, model, method))
	}
	params, err := bridge.ToNamed(sig, model, method, args, kwargs)
	if err != nil {
		return nil, err
	}
	return c.json2(ctx, model, method, params)
}

// ExecuteNamed calls model.method with named arguments, as JSON-2 does:
// the records in "ids", the Odoo context in "context". Over JSON-2 they go
// as they are; over XML-RPC and JSON-RPC they become execute_kw's
// arguments: the ids first for a method on records, the ORM's parameters by
// position in the server's version (a name another version gives the same
// parameter is understood), everything else as keyword arguments.
func (c *Client) ExecuteNamed(ctx context.Context, model, method string, params map[string]any) (any, error) {
	p, err := c.protocol(ctx)
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	if p == JSON2 {
		return c.json2(ctx, model, method, params)
	}
	sig, err := c.signature(ctx, model, method, false)
	if err != nil {
		return nil, err
	}
	args, kwargs, err := bridge.ToPositional(sig, model, method, params)
	if err != nil {
		return nil, err
	}
	return c.executeKW(ctx, model, method, args, kwargs)
}

// signature finds model.method's signature for the server's version: the
// ORM's table first, then Config.Signatures, then (when published is true
// and the server speaks JSON-2) what the server publishes. nil means none
// knows it.
func (c *Client) signature(ctx context.Context, model, method string, published bool) (*bridge.Signature, error) {
	v, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	if s := bridge.ORMSignature(v.Major, method); s != nil {
		return s, nil
	}
	if c.cfg.Signatures != nil {
		if s, err := c.cfg.Signatures.Signature(ctx, model, method); s != nil || err != nil {
			return s, err
		}
	}
	if !published || v.Major < 19 {
		return nil, nil
	}
	return c.published.Signature(ctx, model, method)
}

// unnamedWhy says why no signature names model.method's arguments.
func (c *Client) unnamedWhy(ctx context.Context, model, method string) string {
	if _, modelPublished, err := c.published.Find(ctx, model, method); err == nil && modelPublished {
		return "the server publishes no public method of that name for " + model +
			" (/doc-bearer: the method does not exist, or is deprecated)"
	}
	return "the method is not one of the ORM's and the server does not publish its signature (Odoo 19's api_doc module, /doc-bearer)"
}

func (c *Client) executeKW(ctx context.Context, model, method string, args []any, kwargs map[string]any) (any, error) {
	uid, err := c.uidFor(ctx)
	if err != nil {
		return nil, err
	}
	if args == nil {
		args = []any{}
	}
	params := []any{c.cfg.DB, uid, c.cfg.Key, model, method, args}
	if kwargs != nil {
		params = append(params, kwargs)
	}
	res, err := c.Call(ctx, "object", "execute_kw", params...)
	if e, ok := err.(*Error); ok {
		e.Call = model + "." + method
	}
	return res, err
}
