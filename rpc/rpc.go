// Package rpc serves Odoo's external API: XML-RPC on /xmlrpc and
// /xmlrpc/2, JSON-RPC on /jsonrpc, the session endpoints of the web client,
// and (profile 19) JSON-2 on /json/2. Each handler decodes, checks the
// credential through the auth service, calls the model layer, and encodes the
// answer or the error in the shape Odoo gives on that path; no handler holds a
// rule of its own. Errors are translated once per transport, from the code of
// okapi.Error; anything without a code is logged and answered as an internal
// error, never with its text.
package rpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/model"
	"github.com/okapi-erp/okapi/policy"
)

// Sessions is what the RPC layer needs from the web pages' sessions.
type Sessions interface {
	StartSession(w http.ResponseWriter, r *http.Request, u *okapi.User) (*okapi.Session, error)
	CurrentUser(r *http.Request) (*okapi.User, *okapi.Session, bool)
	EndSession(w http.ResponseWriter, r *http.Request)
}

// Executor runs the model calls of the external API (execute_kw, execute,
// JSON-2) once the request is decoded and its credential checked. It is the
// one seam between serving Odoo's protocols and doing the work: the local
// model registry (okapi serve) or an upstream Odoo (okapi gateway).
type Executor interface {
	// Execute runs model.method(*args, **kwargs), as execute_kw binds them.
	Execute(ctx context.Context, u *okapi.User, model, method string, args []any, kwargs map[string]any) (any, error)
	// ExecuteNamed runs a JSON-2 call: named arguments, ids among them.
	ExecuteNamed(ctx context.Context, u *okapi.User, model, method string, params map[string]any) (any, error)
}

var _ Executor = (*model.Registry)(nil)

// Front is what an executor standing in front of another Odoo (okapi
// gateway) adds to Executor: tools see the upstream's version and uids, so
// it answers version() and authenticate, and checks execute's (uid, key)
// and JSON-2's bearer key itself, with the auth service's rules. The
// context it returns is the one the call is executed with.
type Front interface {
	Version(ctx context.Context) (any, error)
	// Authenticate answers common.authenticate/login: a uid, or false.
	Authenticate(ctx context.Context, login, secret, ip string) (any, error)
	CheckUID(ctx context.Context, uid int64, secret, ip string) (context.Context, *okapi.User, error)
	CheckBearer(ctx context.Context, secret, ip string) (context.Context, *okapi.User, error)
}

// Config is what the RPC layer needs.
type Config struct {
	Auth *auth.Service
	// Models is the local model registry: the session endpoints and the
	// add-in routes work on it.
	Models *model.Registry
	// Exec runs the external API's model calls; Models when nil.
	Exec Executor
	// Policy checks each model call against its key's limits before Exec
	// runs it; a new checker when nil.
	Policy   *policy.Checker
	Profile  *okapi.Profile
	DBName   string
	Log      *slog.Logger
	Sessions Sessions
	ClientIP func(*http.Request) string
	// MaxBody bounds request bodies (the server's middleware also does).
	MaxBody int64
	// NoListDB refuses db.list, as Odoo's list_db = False does.
	NoListDB bool
	// JSON2Only serves JSON-2 alone of the external API: /xmlrpc,
	// /xmlrpc/2 and /jsonrpc answer 404, as an Odoo without them does.
	JSON2Only bool
}

// Handler serves the RPC endpoints.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	profile *okapi.Profile
}

// New returns the RPC handler.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Exec == nil {
		cfg.Exec = cfg.Models
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.New(nil)
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) string { return r.RemoteAddr }
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 10 << 20
	}
	return &Handler{cfg: cfg, log: cfg.Log, profile: cfg.Profile}
}

// Register mounts the endpoints on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	xml, jsonRPC := h.handleXMLRPC, h.handleJSONRPC
	if h.cfg.JSON2Only {
		xml = func(w http.ResponseWriter, _ *http.Request) { notFoundPage(w) }
		jsonRPC = xml
	}
	mux.HandleFunc("/xmlrpc/2/{service}", xml)
	mux.HandleFunc("/xmlrpc/{service}", xml)
	mux.HandleFunc("/jsonrpc", jsonRPC)
	mux.HandleFunc("/web/session/authenticate", h.jsonRoute(h.sessionAuthenticate))
	mux.HandleFunc("/web/session/get_session_info", h.jsonRoute(h.sessionInfo))
	mux.HandleFunc("/web/session/destroy", h.jsonRoute(h.sessionDestroy))
	mux.HandleFunc("/web/dataset/call_kw", h.jsonRoute(h.callKw))
	mux.HandleFunc("/web/dataset/call_kw/{path...}", h.jsonRoute(h.callKw))
	mux.HandleFunc("/web/webclient/version_info", h.jsonRoute(h.versionInfo))
	mux.HandleFunc("/web/version", h.handleVersion)
	mux.HandleFunc("/json/version", h.handleVersion)
	mux.HandleFunc("/json/2/{model}/{method}", h.handleJSON2)
	mux.HandleFunc("/json/2", h.handleJSON2Elsewhere)
	mux.HandleFunc("/json/2/{path...}", h.handleJSON2Elsewhere)
	mux.HandleFunc("/doc-bearer/{file}", h.handleDocBearer)
	mux.HandleFunc("GET "+InfoPath, h.handleInfo)
	mux.HandleFunc(KeyStatusPath, h.handleKeyStatus)
	h.registerMailPlugin(mux)
	// Every other path: Odoo's answer to a route it does not have, never
	// Go's plain-text "404 page not found".
	mux.HandleFunc("/", h.UnknownRoute)
}

