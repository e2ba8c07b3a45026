// Package bench is a load generator for Odoo-compatible servers.
//
// Okapi exists to answer Odoo's external API (XML-RPC, JSON-2) the way Odoo
// does, only much faster, and "faster" needs a number that means the same
// thing against Odoo, against Okapi and against a bare HTTP server (the
// ceiling, see package ceiling). Generic tools (wrk, hey) measure how fast a
// server sends bytes, not whether the bytes were right; this generator sends
// exactly what Odoo's own clients send (bodies byte for byte as Python's
// xmlrpc.client and json.dumps build them), checks every answer (uid, row
// count, requested fields, no fault) and counts a wrong one as an error, so a
// fast server that answers badly cannot look good.
//
// It shares the machine with the server under test, so it is built to cost
// little per request: request bodies are built once, connections are kept
// alive, answers are checked by a single scan without decoding (or, when
// byte-identical to the last answer that passed, by one comparison), and
// latencies go into a fixed-size per-worker histogram (under 1% error)
// instead of a growing list.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The calls Run knows.
const (
	// CallAuthenticate is XML-RPC common.authenticate(db, login, key, {}) on
	// /xmlrpc/2/common; the answer must be the user's uid.
	CallAuthenticate = "authenticate"
	// CallSearchRead is XML-RPC object.execute_kw(db, uid, key,
	// "res.partner", "search_read", [[]], {"fields": ..., "limit": ...}) on
	// /xmlrpc/2/object.
	CallSearchRead = "search_read"
	// CallJSON2 is POST /json/2/res.partner/search_read with a bearer key and
	// body {"domain": [], "fields": ..., "limit": ...}.
	CallJSON2 = "json2"
)

// Calls lists the call names Run accepts, in the order they are usually run.
var Calls = []string{CallAuthenticate, CallSearchRead, CallJSON2}

// Defaults and limits applied by Run.
const (
	DefaultConcurrency = 16
	DefaultDuration    = 15 * time.Second
	DefaultWarmup      = time.Second
	DefaultLimit       = 10
	DefaultTimeout     = 5 * time.Second

	// MaxDuration caps the measured phase (and the warm-up) so that a run
	// always ends, whatever it was asked.
	MaxDuration = 10 * time.Minute
	// MaxConcurrency caps the workers: each owns an 18 KiB histogram and a
	// connection, and more than this on a loopback benchmark only measures
	// the scheduler.
	MaxConcurrency = 1024
	// maxFields is the number of field names an answer check can track (one
	// bit each).
	maxFields = 64
	// maxBody bounds the answer read into memory, so that a broken server
	// cannot make the generator grow without limit.
	maxBody = 16 << 20
	// maxRemembered bounds the verified answer a worker keeps to compare
	// the next ones with.
	maxRemembered = 64 << 10
)

// Config describes one benchmark run. Zero values mean the defaults above.
type Config struct {
	// URL is the server's base URL (scheme http or https, an optional path
	// prefix). Only its host is ever contacted: no proxy from the
	// environment, no redirects followed.
	URL string
	// DB is the database; for json2 it is sent as X-Odoo-Database (left out
	// when empty, for a single-database server).
	DB string
	// Login is the user's login, for the XML-RPC calls.
	Login string
	// Key is the API key. It is sent to the server and nowhere else: never
	// printed, never logged, and removed from every error text.
	Key string

	// Call is CallAuthenticate, CallSearchRead or CallJSON2.
	Call string
	// Concurrency is the number of workers, each with its own keep-alive
	// connection (default 16, at most MaxConcurrency).
	Concurrency int
	// Duration is the measured phase (default 15s, at most MaxDuration).
	Duration time.Duration
	// MaxRequests stops the measured phase after exactly this many answers
	// (0: no limit; Duration still bounds the run).
	MaxRequests int
	// Warmup is run before measuring, unmeasured, so that connections are
	// open and the server's caches (Odoo caches a checked (uid, key) pair
	// for execute_kw) are in steady state (default 1s; negative: none; at
	// most MaxDuration).
	Warmup time.Duration
	// Limit is the search_read/json2 row limit (default 10).
	Limit int
	// Fresh makes every search_read/json2 request a question never asked
	// before (the domain gains ["id", "!=", -n], n counting requests), so
	// that no cache of answers — Okapi's read cache, a proxy's — can
	// answer it: the database does, every time.
	Fresh bool
	// Fields are the fields read (default name, email); each must be present
	// in every record of every answer.
	Fields []string
	// Timeout bounds each request (default 5s).
	Timeout time.Duration
	// Progress, when not nil, gets a line once a second during the measured
	// phase: elapsed time, requests, requests/s over the last second, errors.
	Progress io.Writer
}

