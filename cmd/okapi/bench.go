package main

// `okapi bench` measures any Odoo-compatible server (Odoo itself, Okapi, a
// proxy) with the calls Odoo's clients make, and `okapi bench-ceiling` is the
// bare HTTP server it can compare against, so that a figure like "40 000
// req/s" comes with what the same machine could do at best.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi/bench"
	"github.com/okapi-erp/okapi/bench/ceiling"
)

// benchMaxKeyFile bounds what is read as a key: an API key is 40 characters, so
// anything big is the wrong file.
const benchMaxKeyFile = 4096

// newBenchCmd returns the `okapi bench` command.
func newBenchCmd() *cobra.Command {
	var (
		cfg         bench.Config
		keyFile     string
		keyArg      string
		asJSON      bool
		withCeiling bool
	)
	cmd := &cobra.Command{
		Use:   "bench URL",
		Short: "Load-test the API-key calls of an Odoo-compatible server",
		Long: `Load-test the API-key calls of an Odoo-compatible server (Odoo or Okapi).

Sends the requests Odoo's own clients send, over keep-alive connections, checks
every answer (a fault, an error, a wrong uid, row count or missing field counts
as an error) and reports requests/s and latency percentiles.

Calls:
  authenticate  XML-RPC common.authenticate(db, login, key, {})
  search_read   XML-RPC object.execute_kw(db, uid, key, "res.partner",
                "search_read", [[]], {"fields": ["name", "email"], "limit": N})
  json2         POST /json/2/res.partner/search_read with a bearer key

The API key is read from --key-file, or from stdin with --key -, never from the
command line (where ps and shell history would keep it). It is never printed.

With --with-ceiling the same load is also run against the ceiling, a bare Go
HTTP server answering fixed bodies in a separate process, and the ratio of
requests/s (target ÷ ceiling) is printed.

Exits non-zero if the run could not start or any answer was wrong.`,
		Example: `  okapi bench http://127.0.0.1:8069 --db anchor --login alice --key-file alice.key --call json2 -c 16 -d 15s
  pass show odoo/alice | okapi bench http://127.0.0.1:8080 --db anchor --login alice --key - --with-ceiling`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true, // a failed run is not a usage error
		RunE: func(cmd *cobra.Command, args []string) error {
			// The flags' values first (the key is read next), so that a
			// value that cannot be run is a usage error, exit status 2.
			probe := cfg
			probe.URL, probe.Key = args[0], "read next"
			if err := bench.Check(probe); err != nil {
				return usageError{err.Error()}
			}
			key, err := readBenchKey(keyFile, keyArg, cmd.InOrStdin())
			if err != nil {
				return err
			}
			cfg.URL, cfg.Key = args[0], key
			if cmd.Flags().Changed("warmup") && cfg.Warmup == 0 {
				cfg.Warmup = -1 // bench.Config reads 0 as "the default"
			}
			if withCeiling && cfg.Limit < ceiling.Records {
				return usagef("--with-ceiling needs --limit %d or more: the ceiling always answers %d records", ceiling.Records, ceiling.Records)
			}
			// Progress lines and the ceiling child's messages share stderr,
			// written from different goroutines.
			stderr := &lockedWriter{w: cmd.ErrOrStderr()}
			cfg.Progress = stderr
			ctx, stop := signal.NotifyContext(benchContext(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runBench(ctx, cmd.OutOrStdout(), stderr, cfg, asJSON, withCeiling)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DB, "db", "", "database name (for json2, sent as X-Odoo-Database; may be empty on a single-database server)")
	f.StringVar(&cfg.Login, "login", "", "user login (XML-RPC calls)")
	f.StringVar(&keyFile, "key-file", "", "file holding the API key (one trailing newline is ignored)")
	f.StringVar(&keyArg, "key", "", `"-" to read the API key from stdin (the key itself is not accepted here)`)
	f.StringVar(&cfg.Call, "call", bench.CallSearchRead, "call to measure: "+strings.Join(bench.Calls, ", "))
	f.IntVarP(&cfg.Concurrency, "concurrency", "c", bench.DefaultConcurrency, "concurrent connections")
	f.DurationVarP(&cfg.Duration, "duration", "d", bench.DefaultDuration, "measured phase (at most 10m)")
	f.IntVar(&cfg.MaxRequests, "max-requests", 0, "stop after this many answers (0: no limit)")
	f.DurationVar(&cfg.Warmup, "warmup", bench.DefaultWarmup, "unmeasured warm-up before the measured phase (0: none)")
	f.IntVar(&cfg.Limit, "limit", bench.DefaultLimit, "search_read/json2 row limit")
	f.BoolVar(&cfg.Fresh, "fresh", false, "search_read/json2: make every request a question not asked before (no read cache can answer it)")
	f.DurationVar(&cfg.Timeout, "timeout", bench.DefaultTimeout, "per-request timeout")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&withCeiling, "with-ceiling", false, "also measure the ceiling server and print the ratio")
	return cmd
}

// newCeilingCmd returns the hidden `okapi bench-ceiling` command, the
// process `okapi bench --with-ceiling` starts.
func newCeilingCmd() *cobra.Command {
	var addr, proxy string
	var stopOnEOF bool
	cmd := &cobra.Command{
		Use:          "bench-ceiling",
		Short:        "Serve the benchmark ceiling (fixed answers to the benchmarked calls)",
		Hidden:       true,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(benchContext(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if stopOnEOF {
				// The parent holds our stdin open; EOF means it is done or
				// gone, even if it died without stopping us.
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				go func() {
					io.Copy(io.Discard, cmd.InOrStdin())
					cancel()
				}()
			}
			out := cmd.OutOrStdout()
			ready := func(a net.Addr) { fmt.Fprintf(out, "listening on %s\n", a) }
			if proxy != "" {
				target, err := url.Parse(proxy)
				if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
					return usagef("--proxy: want an http(s) URL, e.g. http://127.0.0.1:8069")
				}
				return ceiling.ListenAndServeProxy(ctx, addr, target, ready)
			}
			return ceiling.ListenAndServe(ctx, addr, ready)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "address to listen on")
	cmd.Flags().StringVar(&proxy, "proxy", "", "serve the ceiling of a gateway instead: a plain reverse proxy to this URL, bytes unchanged")
	cmd.Flags().BoolVar(&stopOnEOF, "stop-on-stdin-eof", false, "stop when stdin is closed")
	cmd.Flags().MarkHidden("stop-on-stdin-eof")
	return cmd
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// benchContext is the command's context, or a background one when it was
// run without.
func benchContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// readBenchKey reads the API key from file, or from stdin when arg is "-". One
// trailing newline (as editors and `echo` leave) is dropped. No error text
// holds the key.
func readBenchKey(file, arg string, stdin io.Reader) (string, error) {
	var r io.Reader
	var from string
	switch {
	case arg != "" && arg != "-":
		return "", usagef(`--key only accepts "-" (read the key from stdin): a key given on the command line would be visible in ps and shell history; use --key-file FILE or --key -`)
	case arg == "-" && file != "":
		return "", usagef("give the key with --key-file or --key -, not both")
	case arg == "-":
		r, from = stdin, "stdin"
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("key file: %w", err)
		}
		defer f.Close()
		r, from = f, "key file "+file
	default:
		return "", usagef("no API key: give --key-file FILE or --key - (stdin)")
	}
	b, err := io.ReadAll(io.LimitReader(r, benchMaxKeyFile+1))
	if err != nil {
		return "", fmt.Errorf("reading the key from %s: %w", from, err)
	}
	if len(b) > benchMaxKeyFile {
		return "", fmt.Errorf("%s is over %d bytes: not an API key", from, benchMaxKeyFile)
	}
	key := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if key == "" {
		return "", fmt.Errorf("%s is empty", from)
	}
	if strings.ContainsAny(key, "\r\n\x00") {
		return "", fmt.Errorf("%s holds more than one line: not an API key", from)
	}
	return key, nil
}

// runBench runs the benchmark, and the same against the ceiling when asked,
// and prints the report(s).
func runBench(ctx context.Context, stdout, stderr io.Writer, cfg bench.Config, asJSON, withCeiling bool) error {
	err := benchMeasure(ctx, stdout, stderr, cfg, asJSON, withCeiling)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return errors.New("interrupted") // the report so far is printed
	}
	return err
}

func benchMeasure(ctx context.Context, stdout, stderr io.Writer, cfg bench.Config, asJSON, withCeiling bool) error {
	if !withCeiling {
		rep, err := bench.Run(ctx, cfg)
		if rep != nil {
			printBenchReports(stdout, asJSON, cfg, rep, nil, "")
		}
		if err != nil {
			return err
		}
		return benchWrongAnswers("", rep)
	}

	// Start the ceiling first, so that a failure to start shows before a
	// long run rather than after; idle, it takes nothing from the run.
	addr, stopCeiling, err := startCeilingProcess(stderr)
	if err != nil {
		return err
	}
	defer stopCeiling()

	fmt.Fprintf(stderr, "target %s:\n", cfg.URL)
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		if rep != nil {
			printBenchReports(stdout, asJSON, cfg, rep, nil, "")
		}
		return err
	}
	// Same settings; the ceiling ignores the credentials, so it gets a
	// stand-in key of the same length (same request size), not the real one.
	ccfg := cfg
	ccfg.URL = "http://" + addr
	ccfg.Key = strings.Repeat("x", len(cfg.Key))
	fmt.Fprintf(stderr, "ceiling %s:\n", ccfg.URL)
	crep, err := bench.Run(ctx, ccfg)
	printBenchReports(stdout, asJSON, cfg, rep, crep, ccfg.URL) // crep may be nil: the target's alone
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	if err := benchWrongAnswers("", rep); err != nil {
		return err
	}
	return benchWrongAnswers("ceiling: ", crep)
}

// benchWrongAnswers turns wrong answers into the command's failure: figures
// measured on wrong answers are not figures.
func benchWrongAnswers(prefix string, rep *bench.Report) error {
	if rep.Errors == 0 {
		return nil
	}
	return fmt.Errorf("%s%d of %d answers were wrong; first: %s", prefix, rep.Errors, rep.Requests, rep.FirstError)
}

// benchReportJSON is a report as --json prints it, durations in milliseconds.
type benchReportJSON struct {
	URL         string  `json:"url"`
	Call        string  `json:"call"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	ElapsedS    float64 `json:"elapsed_s"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	FirstError  string  `json:"first_error,omitempty"`
}

func benchToJSON(url string, concurrency int, r *bench.Report) benchReportJSON {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return benchReportJSON{
		URL: url, Call: r.Call, Concurrency: concurrency,
		Requests: r.Requests, Errors: r.Errors, ElapsedS: r.Elapsed.Seconds(), RPS: r.RPS,
		P50ms: ms(r.P50), P90ms: ms(r.P90), P99ms: ms(r.P99), Maxms: ms(r.Max),
		FirstError: r.FirstError,
	}
}

// printBenchReports prints the target's report, and the ceiling's and the ratio
// when crep is not nil.
func printBenchReports(w io.Writer, asJSON bool, cfg bench.Config, rep, crep *bench.Report, ceilingURL string) {
	conc := cfg.Concurrency
	if conc == 0 {
		conc = bench.DefaultConcurrency
	}
	ratio := 0.0
	if crep != nil && crep.RPS > 0 {
		ratio = rep.RPS / crep.RPS
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if crep == nil {
			enc.Encode(benchToJSON(cfg.URL, conc, rep))
			return
		}
		enc.Encode(struct {
			Target  benchReportJSON `json:"target"`
			Ceiling benchReportJSON `json:"ceiling"`
			Ratio   float64         `json:"ratio"`
		}{benchToJSON(cfg.URL, conc, rep), benchToJSON(ceilingURL, conc, crep), ratio})
		return
	}
	if crep == nil {
		fmt.Fprintln(w, rep)
		return
	}
	fmt.Fprintf(w, "target   %s\n", rep)
	fmt.Fprintf(w, "ceiling  %s\n", crep)
	fmt.Fprintf(w, "ratio    %-12s %.4f  (target req/s ÷ ceiling req/s, c=%d)\n", rep.Call, ratio, conc)
}

// startCeilingProcess starts `okapi bench-ceiling` as a child process and returns
// its address and a function that stops it.
func startCeilingProcess(stderr io.Writer) (addr string, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("ceiling: finding this program: %w", err)
	}
	child := exec.Command(exe, "bench-ceiling", "--addr", "127.0.0.1:0", "--stop-on-stdin-eof")
	child.Stderr = stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return "", nil, fmt.Errorf("ceiling: %w", err)
	}
	// A pipe of our own rather than StdoutPipe: Wait (below, run as soon as
	// the child starts) closes StdoutPipe's end under the reader.
	stdout, childOut, err := os.Pipe()
	if err != nil {
		return "", nil, fmt.Errorf("ceiling: %w", err)
	}
	child.Stdout = childOut
	err = child.Start()
	childOut.Close() // the child has its copy
	if err != nil {
		stdout.Close()
		return "", nil, fmt.Errorf("ceiling: starting %s: %w", exe, err)
	}
	exited := make(chan struct{})
	go func() {
		child.Wait()
		close(exited)
	}()
	stop = func() {
		stdin.Close() // the child stops on EOF
		select {
		case <-exited:
			return
		case <-time.After(3 * time.Second):
		}
		child.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			child.Process.Kill()
			<-exited
		}
	}

	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(io.Discard, r) // never let a full pipe block the child
		stdout.Close()
	}()
	select {
	case line := <-lines:
		a, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		if !ok {
			stop()
			return "", nil, fmt.Errorf("ceiling: unexpected first line %q", line)
		}
		return a, stop, nil
	case <-time.After(10 * time.Second):
		stop()
		return "", nil, errors.New("ceiling: did not start within 10s")
	}
}