// checkPolicy asks the policy package whether u may call model.method from
// ip, and records a refusal in the audit log with the rule that made it.
func (h *Handler) checkPolicy(u *okapi.User, model, method, ip string) error {
	err := h.cfg.Policy.Check(u, model, method, ip)
	if err == nil {
		return nil
	}
	if r, ok := err.(*policy.Refusal); ok && !r.Repeat && h.cfg.Auth != nil {
		h.cfg.Auth.Record(okapi.AuditEntry{Kind: okapi.AuditKeyRefused, UserID: u.ID, KeyID: u.KeyID, Login: u.Login, IP: ip,
			Detail: "rule " + r.Rule + ": " + model + "." + method})
	}
	return err
}

// tooManyCalls answers an exceeded rate over XML-RPC and JSON-RPC: HTTP 429
// with Retry-After, what throttling fronts of hosted Odoo send (XML-RPC
// clients see a protocol error). It reports false for any other error.
func tooManyCalls(w http.ResponseWriter, err error) bool {
	e := okapi.AsError(err)
	if e == nil || e.Code != okapi.ETooMany || e.RetryAfter <= 0 {
		return false
	}
	w.Header().Set("Retry-After", itoa(int64(e.RetryAfter)))
	http.Error(w, e.Message, http.StatusTooManyRequests)
	return true
}

// bufPool recycles body and answer buffers: each request needs two, and
// allocating them would dominate the cost of a cached authenticate.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 1<<20 {
		return // do not keep a huge answer's buffer around
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// errTooLarge is returned by readBody for a body over the limit.
var errTooLarge = errors.New("request body too large")

// body reads the whole request body into buf, bounded by the limit. It
// returns false when the request has been dealt with: a body over the limit
// got its 413, and a client that went away gets nothing.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, buf *[]byte) bool {
	err := h.readBody(r, buf)
	if errors.Is(err, errTooLarge) {
		TooLarge(w, h.cfg.MaxBody)
	}
	return err == nil
}

// readBody reads the whole body into buf, bounded by the limit.
func (h *Handler) readBody(r *http.Request, buf *[]byte) error {
	if r.ContentLength > h.cfg.MaxBody {
		return errTooLarge
	}
	lr := io.LimitReader(r.Body, h.cfg.MaxBody+1)
	b := (*buf)[:0]
	if n := r.ContentLength; n > 0 && int64(cap(b)) <= n {
		// The declared length at once (+1 to see the end): growing by
		// doubling would cost up to three times the body.
		b = make([]byte, 0, n+1)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return errTooLarge
			}
			return err
		}
	}
	*buf = b
	if int64(len(b)) > h.cfg.MaxBody {
		return errTooLarge
	}
	return nil
}

// TooLarge answers a request whose body is over max bytes: 413 with a
// message that says the limit.
func TooLarge(w http.ResponseWriter, max int64) {
	w.Header().Set("Connection", "close")
	http.Error(w, "Request body too large: the limit is "+formatSize(max)+".", http.StatusRequestEntityTooLarge)
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// pyName is an exception's name as a Python traceback's last line shows it.
func pyName(c okapi.Code) string {
	return strings.TrimPrefix(string(c), "builtins.")
}

// wireError turns any error into the *okapi.Error a transport may show,
// logging what has no code.
func (h *Handler) wireError(r *http.Request, err error) *okapi.Error {
	if e := okapi.AsError(err); e != nil && e.Code != okapi.EInternal {
		return e
	}
	if errors.Is(err, r.Context().Err()) && r.Context().Err() != nil {
		return &okapi.Error{Code: okapi.EInternal, Message: "The request was cancelled."}
	}
	h.log.Error("internal error", "path", r.URL.Path, "err", err)
	return &okapi.Error{Code: okapi.EInternal, Message: "Internal server error"}
}

// htmlError writes one of werkzeug's plain HTML error pages.
func htmlError(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, "<!doctype html>\n<html lang=en>\n<title>"+itoa(int64(status))+" "+title+"</title>\n<h1>"+title+"</h1>\n<p>"+text+"</p>\n")
}

func notFoundPage(w http.ResponseWriter) {
	htmlError(w, http.StatusNotFound, "Not Found", "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.")
}

// loginRedirect is how Odoo 18 answers a user route it does not have
// without a session: to the login page.
func loginRedirect(w http.ResponseWriter, r *http.Request) {
	target := "/web/login?redirect=" + urlQueryEscape(r.URL.Path+"?"+r.URL.RawQuery)
	w.Header().Set("Location", target)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusSeeOther)
	io.WriteString(w, "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href=\""+
		htmlEscape(target)+"\">"+htmlEscape(target)+"</a>. If not, click the link.\n")
}

func urlQueryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
