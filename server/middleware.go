package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id the logging middleware gave the request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Request ids are a random per-process prefix and a counter: unique, cheap
// (no system call per request), and they say nothing about the request.
var (
	idPrefix = func() string {
		var b [4]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	idSeq atomic.Uint64
)

func newRequestID() string {
	var b [24]byte
	n := copy(b[:], idPrefix)
	b[n] = '-'
	return string(strconv.AppendUint(b[:n+1], idSeq.Add(1), 36))
}

// statusWriter remembers the status written, for the log line and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives every request an id (echoed in X-Request-Id) and logs
// one line per request at debug level: method, path, status, duration. The
// query string and body are never logged, as they may hold credentials.
func logRequests(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header()["X-Request-Id"] = []string{id}
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
		if log.Enabled(r.Context(), slog.LevelDebug) {
			log.Debug("request", "id", id, "method", r.Method, "path", okapi.CapIdent(r.URL.Path), "status", sw.status,
				"bytes", sw.bytes, "ms", float64(time.Since(start).Microseconds())/1000)
		}
	})
}

// recoverPanics turns a panic into a clean 500. The stack goes to the log,
// which never receives request values, so a secret cannot leak through it.
func recoverPanics(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic serving a request", "id", RequestID(r.Context()), "path", okapi.CapIdent(r.URL.Path),
					"panic", panicText(p), "stack", string(debug.Stack()))
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// panicText names a panic's type only: its value may hold request data.
func panicText(p any) string { return fmt.Sprintf("%T", p) }

// limitBody refuses bodies larger than max with a clear 413 before reading
// them when the length is declared, and cuts them off when it is not.
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			rpc.TooLarge(w, max)
			return
		}
		if r.ContentLength < 0 && isForm(r.Header.Get("Content-Type")) {
			// A chunked form would reach the pages cut off, and they
			// would call it unreadable (400): measure it here instead.
			b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
			if err != nil {
				return // the client went away
			}
			if int64(len(b)) > max {
				rpc.TooLarge(w, max)
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// isForm reports a form body, which the pages parse.
func isForm(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

var (
	nosniff   = []string{"nosniff"}
	frameDeny = []string{"DENY"}
	referrer  = []string{"same-origin"}
	hsts      = []string{"max-age=31536000; includeSubDomains"}
)

// securityHeaders sets the headers every answer carries; pages add their
// Content-Security-Policy themselves. HSTS only makes sense over TLS:
// secure says whether the request came over it.
func securityHeaders(next http.Handler, secure func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Canonical keys assigned directly, and shared value slices:
		// Header.Set would canonicalise and allocate on every request.
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = frameDeny
		h["Referrer-Policy"] = referrer
		if secure(r) {
			h["Strict-Transport-Security"] = hsts
		}
		next.ServeHTTP(w, r)
	})
}

// SecureRequest returns a function telling whether a request reached its
// client over HTTPS: always when always is set (--tls-cert, or an https
// --public-url); otherwise when the peer is a trusted proxy that says
// "X-Forwarded-Proto: https". From anyone else the header is ignored.
func SecureRequest(always bool, trusted []netip.Prefix) func(*http.Request) bool {
	if always {
		return func(*http.Request) bool { return true }
	}
	return func(r *http.Request) bool {
		if len(trusted) == 0 {
			return false
		}
		proto := r.Header.Get("X-Forwarded-Proto")
		if proto == "" {
			return false
		}
		// A chain of proxies lists one scheme each: the first is the
		// client's.
		if i := strings.IndexByte(proto, ','); i >= 0 {
			proto = proto[:i]
		}
		if !strings.EqualFold(strings.TrimSpace(proto), "https") {
			return false
		}
		peer, ok := peerAddr(r)
		return ok && inPrefixes(trusted, peer)
	}
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func inPrefixes(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns a function giving a request's client address: the peer,
// or, when the peer is a trusted proxy, the last untrusted address of
// X-Forwarded-For.
func ClientIP(trusted []netip.Prefix) func(*http.Request) string {
	isTrusted := func(a netip.Addr) bool { return inPrefixes(trusted, a) }
	return func(r *http.Request) string {
		peer, ok := peerAddr(r)
		if !ok {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			return host
		}
		if len(trusted) == 0 || !isTrusted(peer) {
			return peer.String()
		}
		hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			a = a.Unmap()
			if !isTrusted(a) {
				return a.String()
			}
		}
		return peer.String()
	}
}
