// Package server assembles a running Okapi: it opens the store, builds the
// auth service, mounts the RPC endpoints and the web pages on one mux behind
// the shared middleware (request ids, logging, panics, body limits, security
// headers, client addresses), and serves it with timeouts against slow
// clients and a graceful shutdown.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/model"
	"github.com/okapi-erp/okapi/policy"
	"github.com/okapi-erp/okapi/postgres"
	"github.com/okapi-erp/okapi/readcache"
	"github.com/okapi-erp/okapi/rpc"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/storage"
	"github.com/okapi-erp/okapi/web"
)

// Config is everything a server needs; cmd/okapi fills it from flags and
// the environment.
type Config struct {
	Addr    string // listen address, e.g. 127.0.0.1:8069
	DataDir string // SQLite file and server secret
	DBURL   string // postgres://… for PostgreSQL; empty for SQLite
	DBName  string // the database name clients give
	Version int    // Odoo version to play, 14..19

	// Secret is the server secret in hex (OKAPI_SECRET); empty reads or
	// creates DATA/secret.key.
	Secret string
	// AdminPassword is the first administrator's password; empty
	// generates one, reported once through OnAdminPassword.
	AdminPassword   string
	OnAdminPassword func(login, password string)

	TLSCert, TLSKey string
	// PublicURL is the address clients use (--public-url); an https one
	// means a TLS-terminating proxy in front: cookies get Secure, answers
	// HSTS, as with TLSCert.
	PublicURL string
	// TrustedProxies are the addresses whose X-Forwarded-For (and
	// X-Forwarded-Proto) is believed.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes bounds request bodies (default 10 MiB).
	MaxBodyBytes int64
	// MaxBodyInFlight bounds the bytes of large bodies read and decoded at
	// once, across requests (default 32 MiB, never under MaxBodyBytes).
	MaxBodyInFlight int64
	// Cooldown is the brute-force limit (default: Odoo's 5 failures → 60 s).
	Cooldown *auth.Cooldown
	// ReadCache is how long an answer of a pure read may be served from
	// memory (readcache; 0: readcache.DefaultTTL, negative: no cache). The
	// gateway never caches: it cannot see its upstream's writes.
	ReadCache time.Duration
	// Pprof mounts /debug/pprof for administrators.
	Pprof bool
	// NoListDB refuses db.list(), as Odoo's list_db = False does.
	NoListDB bool
	// JSON2Only answers only JSON-2 of the external API: XML-RPC and
	// JSON-RPC answer 404, as an Odoo that removed them would (19 only).
	JSON2Only bool
	// Synchronous is SQLite's synchronous setting.
	Synchronous string
	// Poll is how often the change feed is read (default 200ms).
	Poll time.Duration
	// Timeouts against slow clients; zero values take the defaults.
	Timeouts Timeouts
	// Gateway, when set, makes this server okapi gateway: the external
	// API's model calls go to the upstream Odoo it names (Version is then
	// the upstream's), and the routes of gateway.ProxiedPrefixes are
	// passed to it unchanged.
	Gateway *gateway.Config

	Log *slog.Logger
	Now func() time.Time
}

// Timeouts bound how long a client may take. A client gets ReadHeader to
// send its headers (default 10 s), Read for a whole request (60 s), the
// server Write to answer (120 s), and an idle keep-alive connection is
// closed after Idle (120 s).
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, 10*time.Second)
	def(&t.Read, 60*time.Second)
	def(&t.Write, 120*time.Second)
	def(&t.Idle, 120*time.Second)
	return t
}

