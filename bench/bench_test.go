package bench_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/bench"
	"github.com/okapi-erp/okapi/bench/ceiling"
)

const testKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"

// startCeiling runs the ceiling server in-process on a free loopback port.
func startCeiling(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- ceiling.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addr <- a }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ceiling: %v", err)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a.String()
	case err := <-done:
		t.Fatalf("ceiling: %v", err)
	}
	return ""
}

func config(url, call string) bench.Config {
	return bench.Config{
		URL: url, DB: "anchor", Login: "alice", Key: testKey, Call: call,
		Concurrency: 4, Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond,
	}
}

func TestRunAgainstCeiling(t *testing.T) {
	url := startCeiling(t)
	for _, call := range bench.Calls {
		t.Run(call, func(t *testing.T) {
			start := time.Now()
			rep, err := bench.Run(context.Background(), config(url, call))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if rep.Call != call || rep.Requests <= 0 || rep.Errors != 0 || rep.RPS <= 0 || rep.FirstError != "" {
				t.Errorf("report %+v", *rep)
			}
			if !(rep.P50 > 0 && rep.P50 <= rep.P90 && rep.P90 <= rep.P99 && rep.P99 <= rep.Max) {
				t.Errorf("percentiles p50 %v p90 %v p99 %v max %v", rep.P50, rep.P90, rep.P99, rep.Max)
			}
			if rep.Elapsed != 300*time.Millisecond {
				t.Errorf("elapsed %v, want the duration", rep.Elapsed)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("run took %v", took)
			}
			if s := rep.String(); !strings.HasPrefix(s, call) || strings.Contains(s, "\n") {
				t.Errorf("String() = %q", s)
			}
		})
	}
}

func TestMaxRequestsIsExact(t *testing.T) {
	url := startCeiling(t)
	for _, max := range []int{1, 7, 1000} {
		cfg := config(url, bench.CallSearchRead)
		cfg.MaxRequests = max
		cfg.Duration = 20 * time.Second
		start := time.Now()
		rep, err := bench.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests != max || rep.Errors != 0 {
			t.Errorf("max %d: %d requests, %d errors", max, rep.Requests, rep.Errors)
		}
		if took := time.Since(start); took > 5*time.Second || rep.Elapsed > took {
			t.Errorf("max %d: elapsed %v, took %v", max, rep.Elapsed, took)
		}
	}
}

func TestProgress(t *testing.T) {
	url := startCeiling(t)
	cfg := config(url, bench.CallJSON2)
	cfg.Duration = 2200 * time.Millisecond
	cfg.Warmup = -1
	var out bytes.Buffer
	cfg.Progress = &out
	if _, err := bench.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// One line a second: two in 2.2s (one if a busy machine delays a tick).
	if len(lines) < 1 || len(lines) > 2 || !strings.Contains(lines[0], "requests") || !strings.Contains(lines[0], "req/s") || !strings.Contains(lines[0], "errors") {
		t.Errorf("progress:\n%s", out.String())
	}
}

func TestCancelReturnsPartialReport(t *testing.T) {
	url := startCeiling(t)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	cfg := config(url, bench.CallAuthenticate)
	cfg.Duration = time.Minute
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	if !errors.Is(err, context.DeadlineExceeded) || rep == nil {
		t.Fatalf("report %v, error %v", rep, err)
	}
	if time.Since(start) > 2*time.Second || rep.Requests == 0 || rep.Errors != 0 || rep.Elapsed > time.Second {
		t.Errorf("after %v: %v", time.Since(start), rep)
	}
}

// fakeOdoo answers like Odoo, except that from the answer number badFrom on,
// every other answer of the benchmarked call is bad in the way bad builds.
type fakeOdoo struct {
	uid     int
	rows    int
	badFrom int64
	bad     func(w http.ResponseWriter, r *http.Request)
	calls   atomic.Int64
}

func (f *fakeOdoo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/xmlrpc/2/common" {
		if !bytes.Contains(body, []byte(testKey)) {
			fmt.Fprint(w, xmlFalse)
			return
		}
		fmt.Fprintf(w, xmlAnswer, fmt.Sprintf("<int>%d</int>", f.uid))
		return
	}
	if n := f.calls.Add(1); n >= f.badFrom && n%2 == 0 {
		f.bad(w, r)
		return
	}
	switch r.URL.Path {
	case "/xmlrpc/2/object":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, xmlRows(f.rows, "name", "email"))
	case "/json/2/res.partner/search_read":
		if r.Header.Get("Authorization") != "bearer "+testKey || r.Header.Get("X-Odoo-Database") != "anchor" {
			http.Error(w, "bad headers", 400)
			return
		}
		fmt.Fprint(w, jsonRows(f.rows, "name", "email"))
	default:
		http.NotFound(w, r)
	}
}

