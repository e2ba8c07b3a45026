// Package hardening attacks a running Okapi the way an outsider would: real
// HTTP on 127.0.0.1 against servers on SQLite and PostgreSQL, and the real
// `okapi serve` process where its output matters. Each test proves one promise
// of SECURITY.md and is named there; the package holds tests only.
package hardening

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// dbName is the database name every test server answers to.
const dbName = "acme"

// node is one running server.
type node struct {
	t       *testing.T
	s       *server.Server
	url     string
	dialect string
	opts    nodeOptions
	// rec, when set, is given every answer body (the secret-hygiene test
	// searches them).
	rec func(what, body string)
}

// record hands an answer to the recorder, if any, and returns it.
func (n *node) record(what string, a answer) answer {
	if n.rec != nil {
		n.rec(what, a.body)
	}
	return a
}

// nodeOptions configure startNode; the zero value is a version 19 server
// with the cooldown off.
type nodeOptions struct {
	version  int
	cooldown auth.Cooldown
	// trusted are the proxies whose X-Forwarded-For is believed. The
	// brute-force tests trust 127.0.0.1 so that each scenario can speak
	// from its own client address.
	trusted []string
	maxBody int64
	// dataDir and dbURL, when set, share a database with another node.
	dataDir, dbURL string
	secret         string
	poll           time.Duration
	tlsCert        string
	tlsKey         string
	timeouts       server.Timeouts
	// now, when set, is the server's clock.
	now func() time.Time
	// publicURL is --public-url.
	publicURL string
}

// startNode starts a server on a fresh database of dialect (or the one in
// opts) and stops it when the test ends.
func startNode(t *testing.T, dialect string, opts nodeOptions) *node {
	t.Helper()
	if opts.version == 0 {
		opts.version = 19
	}
	if opts.dataDir == "" {
		o := storetest.Options(t, dialect)
		opts.dataDir, opts.dbURL = o.DataDir, o.URL
	}
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: opts.dataDir, DBURL: opts.dbURL, DBName: dbName,
		Version: opts.version, AdminPassword: storetest.AdminPassword, Secret: opts.secret,
		Cooldown: &opts.cooldown, MaxBodyBytes: opts.maxBody, Poll: opts.poll,
		TLSCert: opts.tlsCert, TLSKey: opts.tlsKey, Timeouts: opts.timeouts, Now: opts.now, PublicURL: opts.publicURL}
	for _, p := range opts.trusted {
		cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(p))
	}
	s := servertest.Start(t, cfg)
	return &node{t: t, s: s, url: s.URL(), dialect: dialect, opts: opts}
}

// user is a test account with its password and one RPC key.
type user struct {
	login, password, key string
	id                   int64
}

// addUser creates an internal user with a password and a persistent key.
func (n *node) addUser(login string) user {
	n.t.Helper()
	ctx := context.Background()
	u := user{login: login, password: login + "-Pass-" + randHex(6)}
	created, err := n.s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: login, Password: u.password, Name: login})
	if err != nil {
		n.t.Fatalf("CreateUser %s: %v", login, err)
	}
	u.id = created.ID
	u.key, _, err = n.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.id, Name: "hardening"})
	if err != nil {
		n.t.Fatalf("CreateKey %s: %v", login, err)
	}
	return u
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// wrongKey is a well-formed key that matches nothing.
func wrongKey() string { return randHex(okapi.KeyBytes) }

// answer is an HTTP answer with its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

