package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/readcache"
	"github.com/okapi-erp/okapi/server"
)

// serveOpts are the flags okapi serve and okapi gateway share: one server,
// whoever executes the model calls.
type serveOpts struct {
	sf            storeFlags
	cfg           server.Config
	proxies       []string
	cooldownAfter int
	cooldownFor   time.Duration
	readCache     time.Duration
	perLogin      bool
	logLevel      string
	logFormat     string
	maxBody       int64
}

func newServeCmd() *cobra.Command {
	var (
		o    serveOpts
		rpcs string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Okapi server",
		Long: `Run the Okapi server: the web pages where people create and revoke API keys, and
Odoo's external API (XML-RPC on /xmlrpc/2, JSON-RPC on /jsonrpc, JSON-2 on
/json/2 for --odoo-version 19), behaving as the chosen Odoo version does.

The first start creates the database and an administrator, login "admin", whose
password comes from $OKAPI_ADMIN_PASSWORD or is generated and printed once.
Data lives in the --data folder (SQLite), or in PostgreSQL with --db; several
servers may share one PostgreSQL database (give them the same server secret:
the same secret.key file, or $OKAPI_SECRET).`,
		Example: `  okapi serve
  okapi serve --addr 127.0.0.1:8069 --data ./okapi-data --odoo-version 18 --db-name mycompany
  okapi serve --db postgres://okapi@127.0.0.1/okapi --odoo-version 19
  okapi serve --odoo-version 19 --rpc json2    # an Odoo without XML-RPC and JSON-RPC`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Checked before the configuration, which makes the data folder.
			if rpcs != "all" && rpcs != "json2" {
				return usagef("--rpc must be \"all\" or \"json2\", not %q", rpcs)
			}
			cfg, err := o.config(cmd)
			if err != nil {
				return err
			}
			cfg.JSON2Only = rpcs == "json2"
			return serve(cmd.Context(), cfg, cmd.OutOrStdout())
		},
	}
	o.register(cmd)
	cmd.Flags().StringVar(&rpcs, "rpc", "all", `external APIs to answer: "all", or "json2" alone (XML-RPC and JSON-RPC answer 404, as an Odoo that removed them; 19 only)`)
	return cmd
}

// config builds the server's configuration from the flags.
func (o *serveOpts) config(cmd *cobra.Command) (server.Config, error) {
	cfg := o.cfg
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return cfg, usagef("--log-level: %v", err)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return cfg, usagef("--log-format must be text or json, not %q", o.logFormat)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(cmd.ErrOrStderr(), opts)
	if o.logFormat == "json" {
		h = slog.NewJSONHandler(cmd.ErrOrStderr(), opts)
	}
	cfg.Log = slog.New(h)
	for _, p := range o.proxies {
		pre, err := parsePrefix(p)
		if err != nil {
			return cfg, usagef("--trusted-proxy %s: %v", p, err)
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, pre)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return cfg, usagef("--tls-cert and --tls-key go together")
	}
	switch strings.ToUpper(cfg.Synchronous) {
	case "NORMAL", "FULL":
		cfg.Synchronous = strings.ToUpper(cfg.Synchronous)
	default:
		return cfg, usagef("--sqlite-synchronous must be NORMAL or FULL, not %q", cfg.Synchronous)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return cfg, usagef("--public-url %s: want http(s)://host[:port][/path]", cfg.PublicURL)
		}
	}
	cfg.DataDir, cfg.DBURL, cfg.Version = o.sf.data, o.sf.db, o.sf.version
	// The data folder holds the SQLite database, and the server secret
	// unless $OKAPI_SECRET gives it.
	if o.sf.db == "" || o.sf.db == "sqlite" || os.Getenv("OKAPI_SECRET") == "" {
		if err := makeDataDir(o.sf.data); err != nil {
			return cfg, err
		}
	}
	if cfg.Version == 0 {
		cfg.Version = 19
	}
	cfg.MaxBodyBytes = o.maxBody
	cfg.Cooldown = &auth.Cooldown{After: o.cooldownAfter, Duration: o.cooldownFor, PerLogin: o.perLogin}
	cfg.ReadCache = o.readCache
	if o.readCache == 0 {
		cfg.ReadCache = -1
	}
	cfg.Secret = os.Getenv("OKAPI_SECRET")
	cfg.AdminPassword = os.Getenv("OKAPI_ADMIN_PASSWORD")
	out := cmd.OutOrStdout()
	cfg.OnAdminPassword = func(login, pw string) {
		fmt.Fprintf(out, "Created the administrator: login %q, password %q.\nThis password is shown once: keep it, or change it in Settings → Users.\n", login, pw)
	}
	return cfg, nil
}

