package server

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus series a server exports on /metrics. Labels
// are bounded sets (route families, outcomes), never request values, so no
// secret or login can reach them.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	keyChecks *prometheus.CounterVec
	cache     *prometheus.CounterVec
	cooldowns prometheus.Counter

	// Resolved series, so that counting on the hot path is one atomic add
	// rather than hashing label values on every request.
	hit, miss prometheus.Counter
	checks    sync.Map // [2]string{path, outcome} → prometheus.Counter
	reqs      sync.Map // reqKey → prometheus.Counter
}

type reqKey struct {
	route  string
	status int
}

// NewMetrics returns a server's metrics on their own registry.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "okapi_http_requests_total", Help: "HTTP requests by route family and status.",
	}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "okapi_http_request_duration_seconds", Help: "Time to answer, by route family.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	m.keyChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "okapi_credential_checks_total", Help: "Credential checks by path and outcome (ok = API key, password, denied, cooldown).",
	}, []string{"path", "outcome"})
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "okapi_key_cache_lookups_total", Help: "Verification-cache lookups by result.",
	}, []string{"result"})
	m.cooldowns = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "okapi_cooldowns_total", Help: "Cooldowns started after too many failures.",
	})
	m.reg.MustRegister(m.requests, m.latency, m.keyChecks, m.cache, m.cooldowns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.hit, m.miss = m.cache.WithLabelValues("hit"), m.cache.WithLabelValues("miss")
	return m
}

// KeyCheck implements auth.Metrics.
func (m *Metrics) KeyCheck(path, outcome string) {
	k := [2]string{path, outcome}
	c, ok := m.checks.Load(k)
	if !ok {
		c, _ = m.checks.LoadOrStore(k, m.keyChecks.WithLabelValues(path, outcome))
	}
	c.(prometheus.Counter).Inc()
}

// CacheHit implements auth.Metrics.
func (m *Metrics) CacheHit(hit bool) {
	if hit {
		m.hit.Inc()
	} else {
		m.miss.Inc()
	}
}

// countRequest counts an answer by route family and status.
func (m *Metrics) countRequest(route string, status int) {
	k := reqKey{route, status}
	c, ok := m.reqs.Load(k)
	if !ok {
		c, _ = m.reqs.LoadOrStore(k, m.requests.WithLabelValues(route, strconv.Itoa(status)))
	}
	c.(prometheus.Counter).Inc()
}

// CooldownStarted implements auth.Metrics.
func (m *Metrics) CooldownStarted() { m.cooldowns.Inc() }

// Handler serves the metrics, adding the database pool and cache gauges of s.
func (m *Metrics) Handler(s *Server) http.Handler {
	m.reg.MustRegister(
		collectors.NewDBStatsCollector(s.Store.DB().R, "readers"),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "okapi_key_cache_entries", Help: "Credentials in the verification cache."},
			func() float64 { return float64(s.Auth.CacheSize()) }),
	)
	if c := s.ReadCache; c != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "okapi_read_cache_hits_total", Help: "Pure reads answered from the read cache."},
				func() float64 { h, _ := c.Stats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "okapi_read_cache_misses_total", Help: "Pure reads the read cache could not answer."},
				func() float64 { _, n := c.Stats(); return float64(n) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "okapi_read_cache_bytes", Help: "Estimated size of the answers in the read cache."},
				func() float64 { _, b := c.Len(); return float64(b) }),
		)
	}
	if w := s.Store.DB().W; w != s.Store.DB().R {
		m.reg.MustRegister(collectors.NewDBStatsCollector(w, "writer"))
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Middleware counts requests and their latency by route family.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	type series struct {
		lat prometheus.Observer
	}
	families := map[string]series{}
	for _, f := range []string{"xmlrpc", "jsonrpc", "json2", "web_json", "mail_plugin", "web", "metrics", "other"} {
		families[f] = series{lat: m.latency.WithLabelValues(f)}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(sw, r)
		f := routeFamily(r.URL.Path)
		families[f].lat.Observe(time.Since(start).Seconds())
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		m.countRequest(f, status)
	})
}

func routeFamily(p string) string {
	switch {
	case strings.HasPrefix(p, "/xmlrpc"):
		return "xmlrpc"
	case p == "/jsonrpc":
		return "jsonrpc"
	case strings.HasPrefix(p, "/json/"):
		return "json2"
	case strings.HasPrefix(p, "/web/session/"), strings.HasPrefix(p, "/web/dataset/"), strings.HasPrefix(p, "/web/webclient/"):
		return "web_json"
	case strings.HasPrefix(p, "/mail_plugin/"), strings.HasPrefix(p, "/mail_client_extension/"):
		return "mail_plugin"
	case p == "/metrics":
		return "metrics"
	case strings.HasPrefix(p, "/web"), strings.HasPrefix(p, "/odoo"), strings.HasPrefix(p, "/my"), p == "/":
		return "web"
	}
	return "other"
}