// httpClient talks to test servers; it never follows redirects, so that
// every answer is seen.
var httpClient = &http.Client{Timeout: 60 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// sourceTransports holds one transport per loopback source address.
var sourceTransports sync.Map // string → *http.Transport

// fromSource returns, for a loopback address other than 127.0.0.1 (Linux
// routes all of 127.0.0.0/8 to lo), a transport whose connections are bound
// to it: the server sees that peer address, with no proxy and no header.
// Other addresses give nil: they travel in X-Forwarded-For.
func fromSource(ip string) http.RoundTripper {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() || !a.IsLoopback() || a == netip.MustParseAddr("127.0.0.1") {
		return nil
	}
	if tr, ok := sourceTransports.Load(ip); ok {
		return tr.(*http.Transport)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: a.AsSlice()}, Timeout: 10 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.MaxIdleConnsPerHost = 16
	actual, _ := sourceTransports.LoadOrStore(ip, tr)
	return actual.(*http.Transport)
}

// clientFrom is httpClient speaking from ip's bound source address, when
// ip is one (see fromSource).
func clientFrom(ip string) *http.Client {
	tr := fromSource(ip)
	if tr == nil {
		return httpClient
	}
	return &http.Client{Timeout: httpClient.Timeout, CheckRedirect: httpClient.CheckRedirect, Transport: tr}
}

// send makes a request; ip, when set, is the loopback address the client
// binds to (127.0.0.2, 127.0.0.3, …) or else goes in X-Forwarded-For.
func send(t testing.TB, method, target, contentType, ip string, body []byte, hdr http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if ip != "" && fromSource(ip) == nil {
		req.Header.Set("X-Forwarded-For", ip)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := clientFrom(ip).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", target, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// xmlCall calls method on an XML-RPC service (/xmlrpc/2/<service>). It
// returns the result, or the fault.
func (n *node) xmlCall(ip, service, method string, params ...any) (any, *xmlrpc.Fault) {
	n.t.Helper()
	body, err := xmlrpc.AppendCall(nil, method, params...)
	if err != nil {
		n.t.Fatal(err)
	}
	a := n.record("XML-RPC "+method, send(n.t, http.MethodPost, n.url+"/xmlrpc/2/"+service, "text/xml", ip, body, nil))
	if a.status != http.StatusOK {
		n.t.Fatalf("XML-RPC %s.%s: status %d: %s", service, method, a.status, a.body)
	}
	v, err := xmlrpc.DecodeResponse([]byte(a.body), xmlrpc.DefaultLimits)
	if f, ok := err.(*xmlrpc.Fault); ok {
		return nil, f
	}
	if err != nil {
		n.t.Fatalf("XML-RPC %s.%s: undecodable answer %v: %s", service, method, err, a.body)
	}
	return v, nil
}

// authenticate is common.authenticate over XML-RPC: the uid, or 0 for false.
func (n *node) authenticate(ip, login, secret string) int64 {
	n.t.Helper()
	v, f := n.xmlCall(ip, "common", "authenticate", dbName, login, secret, map[string]any{})
	if f != nil {
		n.t.Fatalf("authenticate %s: fault %v", login, f)
	}
	switch x := v.(type) {
	case int64:
		return x
	case bool:
		if !x {
			return 0
		}
	}
	n.t.Fatalf("authenticate %s answered %#v", login, v)
	return 0
}

// searchCount is execute_kw res.partner.search_count([]) over XML-RPC.
func (n *node) searchCount(ip string, uid int64, secret string) (any, *xmlrpc.Fault) {
	n.t.Helper()
	return n.xmlCall(ip, "object", "execute_kw", dbName, uid, secret, "res.partner", "search_count", []any{[]any{}})
}

// jsonRPCAnswer is a decoded /jsonrpc answer.
type jsonRPCAnswer struct {
	Result any `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Name    string `json:"name"`
			Message string `json:"message"`
			Debug   string `json:"debug"`
		} `json:"data"`
	} `json:"error"`
}

// jsonRPC posts {"service", "method", "args"} to /jsonrpc.
func (n *node) jsonRPC(ip, service, method string, args ...any) jsonRPCAnswer {
	n.t.Helper()
	body, err := jsonrpc.AppendValue(nil, okapi.Struct{{Name: "jsonrpc", Value: "2.0"}, {Name: "method", Value: "call"},
		{Name: "params", Value: okapi.Struct{{Name: "service", Value: service}, {Name: "method", Value: method}, {Name: "args", Value: args}}},
		{Name: "id", Value: int64(1)}})
	if err != nil {
		n.t.Fatal(err)
	}
	return n.jsonRoute(ip, "/jsonrpc", body)
}

// jsonRoute posts a JSON-RPC body to path and decodes the envelope.
func (n *node) jsonRoute(ip, path string, body []byte) jsonRPCAnswer {
	n.t.Helper()
	a := n.record("JSON-RPC "+path, send(n.t, http.MethodPost, n.url+path, "application/json", ip, body, nil))
	if a.status != http.StatusOK {
		n.t.Fatalf("JSON-RPC %s: status %d: %s", path, a.status, a.body)
	}
	var out jsonRPCAnswer
	if err := json.Unmarshal([]byte(a.body), &out); err != nil {
		n.t.Fatalf("JSON-RPC %s: %v: %s", path, err, a.body)
	}
	return out
}

// json2 posts body (already JSON, or nil) to /json/2/<model>/<method> with
// the key as bearer token.
func (n *node) json2(ip, key, model, method string, body []byte) answer {
	n.t.Helper()
	hdr := http.Header{}
	if key != "" {
		hdr.Set("Authorization", "bearer "+key)
	}
	return n.record("JSON-2", send(n.t, http.MethodPost, n.url+"/json/2/"+url.PathEscape(model)+"/"+url.PathEscape(method), "application/json", ip, body, hdr))
}

// metric returns the value of one series of /metrics, 0 when absent.
func (n *node) metric(series string) float64 {
	n.t.Helper()
	a := n.record("metrics", send(n.t, http.MethodGet, n.url+"/metrics", "", "", nil, nil))
	for _, line := range strings.Split(a.body, "\n") {
		if strings.HasPrefix(line, series+" ") {
			v, err := strconv.ParseFloat(strings.TrimSpace(line[len(series):]), 64)
			if err != nil {
				n.t.Fatalf("metric %s: %q", series, line)
			}
			return v
		}
	}
	return 0
}

// checks is the series counting credential checks on path with outcome.
func checks(path, outcome string) string {
	return `okapi_credential_checks_total{outcome="` + outcome + `",path="` + path + `"}`
}

// browser is a web client: it keeps cookies, does not follow redirects,
// and speaks from a chosen address: a bound loopback source address, or
// else through X-Forwarded-For.
type browser struct {
	t    *testing.T
	base string
	ip   string
	http *http.Client
	// rec is the node's recorder; unrecorded skips the next answer (the
	// one that shows a new key).
	rec        func(what, body string)
	unrecorded bool
}

func (n *node) browser(ip string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: n.t, base: n.url, ip: ip, rec: n.rec, http: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		Transport:     fromSource(ip),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) answer {
	b.t.Helper()
	if b.ip != "" && fromSource(b.ip) == nil {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if b.rec != nil && !b.unrecorded {
		b.rec("page "+req.URL.Path, string(body))
	}
	b.unrecorded = false
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) answer {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) answer {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of a page's form.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// tryLogin posts the login form and returns the answer: 303 when let in.
func (b *browser) tryLogin(login, password string) answer {
	b.t.Helper()
	form := b.get("/web/login")
	return b.post("/web/login", url.Values{"csrf_token": {csrf(b.t, form.body)}, "login": {login}, "password": {password}})
}

// login logs in or fails the test.
func (b *browser) login(login, password string) {
	b.t.Helper()
	if a := b.tryLogin(login, password); a.status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d\n%s", login, a.status, a.body)
	}
}

// prefs is the preferences dialog of the version's web client.
func prefs(version int) string {
	if version >= 19 {
		return "/odoo/preferences"
	}
	return "/web/preferences"
}

// identity posts the identity check before creating a key and returns the
// answer: 303 to the "New API Key" dialog when the password was right.
func (b *browser) identity(version int, password string) answer {
	b.t.Helper()
	p := prefs(version)
	page := b.get(p + "/identity?do=new")
	return b.post(p+"/identity", url.Values{"csrf_token": {csrf(b.t, page.body)}, "do": {"new"}, "password": {password}})
}

var keyRE = regexp.MustCompile(`<code id="api-key"[^>]*>([0-9a-f]{40})</code>`)

// createKey runs the key creation through the pages (the identity check
// must be fresh) and returns the key and the page that showed it: the
// answer to the form, left out of the recording.
func (b *browser) createKey(version int, name string) (string, answer) {
	b.t.Helper()
	p := prefs(version)
	dialog := b.get(p + "/apikeys/new")
	if dialog.status != http.StatusOK {
		b.t.Fatalf("New API Key dialog: status %d\n%s", dialog.status, dialog.body)
	}
	form := url.Values{"csrf_token": {csrf(b.t, dialog.body)}, "name": {name}}
	if f := formRE.FindStringSubmatch(dialog.body); f != nil {
		form.Set("form", f[1])
	}
	if version >= 18 {
		form.Set("duration", "7")
	}
	b.unrecorded = true
	page := b.post(p+"/apikeys", form)
	m := keyRE.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || m == nil {
		b.t.Fatalf("creating a key: status %d, no key in the answer\n%s", page.status, page.body)
	}
	return m[1], page
}

var formRE = regexp.MustCompile(`<input type="hidden" name="form" value="([^"]+)">`)

// eventually retries cond every 20 ms until it holds, and fails the test
// if it does not within the given time; it returns how long it took.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// leakSigns are texts that only the Go runtime, a database driver or an
// internal failure put in an answer: a clean answer has none of them. (The
// hostile values of the corpus avoid them, since answers may quote a value
// back, as Odoo's do.)
var leakSigns = []string{
	// Go
	"goroutine ", "runtime error", "panic", ".go:", "interface {}", "map[string]", "[]interface", "*okapi.", "invalid memory address",
	"strconv.", "reflect.", "database/sql", "driver: ", "converting argument", "sql: ",
	// databases
	"SQLSTATE", "syntax error at", "pq: ", "ERROR: ", "sqlite3", "SQL logic error", "no such column", "no such table", "no such function",
	"unrecognized token", "must not be negative", "operator does not exist", "invalid input syntax", "too many SQL variables",
	"Expression tree is too large", "stack depth limit", "out of range for type", "incomplete input",
	// internal errors, which are logged and answered with this alone
	"Internal server error", "Internal Server Error", "RuntimeError",
	// paths and tracebacks
	"Traceback", "/home/", "/work/", "/tmp/", "/usr/",
}

// checkClean fails the test when an answer shows a sign of internals.
func checkClean(t testing.TB, what, body string) {
	t.Helper()
	for _, s := range leakSigns {
		if strings.Contains(body, s) {
			t.Errorf("%s: the answer holds %q: %.400s", what, s, body)
			return
		}
	}
}