func (o *serveOpts) register(cmd *cobra.Command) {
	o.sf.register(cmd)
	cfg := &o.cfg
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", envOr("OKAPI_ADDR", "127.0.0.1:8069"), "address to listen on")
	f.StringVar(&cfg.DBName, "db-name", envOr("OKAPI_DB_NAME", "okapi"), "the database name clients give")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (HTTPS, with HSTS)")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "TLS key file")
	f.StringSliceVar(&o.proxies, "trusted-proxy", nil, "address or CIDR of a proxy whose X-Forwarded-For (and X-Forwarded-Proto) is believed (repeatable)")
	f.StringVar(&cfg.PublicURL, "public-url", "", "the address clients use, e.g. https://erp.example.com behind a TLS-terminating proxy: https gives Secure cookies and HSTS")
	f.Int64Var(&o.maxBody, "max-body", 10<<20, "largest request body accepted, in bytes")
	f.Int64Var(&cfg.MaxBodyInFlight, "max-body-in-flight", 32<<20, "bytes of large request bodies read and decoded at once; more wait, then get 503")
	f.IntVar(&o.cooldownAfter, "cooldown-after", 5, "failed logins from one address (or for one login) before passwords wait; 0 disables")
	f.DurationVar(&o.cooldownFor, "cooldown", 60*time.Second, "how long a cooldown lasts")
	f.DurationVar(&o.readCache, "read-cache", readcache.DefaultTTL, "how long the answer of a pure read (search_read, read, …) may be served again from memory; any write seen first drops it; 0 disables")
	f.BoolVar(&o.perLogin, "cooldown-per-login", true, "also count password failures per login, whatever the address (never holds back keys, nor addresses that logged in as the login before)")
	f.BoolVar(&cfg.Pprof, "pprof", false, "serve /debug/pprof to logged-in administrators")
	f.BoolVar(&cfg.NoListDB, "no-list-db", false, "refuse db.list(), as Odoo's list_db = False")
	f.StringVar(&cfg.Synchronous, "sqlite-synchronous", "NORMAL", "SQLite synchronous setting: NORMAL survives a killed process, FULL also a power cut")
	f.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&o.logFormat, "log-format", "text", "text or json")
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// serve runs a server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, cfg server.Config, out interface{ Write([]byte) (int, error) }) error {
	s, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	if err := recordVersion(ctx, s.Store, s.Profile.Version); err != nil {
		s.Close()
		return err
	}
	if cfg.Gateway != nil {
		if err := s.Store.SetMeta(ctx, metaGateway, cfg.Gateway.URL); err != nil {
			s.Close()
			return err
		}
		if err := s.Store.SetMeta(ctx, metaGatewayDB, cfg.Gateway.DB); err != nil {
			s.Close()
			return err
		}
	}
	if err := s.Listen(); err != nil {
		s.Close()
		return err
	}
	kind := "SQLite in " + cfg.DataDir
	if cfg.DBURL != "" {
		kind = "PostgreSQL"
	}
	if cfg.Gateway != nil {
		fmt.Fprintf(out, "Okapi gateway in front of %s (Odoo %d, database %q, calls forwarded over %s) listening on %s, database %q (%s)\n",
			cfg.Gateway.URL, s.Gateway.Major(), cfg.Gateway.DB, s.Gateway.Protocol(), s.URL(), cfg.DBName, kind)
	} else {
		fmt.Fprintf(out, "Okapi (Odoo %d) listening on %s, database %q (%s)\n", cfg.Version, s.URL(), cfg.DBName, kind)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve() }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	// Interrupted (Ctrl-C, SIGTERM from systemd, Docker or Kubernetes): stop
	// accepting, let the requests in flight finish, then close the database.
	start := time.Now()
	cfg.Log.Info("stopping: finishing the requests in flight, accepting no new ones", "grace", shutdownGrace)
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := s.Shutdown(shutdown); err != nil {
		cfg.Log.Warn("stopped: requests still running were cut off", "after", time.Since(start).Round(time.Millisecond), "err", err)
		return err
	}
	cfg.Log.Info("stopped", "after", time.Since(start).Round(time.Millisecond))
	return nil
}

// shutdownGrace is how long a stopping server waits for requests in flight.
const shutdownGrace = 20 * time.Second