// String describes the configuration with the key left out, so that a Config
// printed by mistake (%v, a log line) does not leak it.
func (c Config) String() string {
	key := ""
	if c.Key != "" {
		key = "<redacted>"
	}
	return fmt.Sprintf("bench.Config{URL:%q DB:%q Login:%q Key:%s Call:%q Concurrency:%d Duration:%s MaxRequests:%d Warmup:%s Limit:%d Fields:%q Timeout:%s}",
		c.URL, c.DB, c.Login, key, c.Call, c.Concurrency, c.Duration, c.MaxRequests, c.Warmup, c.Limit, c.Fields, c.Timeout)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// Report is the outcome of a run.
type Report struct {
	// Call is the call that was measured.
	Call string
	// Requests counts the answers received during the measured phase, right
	// or wrong; Errors counts the wrong ones (transport error, timeout,
	// HTTP status other than 200, fault, wrong uid, row count or fields).
	Requests, Errors int
	// Elapsed is the length of the measured phase: Duration, or less when
	// MaxRequests was reached first or the run was interrupted.
	Elapsed time.Duration
	// RPS is correct answers per second of Elapsed.
	RPS float64
	// P50, P90, P99 and Max are latencies of the correct answers, from
	// sending the request to having read the whole answer.
	P50, P90, P99, Max time.Duration
	// FirstError is the text of the first wrong answer (key redacted), empty
	// when there was none.
	FirstError string
}

// String is the report on one aligned line, so that several reports printed
// one under the other read as a table.
func (r *Report) String() string {
	s := fmt.Sprintf("%-12s %9d requests %7d errors %11.1f req/s   p50 %9s  p90 %9s  p99 %9s  max %9s  in %.2fs",
		r.Call, r.Requests, r.Errors, r.RPS, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.Elapsed.Seconds())
	if r.FirstError != "" {
		s += "  first error: " + r.FirstError
	}
	return s
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64) + "ms"
}