const (
	xmlAnswer = "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n<value>%s</value>\n</param>\n</params>\n\n</methodResponse>\n"
	xmlFalse  = "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n<value><boolean>0</boolean></value>\n</param>\n</params>\n\n</methodResponse>\n"
	// xmlFault echoes the key, as a careless server might: it must not
	// reach the report.
	xmlFault = "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>3</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>Access Denied for " + testKey + "</string></value>\n</member>\n</struct></value>\n</fault>\n\n</methodResponse>\n"
)

func xmlRows(n int, fields ...string) string {
	var b strings.Builder
	b.WriteString("<value><array><data>\n")
	for i := range n {
		b.WriteString("<value><struct>\n")
		fmt.Fprintf(&b, "<member>\n<name>id</name>\n<value><int>%d</int></value>\n</member>\n", i+1)
		for _, f := range fields {
			fmt.Fprintf(&b, "<member>\n<name>%s</name>\n<value><string>v%d</string></value>\n</member>\n", f, i)
		}
		b.WriteString("</struct></value>\n")
	}
	b.WriteString("</data></array></value>")
	return fmt.Sprintf(xmlAnswer, b.String())
}

func jsonRows(n int, fields ...string) string {
	var rows []string
	for i := range n {
		row := fmt.Sprintf(`{"id": %d`, i+1)
		for _, f := range fields {
			row += fmt.Sprintf(`, %q: "v%d"`, f, i)
		}
		rows = append(rows, row+"}")
	}
	return "[" + strings.Join(rows, ", ") + "]"
}

func TestWrongAnswersAreErrors(t *testing.T) {
	cases := []struct {
		name, call string
		uid        int
		bad        func(w http.ResponseWriter, r *http.Request)
		wantErr    string
	}{
		{"fault", bench.CallSearchRead, 5,
			func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, xmlFault) },
			"XML-RPC fault 3: Access Denied for <redacted>"},
		{"nine rows", bench.CallSearchRead, 5,
			func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, xmlRows(9, "name", "email")) },
			"got 9 records, want 10"},
		{"xml missing field", bench.CallSearchRead, 5,
			func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, xmlRows(10, "name")) },
			`record 1 has no field "email"`},
		{"json missing field", bench.CallJSON2, 5,
			func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, jsonRows(10, "name", "mail")) },
			`record 1 has no field "email"`},
		{"json eleven rows", bench.CallJSON2, 5,
			func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, jsonRows(11, "name", "email")) },
			"got 11 records, want 10"},
		{"json 401", bench.CallJSON2, 5,
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
				fmt.Fprintf(w, `{"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey %s", "arguments": [], "context": {}, "debug": ""}`, testKey)
			},
			"HTTP 401 Unauthorized: JSON-2 error werkzeug.exceptions.Unauthorized: Invalid apikey <redacted>"},
		{"json 500 html", bench.CallJSON2, 5,
			func(w http.ResponseWriter, r *http.Request) { http.Error(w, "<h1>boom</h1>", 500) },
			"HTTP 500 Internal Server Error: <h1>boom</h1>"},
		{"json truncated", bench.CallJSON2, 5,
			func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, jsonRows(10, "name", "email")[:50]) },
			"not valid JSON"},
		{"dropped connection", bench.CallJSON2, 5,
			func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) },
			"no answer: EOF"},
		{"wrong uid", bench.CallAuthenticate, 5, nil, "authenticate returned uid 6, want 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var srv *httptest.Server
			if tc.call == bench.CallAuthenticate {
				// Every third answer holds another uid.
				var n atomic.Int64
				srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					uid := 5
					if n.Add(1)%3 == 0 {
						uid = 6
					}
					fmt.Fprintf(w, xmlAnswer, fmt.Sprintf("<int>%d</int>", uid))
				}))
			} else {
				srv = httptest.NewServer(&fakeOdoo{uid: tc.uid, rows: 10, badFrom: 3, bad: tc.bad})
			}
			defer srv.Close()
			rep, err := bench.Run(context.Background(), config(srv.URL, tc.call))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if rep.Errors == 0 || rep.Errors >= rep.Requests {
				t.Errorf("%d errors in %d requests", rep.Errors, rep.Requests)
			}
			if !strings.Contains(rep.FirstError, tc.wantErr) || strings.Contains(rep.FirstError, testKey) {
				t.Errorf("first error %q, want %q", rep.FirstError, tc.wantErr)
			}
			if s := rep.String(); strings.Contains(s, testKey) || !strings.Contains(s, tc.wantErr) {
				t.Errorf("String() = %q", s)
			}
			// Only correct answers count in the rate and latencies.
			if want := float64(rep.Requests-rep.Errors) / rep.Elapsed.Seconds(); rep.RPS != want {
				t.Errorf("RPS %v, want %v", rep.RPS, want)
			}
		})
	}
}