// Server is a running Okapi.
type Server struct {
	cfg     Config
	log     *slog.Logger
	Profile *okapi.Profile
	Store   *sqldb.Store
	Auth    *auth.Service
	Models  *model.Registry
	Web     *web.Handler
	RPC     *rpc.Handler
	Metrics *Metrics
	// Gateway is the upstream executor of okapi gateway; nil for serve.
	Gateway *gateway.Gateway
	// ReadCache answers repeated pure reads of okapi serve; nil when off.
	ReadCache *readcache.Cache
	// Hasher holds the server secret's derived keys.
	Hasher  *secret.Hasher
	handler http.Handler
	// secure tells whether a request reached its client over HTTPS.
	secure func(*http.Request) bool
	http   *http.Server
	ln     net.Listener
	cancel context.CancelFunc
	// ready is read by /readyz while Listen and Shutdown write it.
	ready atomic.Bool
}

// New opens the store and builds every service; it does not listen yet.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == 0 {
		cfg.Version = 19
	}
	if cfg.DBName == "" {
		cfg.DBName = "okapi"
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 10 << 20
	}
	if cfg.MaxBodyInFlight == 0 {
		cfg.MaxBodyInFlight = 32 << 20
	}
	cfg.MaxBodyInFlight = max(cfg.MaxBodyInFlight, cfg.MaxBodyBytes)
	var gw *gateway.Gateway
	var prof *okapi.Profile
	var err error
	if cfg.Gateway != nil {
		if gw, err = gateway.New(ctx, *cfg.Gateway); err != nil {
			return nil, err
		}
		if prof, err = gateway.Profile(gw.Major()); err != nil {
			return nil, err
		}
		cfg.Version = prof.Version
	} else if prof, err = okapi.ProfileFor(cfg.Version); err != nil {
		return nil, err
	}
	if cfg.JSON2Only && !prof.JSON2 {
		err = fmt.Errorf("only JSON-2 was asked for, and Odoo %d has no JSON-2 (19 and later)", cfg.Version)
	}
	if err != nil {
		return nil, err
	}
	hasher, _, err := storage.Pepper(cfg.DataDir, cfg.Secret)
	if err != nil {
		return nil, err
	}
	opened, err := storage.Open(ctx, storage.Options{DataDir: cfg.DataDir, URL: cfg.DBURL,
		AdminPassword: cfg.AdminPassword, AdminEmail: prof.AdminEmail, Synchronous: cfg.Synchronous})
	if err != nil {
		return nil, err
	}
	if err := storage.CheckPepper(ctx, opened.Store, hasher); err != nil {
		opened.Store.Close()
		return nil, err
	}
	if opened.AdminPassword != "" && cfg.OnAdminPassword != nil {
		cfg.OnAdminPassword("admin", opened.AdminPassword)
	}
	s := &Server{cfg: cfg, log: cfg.Log, Profile: prof, Store: opened.Store, Metrics: NewMetrics(), Gateway: gw, Hasher: hasher}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	var wake chan struct{}
	if opened.Postgres {
		wake = make(chan struct{}, 1)
		go postgres.Listen(bg, cfg.DBURL, wake, opened.Store.DB().Changed, cfg.Log)
	}
	cooldown := auth.DefaultCooldown
	if cfg.Cooldown != nil {
		cooldown = *cfg.Cooldown
	}
	s.Auth, err = auth.New(auth.Config{Profile: prof, Store: opened.Store, Hasher: hasher, Log: cfg.Log, Now: cfg.Now,
		Wake: wake, Poll: cfg.Poll, Cooldown: cooldown, Metrics: s.Metrics, Changed: opened.Store.DB().Changed})
	if err != nil {
		cancel()
		opened.Store.Close()
		return nil, err
	}
	s.Auth.Start(bg)
	if err := opened.Store.SetSystemName(ctx, prof.SystemUserName); err != nil {
		s.Close()
		return nil, err
	}
	s.Models = model.NewRegistry(prof, opened.Store.DB(), s.Auth)
	clientIP := ClientIP(cfg.TrustedProxies)
	s.secure = SecureRequest(cfg.TLSCert != "" || strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"), cfg.TrustedProxies)
	checker := policy.New(cfg.Now)
	var exec rpc.Executor
	var linker *gateway.Linker
	if gw != nil {
		sealer, err := gateway.NewSealer(hasher)
		if err != nil {
			s.Close()
			return nil, err
		}
		gw.Bind(s.Auth, opened.Store, sealer, checker)
		exec = gw
		// The gateway's own pages: the Odoo password at the login, the
		// Odoo key pasted on the security tab.
		linker = gw.Linker(opened.Store)
	} else if cfg.ReadCache >= 0 {
		ttl := cfg.ReadCache
		if ttl == 0 {
			ttl = readcache.DefaultTTL
		}
		s.ReadCache = readcache.New(readcache.Config{Next: s.Models, Generation: opened.Store.DB().Generation, TTL: ttl, Now: cfg.Now})
		exec = s.ReadCache
	}
	s.Web, err = web.New(web.Config{Auth: s.Auth, Models: s.Models, Profile: prof, DBName: cfg.DBName, Log: cfg.Log,
		SecureRequest: s.secure, ClientIP: clientIP, Now: cfg.Now, Gateway: linker})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.RPC = rpc.New(rpc.Config{Auth: s.Auth, Models: s.Models, Exec: exec, Policy: checker, Profile: prof, DBName: cfg.DBName, Log: cfg.Log,
		Sessions: s.Web, ClientIP: clientIP, MaxBody: cfg.MaxBodyBytes, NoListDB: cfg.NoListDB, JSON2Only: cfg.JSON2Only})
	s.Web.SetNotFound(http.HandlerFunc(s.RPC.UnknownRoute))
	s.handler = s.routes()
	return s, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.RPC.Register(mux)
	s.Web.Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.Metrics.Handler(s))
	if s.cfg.Pprof {
		admin := s.Web.RequireAdmin
		mux.Handle("/debug/pprof/", admin(http.HandlerFunc(pprof.Index)))
		mux.Handle("/debug/pprof/cmdline", admin(http.HandlerFunc(pprof.Cmdline)))
		mux.Handle("/debug/pprof/profile", admin(http.HandlerFunc(pprof.Profile)))
		mux.Handle("/debug/pprof/symbol", admin(http.HandlerFunc(pprof.Symbol)))
		mux.Handle("/debug/pprof/trace", admin(http.HandlerFunc(pprof.Trace)))
	}
	var h http.Handler = mux
	if s.Gateway != nil {
		// The add-ins' and the web client's session routes go to the
		// upstream unchanged (they have their own authentication).
		proxy := s.Gateway.Proxy()
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if gateway.Proxied(r.URL.Path) {
				proxy.ServeHTTP(w, r)
				return
			}
			mux.ServeHTTP(w, r)
		})
	}
	h = s.Metrics.Middleware(h)
	h = securityHeaders(h, s.secure)
	h = limitBody(h, s.cfg.MaxBodyBytes)
	h = budgetBodies(h, newBodyBudget(s.cfg.MaxBodyInFlight), s.cfg.MaxBodyBytes)
	h = recoverPanics(h, s.log)
	h = logRequests(h, s.log)
	return h
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if _, err := s.Store.LastEventSeq(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ready")
}

// Handler returns the server's HTTP handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the listening socket; the address is known afterwards.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	s.ln = ln
	to := s.cfg.Timeouts.withDefaults()
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: to.ReadHeader,
		ReadTimeout:       to.Read,
		WriteTimeout:      to.Write,
		IdleTimeout:       to.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.ready.Store(true)
	return nil
}

// Addr is the address the server listens on (after Listen).
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.cfg.Addr
	}
	return s.ln.Addr().String()
}

// URL is the base URL of the server (after Listen).
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + s.Addr()
}

// Serve answers requests until Shutdown.
func (s *Server) Serve() error {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, lets in-flight ones finish (until ctx
// ends), then stops the services and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	var err error
	if s.http != nil {
		err = s.http.Shutdown(ctx)
	}
	s.Close()
	return err
}

// Close stops the background services and closes the store.
func (s *Server) Close() {
	if s.Auth != nil {
		s.Auth.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.Store != nil {
		s.Store.Close()
	}
}