// Run benchmarks one call against cfg.URL and reports throughput and
// latency.
//
// Before any load it makes one unmeasured call of each kind it needs
// (authenticate for the uid, then the benchmarked call) and fails with a
// clear error if the server does not answer it correctly; the number of
// records in that first answer is the count every later answer must have.
// Then Concurrency workers loop over the call: first for Warmup, unmeasured,
// then for Duration or until MaxRequests answers. An answer counts when it
// arrives inside the measured window, whenever its request was sent, which
// keeps the rate unbiased by the warm-up/measure boundary; requests still in
// flight when the window closes are abandoned.
//
// When ctx is cancelled mid-run, Run returns the report so far together with
// ctx's error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, base, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg}
	r.first.key = cfg.Key

	r.tr = &http.Transport{
		Proxy: nil, // only the given host, even if HTTP_PROXY is set
		DialContext: (&net.Dialer{
			Timeout:   cfg.Timeout,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSHandshakeTimeout: cfg.Timeout,
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		MaxConnsPerHost:     cfg.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		// Odoo does not compress these answers; asking for gzip would only
		// let a server spend the shared cores on work that has nothing to do
		// with the API, and make the checks read something else than the
		// wire.
		DisableCompression: true,
	}
	// HTTP/1.1 only: it is what Odoo (Werkzeug) and its clients speak.
	r.tr.Protocols = new(http.Protocols)
	r.tr.Protocols.SetHTTP1(true)
	defer r.tr.CloseIdleConnections()

	tg, err := r.prepare(ctx, base)
	if err != nil {
		return nil, errors.New(r.first.redact(err.Error()))
	}
	return r.load(ctx, tg)
}

// Check reports what in cfg cannot be run: the checks Run makes before
// sending anything, for a command line to call them a mistake in its flags.
func Check(cfg Config) error {
	_, _, err := normalize(cfg)
	return err
}

// normalize applies the defaults and refuses what cannot be run. It returns
// the base URL without a trailing slash.
func normalize(cfg Config) (Config, *url.URL, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return cfg, nil, fmt.Errorf("bench: bad URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return cfg, nil, fmt.Errorf("bench: URL %q: scheme must be http or https", cfg.URL)
	}
	if u.Host == "" {
		return cfg, nil, fmt.Errorf("bench: URL %q has no host", cfg.URL)
	}
	if u.User != nil {
		return cfg, nil, errors.New("bench: the URL must not hold credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return cfg, nil, fmt.Errorf("bench: URL %q: a base URL has no query or fragment", cfg.URL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""

	switch cfg.Call {
	case CallAuthenticate, CallSearchRead:
		if cfg.DB == "" || cfg.Login == "" {
			return cfg, nil, fmt.Errorf("bench: call %s needs a database and a login", cfg.Call)
		}
	case CallJSON2:
	case "":
		return cfg, nil, fmt.Errorf("bench: no call given (one of %s)", strings.Join(Calls, ", "))
	default:
		return cfg, nil, fmt.Errorf("bench: unknown call %q (one of %s)", cfg.Call, strings.Join(Calls, ", "))
	}
	if cfg.Key == "" {
		return cfg, nil, errors.New("bench: no API key")
	}

	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Concurrency < 0 || cfg.Concurrency > MaxConcurrency {
		return cfg, nil, fmt.Errorf("bench: concurrency %d out of range 1..%d", cfg.Concurrency, MaxConcurrency)
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Duration < 0 || cfg.Duration > MaxDuration {
		return cfg, nil, fmt.Errorf("bench: duration %s out of range (0, %s]", cfg.Duration, MaxDuration)
	}
	if cfg.MaxRequests < 0 {
		return cfg, nil, fmt.Errorf("bench: negative request count %d", cfg.MaxRequests)
	}
	switch {
	case cfg.Warmup == 0:
		cfg.Warmup = DefaultWarmup
	case cfg.Warmup < 0:
		cfg.Warmup = 0
	case cfg.Warmup > MaxDuration:
		return cfg, nil, fmt.Errorf("bench: warm-up %s longer than %s", cfg.Warmup, MaxDuration)
	}
	if cfg.Limit == 0 {
		cfg.Limit = DefaultLimit
	}
	if cfg.Limit < 0 {
		return cfg, nil, fmt.Errorf("bench: negative limit %d", cfg.Limit)
	}
	if len(cfg.Fields) == 0 {
		cfg.Fields = []string{"name", "email"}
	}
	if len(cfg.Fields) > maxFields {
		return cfg, nil, fmt.Errorf("bench: at most %d fields", maxFields)
	}
	for _, f := range cfg.Fields {
		if f == "" {
			return cfg, nil, errors.New("bench: empty field name")
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < 0 || cfg.Timeout > MaxDuration {
		return cfg, nil, fmt.Errorf("bench: timeout %s out of range (0, %s]", cfg.Timeout, MaxDuration)
	}
	return cfg, u, nil
}

// target is one prepared call: the request every worker sends and the check
// every answer goes through. It is read-only once built, shared by workers.
type target struct {
	tr   *http.Transport
	tmpl *http.Request // URL and headers; each request is a shallow copy
	body []byte
	// fresh, when set, makes the body of each request, numbered from 1
	// by seq: a question no request asked before (Config.Fresh).
	fresh   func(n uint64) []byte
	seq     atomic.Uint64
	timeout time.Duration
	check   checker
}

// checker holds what a right answer looks like.
type checker struct {
	call   string
	uid    []byte // authenticate: the uid digits
	fields []string
	rows   int // search_read/json2: the record count of the first answer
}

func (c *checker) check(status int, body []byte) error {
	if status != http.StatusOK {
		return statusError(status, body)
	}
	var n int
	var err error
	switch c.call {
	case CallAuthenticate:
		uid, err := parseAuthenticate(body)
		if err != nil {
			return err
		}
		if !bytes.Equal(uid, c.uid) {
			return fmt.Errorf("authenticate returned uid %s, want %s", uid, c.uid)
		}
		return nil
	case CallSearchRead:
		n, err = countXMLRPCRows(body, c.fields)
	default:
		n, err = countJSONRows(body, c.fields)
	}
	if err != nil {
		return err
	}
	if n != c.rows {
		return fmt.Errorf("got %d records, want %d (as many as in the first answer)", n, c.rows)
	}
	return nil
}

// statusError describes an answer whose HTTP status is not 200, with the
// JSON-2 error name and message when the body is one.
func statusError(status int, body []byte) error {
	detail := snippet(body)
	if e := jsonNotList(body); strings.HasPrefix(e.Error(), "JSON-2 error") {
		detail = e.Error()
	}
	return fmt.Errorf("HTTP %d %s: %s", status, http.StatusText(status), detail)
}

func newTarget(tr *http.Transport, endpoint *url.URL, header http.Header, body []byte, timeout time.Duration, c checker) (*target, error) {
	tmpl, err := http.NewRequest(http.MethodPost, endpoint.String(), nil)
	if err != nil {
		return nil, err
	}
	tmpl.Header = header
	return &target{tr: tr, tmpl: tmpl, body: body, timeout: timeout, check: c}, nil
}

// runner is the state of one Run.
type runner struct {
	cfg   Config
	tr    *http.Transport
	first firstError
}

// prepare builds the benchmarked target and makes the unmeasured first calls
// that fix the uid and the expected row count.
func (r *runner) prepare(ctx context.Context, base *url.URL) (*target, error) {
	cfg := r.cfg
	at := func(path string) *url.URL {
		u := *base
		u.Path += path
		return &u
	}
	xmlHeader := http.Header{
		"Content-Type": {"text/xml"},
		"User-Agent":   {"okapi-bench"},
	}
	probe := &worker{}

	var uid []byte
	if cfg.Call == CallAuthenticate || cfg.Call == CallSearchRead {
		auth, err := newTarget(r.tr, at("/xmlrpc/2/common"), xmlHeader,
			authenticateBody(cfg.DB, cfg.Login, cfg.Key), cfg.Timeout, checker{call: CallAuthenticate})
		if err != nil {
			return nil, err
		}
		probe.t = auth
		status, body, err := probe.send(ctx)
		if err == nil && status != http.StatusOK {
			err = statusError(status, body)
		}
		if err == nil {
			uid, err = parseAuthenticate(body)
		}
		if err != nil {
			return nil, fmt.Errorf("bench: first authenticate call to %s: %v", auth.tmpl.URL, err)
		}
		if cfg.Call == CallAuthenticate {
			auth.check.uid = uid
			return auth, nil
		}
	}

	var tg *target
	var err error
	if cfg.Call == CallSearchRead {
		n, _ := strconv.Atoi(string(uid)) // parseAuthenticate checked it
		tg, err = newTarget(r.tr, at("/xmlrpc/2/object"), xmlHeader,
			searchReadBody(cfg.DB, n, cfg.Key, cfg.Fields, cfg.Limit), cfg.Timeout,
			checker{call: CallSearchRead, fields: cfg.Fields})
		if err == nil && cfg.Fresh {
			tg.fresh = func(seq uint64) []byte { return searchReadFresh(cfg.DB, n, cfg.Key, cfg.Fields, cfg.Limit, seq) }
		}
	} else {
		h := http.Header{
			"Content-Type":  {"application/json"},
			"Authorization": {"bearer " + cfg.Key},
			"User-Agent":    {"okapi-bench"},
		}
		if cfg.DB != "" {
			h["X-Odoo-Database"] = []string{cfg.DB}
		}
		tg, err = newTarget(r.tr, at("/json/2/res.partner/search_read"), h,
			json2Body(cfg.Fields, cfg.Limit), cfg.Timeout,
			checker{call: CallJSON2, fields: cfg.Fields})
		if err == nil && cfg.Fresh {
			tg.fresh = func(seq uint64) []byte { return json2Fresh(cfg.Fields, cfg.Limit, seq) }
		}
	}
	if err != nil {
		return nil, err
	}
	probe.t = tg
	status, body, err := probe.send(ctx)
	if err == nil && status != http.StatusOK {
		err = statusError(status, body)
	}
	var n int
	if err == nil && cfg.Call == CallSearchRead {
		n, err = countXMLRPCRows(body, cfg.Fields)
	} else if err == nil {
		n, err = countJSONRows(body, cfg.Fields)
	}
	switch {
	case err != nil:
	case n == 0:
		err = errors.New("no records: the benchmark needs at least one res.partner the user can read")
	case n > cfg.Limit:
		err = fmt.Errorf("%d records for limit %d: the server ignores the limit", n, cfg.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: first %s call to %s: %v", cfg.Call, tg.tmpl.URL, err)
	}
	tg.check.rows = n
	return tg, nil
}

// worker sends one request at a time on its own connection and keeps its
// own counters, so workers share nothing on the hot path but the transport
// (and one atomic counter when MaxRequests is set).
type worker struct {
	t   *target
	buf bytes.Buffer // the answer, reused from request to request
	// good is the last answer that passed the full check.
	good []byte
	// requests and errors are read by the progress printer while the worker
	// runs; both count measured answers only.
	requests, errors atomic.Int64
	hist             histogram
}

// send makes one request and reads the whole answer (which lets the
// connection be reused), returning the status and the body, valid until the
// next send.
func (w *worker) send(ctx context.Context) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, w.t.timeout)
	defer cancel()
	req := w.t.tmpl.WithContext(ctx)
	body := w.t.body
	if w.t.fresh != nil {
		body = w.t.fresh(w.t.seq.Add(1))
	}
	// io.NopCloser over a *bytes.Reader: net/http recognises that as
	// an in-memory body and writes headers and body in one syscall (one TCP
	// segment, like Python's clients); any other reader type gets the
	// headers flushed on their own first.
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	resp, err := w.t.tr.RoundTrip(req)
	if err != nil {
		return 0, nil, fmt.Errorf("no answer: %w", err)
	}
	w.buf.Reset()
	_, err = w.buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if w.buf.Len() > maxBody {
		return 0, nil, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	return resp.StatusCode, w.buf.Bytes(), nil
}

// do makes one request and checks the answer. It returns when the answer
// was read, before the check, so that the generator's own work stays out of
// the latency.
func (w *worker) do(ctx context.Context) (time.Time, error) {
	status, body, err := w.send(ctx)
	end := time.Now()
	if err != nil {
		return end, err
	}
	return end, w.check(status, body)
}

// check checks one answer.
func (w *worker) check(status int, body []byte) error {
	// An answer byte-identical to one that passed the full check passes it
	// too (the check is a function of the bytes alone), and comparing is
	// far cheaper than scanning: a 10-record XML-RPC answer takes ~100 ns to
	// compare against ~5 µs to scan. Answers that differ at all, including
	// every wrong one, get the full check.
	if status == http.StatusOK && len(w.good) > 0 && bytes.Equal(body, w.good) {
		return nil
	}
	if err := w.t.check.check(status, body); err != nil {
		return err
	}
	if len(body) <= maxRemembered {
		w.good = append(w.good[:0], body...)
	}
	return nil
}

// window is the measured phase, shared by the workers.
type window struct {
	from, to time.Time // answers arriving in [from, to] count
	max      int64     // MaxRequests, 0 for none
	counted  atomic.Int64
	endAt    atomic.Int64 // with max: when answer number max arrived (UnixNano)
	stop     context.CancelFunc
}

// loop runs requests until the window closes, the request budget is spent or
// ctx ends.
func (w *worker) loop(ctx context.Context, win *window, first *firstError) {
	// Each request gets a timeout context; deriving those from a context of
	// the worker's own keeps their registration off the shared run
	// context's lock.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for ctx.Err() == nil {
		if win.max > 0 && win.counted.Load() >= win.max {
			return
		}
		start := time.Now()
		end, err := w.do(ctx)
		if end.Before(win.from) {
			continue // warm-up: answers are checked but not counted
		}
		if end.After(win.to) || ctx.Err() != nil {
			return // outside the window, or abandoned when it closed
		}
		if win.max > 0 {
			k := win.counted.Add(1)
			if k > win.max {
				return
			}
			if k == win.max {
				win.endAt.Store(end.UnixNano())
				win.stop() // abandon the others' requests: they are past the end
			}
		}
		w.requests.Add(1)
		if err != nil {
			w.errors.Add(1)
			first.set(err)
			continue
		}
		w.hist.record(end.Sub(start))
	}
}

// load runs the workers and builds the report.
func (r *runner) load(ctx context.Context, tg *target) (*Report, error) {
	cfg := r.cfg
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	now := time.Now()
	win := &window{
		from: now.Add(cfg.Warmup),
		max:  int64(cfg.MaxRequests),
		stop: stop,
	}
	win.to = win.from.Add(cfg.Duration)
	// Closing the window also cuts the requests in flight short, so Run ends
	// on time instead of up to Timeout later.
	timer := time.AfterFunc(time.Until(win.to), stop)
	defer timer.Stop()

	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{t: tg}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(runCtx, win, &r.first)
		}()
	}

	progressDone := make(chan struct{})
	var progressWG sync.WaitGroup
	if cfg.Progress != nil {
		progressWG.Add(1)
		go func() {
			defer progressWG.Done()
			progress(cfg.Progress, win, workers, progressDone)
		}()
	}
	wg.Wait()
	finished := time.Now()
	close(progressDone)
	progressWG.Wait()

	end := win.to
	if e := win.endAt.Load(); e != 0 {
		end = time.Unix(0, e)
	}
	if ctx.Err() != nil && finished.Before(end) {
		end = finished
	}
	rep := &Report{Call: cfg.Call, Elapsed: max(end.Sub(win.from), 0)}
	var h histogram
	for _, w := range workers {
		rep.Requests += int(w.requests.Load())
		rep.Errors += int(w.errors.Load())
		h.merge(&w.hist)
	}
	if rep.Elapsed > 0 {
		rep.RPS = float64(rep.Requests-rep.Errors) / rep.Elapsed.Seconds()
	}
	rep.P50, rep.P90, rep.P99, rep.Max = h.quantile(0.50), h.quantile(0.90), h.quantile(0.99), h.max
	rep.FirstError = r.first.get()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

// progress prints a line a second during the measured phase until done is
// closed.
func progress(out io.Writer, win *window, workers []*worker, done <-chan struct{}) {
	select {
	case <-time.After(time.Until(win.from)):
	case <-done:
		return
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastN int64
	last := win.from
	for {
		select {
		case <-done:
			return
		case now := <-tick.C:
			var n, e int64
			for _, w := range workers {
				n += w.requests.Load()
				e += w.errors.Load()
			}
			rate := float64(n-lastN) / now.Sub(last).Seconds()
			fmt.Fprintf(out, "%6.0fs %10d requests %10.1f req/s %7d errors\n",
				now.Sub(win.from).Seconds(), n, rate, e)
			lastN, last = n, now
		}
	}
}

// firstError keeps the text of the first wrong answer, with the key taken
// out.
type firstError struct {
	key   string
	isSet atomic.Bool // text is set: saves the lock after the first error
	mu    sync.Mutex
	text  string
}

func (f *firstError) set(err error) {
	if f.isSet.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.text == "" {
		f.text = f.redact(err.Error())
		f.isSet.Store(true)
	}
}

func (f *firstError) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.text
}

// redact removes the key from s: a server may echo it in a fault or an
// error page, and the error text ends up on screens and in logs.
func (f *firstError) redact(s string) string {
	if f.key == "" {
		return s
	}
	return strings.ReplaceAll(s, f.key, "<redacted>")
}