func TestFirstCallMustBeRight(t *testing.T) {
	always := func(body string, status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	cases := []struct {
		name, call string
		h          http.Handler
		want       string
	}{
		{"authenticate false", bench.CallAuthenticate, always(xmlFalse, 200),
			"first authenticate call to http://127.0.0.1:"},
		{"authenticate false reason", bench.CallSearchRead, always(xmlFalse, 200),
			"authenticate returned false (wrong database, login or key)"},
		{"fault", bench.CallAuthenticate, always(xmlFault, 200), "XML-RPC fault 3: Access Denied for <redacted>"},
		{"no records", bench.CallJSON2, always("[]", 200), "no records"},
		{"limit ignored", bench.CallJSON2, always(jsonRows(12, "name", "email"), 200), "12 records for limit 10"},
		{"404", bench.CallJSON2, http.NotFoundHandler(), "first json2 call to http://127.0.0.1:"},
		{"404 status", bench.CallJSON2, http.NotFoundHandler(), "HTTP 404 Not Found: 404 page not found"},
		{"redirect not followed", bench.CallJSON2, http.RedirectHandler("http://127.0.0.2:1/", http.StatusTemporaryRedirect), "HTTP 307"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			rep, err := bench.Run(context.Background(), config(srv.URL, tc.call))
			if err == nil || rep != nil {
				t.Fatalf("report %v, error %v", rep, err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}
}

func TestOnlyTheGivenHostIsContacted(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.RedirectHandler(other.URL+"/json/2/res.partner/search_read", http.StatusTemporaryRedirect))
	defer srv.Close()
	// A proxy from the environment is not used either.
	t.Setenv("HTTP_PROXY", other.URL)
	t.Setenv("http_proxy", other.URL)
	if _, err := bench.Run(context.Background(), config(srv.URL, bench.CallJSON2)); err == nil {
		t.Fatal("a redirect was taken for an answer")
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d requests went to another host", n)
	}
}

func TestRefusesBadConfig(t *testing.T) {
	good := config("http://127.0.0.1:1", bench.CallJSON2)
	cases := map[string]func(*bench.Config){
		"ftp scheme":       func(c *bench.Config) { c.URL = "ftp://127.0.0.1/" },
		"file scheme":      func(c *bench.Config) { c.URL = "file:///etc/passwd" },
		"no scheme":        func(c *bench.Config) { c.URL = "127.0.0.1:8069" },
		"empty URL":        func(c *bench.Config) { c.URL = "" },
		"credentials":      func(c *bench.Config) { c.URL = "http://u:p@127.0.0.1/" },
		"query":            func(c *bench.Config) { c.URL = "http://127.0.0.1/?db=x" },
		"no key":           func(c *bench.Config) { c.Key = "" },
		"unknown call":     func(c *bench.Config) { c.Call = "write" },
		"no call":          func(c *bench.Config) { c.Call = "" },
		"no login":         func(c *bench.Config) { c.Call, c.Login = bench.CallSearchRead, "" },
		"too long":         func(c *bench.Config) { c.Duration = 11 * time.Minute },
		"warm-up too long": func(c *bench.Config) { c.Warmup = time.Hour },
		"negative count":   func(c *bench.Config) { c.MaxRequests = -1 },
		"too many workers": func(c *bench.Config) { c.Concurrency = 100000 },
		"empty field":      func(c *bench.Config) { c.Fields = []string{"name", ""} },
	}
	for name, change := range cases {
		cfg := good
		change(&cfg)
		rep, err := bench.Run(context.Background(), cfg)
		if err == nil || rep != nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: key in %q", name, err)
		}
	}
	// Scheme refusal happens before any connection: nothing listens there.
	cfg := good
	cfg.URL = "gopher://127.0.0.1:1/"
	if _, err := bench.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "scheme must be http or https") {
		t.Errorf("gopher: %v", err)
	}
}
