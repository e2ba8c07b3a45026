package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi/client/check"
)

// connectExits is the one table from a failure class to okapi connect's
// exit status; the help text is written from it too.
var connectExits = []struct {
	class check.Class
	code  int
	what  string
}{
	{"", 0, "every check passed (warnings may have been printed)"},
	{check.ClassURL, 3, "the URL is malformed, or the server cannot be reached (DNS, refused, TLS, timeout, proxy error)"},
	{check.ClassNotOdoo, 4, "something answers, but not Odoo's external API (a website, a captive or login page, a blocked API)"},
	{check.ClassDatabase, 5, "the database does not exist, or none was named"},
	{check.ClassKeyShape, 6, "the key as given cannot work: spaces, quotes or a newline around it, uppercase, cut short, or a password"},
	{check.ClassRefused, 7, "the server refused the login and key without saying why (real Odoo), or does not know the key"},
	{check.ClassKeyState, 8, "the key is expired, revoked, scoped or another user's, or its user is archived (Okapi says which)"},
	{check.ClassRights, 9, "logged in, but as a portal user or without access to contacts"},
	{check.ClassRateLimited, 10, "too many failed logins: the server refuses logins for a while"},
}

func connectExit(c check.Class) int {
	for _, e := range connectExits {
		if e.class == c {
			return e.code
		}
	}
	return exitError
}

func exitTable() string {
	var b strings.Builder
	for i, e := range connectExits {
		fmt.Fprintf(&b, "  %-3d %s\n", e.code, e.what)
		if i == 0 {
			fmt.Fprintf(&b, "  %-3d anything else (e.g. the key file cannot be read)\n", exitError)
			fmt.Fprintf(&b, "  %-3d the command was called wrongly (e.g. the key given on the command line)\n", exitUsage)
		}
	}
	return b.String()
}

// connectMaxKey bounds what is read as a key: a key is 40 characters, so
// anything large is the wrong file.
const connectMaxKey = 4096

func newConnectCmd() *cobra.Command {
	var (
		cfg      check.Config
		keyFile  string
		keyArg   string
		asJSON   bool
		verbatim bool
	)
	cmd := &cobra.Command{
		Use:   "connect URL --db DB --login LOGIN --key-file FILE",
		Short: "Check a connection to Odoo or Okapi, and say exactly why it fails",
		Long: `Check a connection as a tool makes it (URL, database, login, API key) and print a
checklist with a verdict per step:

  URL             scheme, trailing slash, path, http vs https, *.odoo.com addresses
  Server          reachable within --timeout, or why not (DNS, refused, TLS, timeout,
                  a proxy or captive page, not an Odoo server)
  Version         the Odoo version, and where keys are created in it
  Database        exists (when the server lists its databases)
  Login           exists (when that can be known without leaking it)
  Key             40 lowercase hexadecimal characters, or what is wrong with it
  Authentication  accepted; if refused, why: exactly from Okapi (expired, revoked,
                  another user's…), as likely causes from Odoo, with the guide to
                  create a new key in that version
  Rights          internal or portal user, may read and create contacts

The key is read from --key-file, or from standard input with --key -, never from
the command line (where ps and shell history would keep it). One line end that
closes the file or the input is not part of the key; anything else around it is
reported (use --verbatim to keep even that line end, as a tool reading the file
as-is would). The key is never printed.

Exit status (when several steps fail, the first one's in the order above):
` + exitTable(),
		Example: `  okapi connect https://mycompany.odoo.com --db mycompany --login me@example.com --key-file odoo.key
  pass show odoo/key | okapi connect http://127.0.0.1:8069 --db acme --login alice --key -
  okapi connect https://erp.example.com --db prod --login bot --key-file bot.key --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Login == "" {
				return usagef("--login is required: the user's login, as typed on Odoo's login page")
			}
			if cfg.Timeout <= 0 {
				return usagef("--timeout must be positive")
			}
			key, err := readConnectKey(keyFile, keyArg, cmd.InOrStdin(), cmd.ErrOrStderr(), verbatim)
			if err != nil {
				return err
			}
			cfg.URL, cfg.Key = args[0], key
			rep := check.Run(cmd.Context(), cfg)
			code := connectExit(rep.Class())
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeIndentedJSON(out, connectJSON{OK: rep.OK(), ExitCode: code, Class: rep.Class(), Report: rep}); err != nil {
					return err
				}
			} else {
				writeReport(out, termStyleFor(out), rep, code)
			}
			if f := rep.Failed(); f != nil {
				// The report (or the JSON) has said it: the exit status
				// alone follows, not the same words again on stderr.
				return &exitCodeError{code: code, err: fmt.Errorf("%s: %s", strings.ToLower(f.Title), f.Summary), shown: true}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DB, "db", "", "database name (may be left out when the server lists exactly one)")
	f.StringVar(&cfg.Login, "login", "", "the user's login (required)")
	f.StringVar(&keyFile, "key-file", "", "file holding the API key")
	f.StringVar(&keyArg, "key", "", `"-" to read the API key from standard input (the key itself is refused here)`)
	f.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "time allowed for each request")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON, for programs")
	f.BoolVar(&verbatim, "verbatim", false, "use the key's bytes exactly, even the final line end")
	return cmd
}

// connectJSON is the --json output: the verdict, then the report.
type connectJSON struct {
	OK       bool        `json:"ok"`
	ExitCode int         `json:"exit_code"`
	Class    check.Class `json:"class,omitempty"`
	*check.Report
}

// readConnectKey reads the key without cleaning it: surrounding spaces,
// quotes and extra newlines are for the checker to report. Only the line end
// that closes the file or the typed line goes, unless verbatim.
func readConnectKey(file, arg string, stdin io.Reader, stderr io.Writer, verbatim bool) (string, error) {
	var r io.Reader
	var from string
	switch {
	case arg != "" && arg != "-":
		return "", usagef(`--key takes only "-" (read the key from standard input): a key on the command line stays in ps and in the shell's history; use --key-file FILE or --key -`)
	case arg == "-" && file != "":
		return "", usagef("give the key with --key-file or --key -, not both")
	case arg == "-":
		r, from = stdin, "standard input"
		if isTerminal(stdin) {
			// Typed or pasted: one line, ended by Enter.
			fmt.Fprint(stderr, "Paste the API key, then press Enter: ")
			line, err := bufio.NewReader(io.LimitReader(stdin, connectMaxKey+1)).ReadString('\n')
			if err != nil && err != io.EOF {
				return "", fmt.Errorf("reading the key from %s: %w", from, err)
			}
			return trimLineEnd(line, verbatim), nil
		}
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("key file: %w", err)
		}
		defer f.Close()
		r, from = f, "key file "+file
	default:
		return "", usagef("no API key: give --key-file FILE, or --key - to read it from standard input")
	}
	b, err := io.ReadAll(io.LimitReader(r, connectMaxKey+1))
	if err != nil {
		return "", fmt.Errorf("reading the key from %s: %w", from, err)
	}
	if len(b) > connectMaxKey {
		return "", fmt.Errorf("%s is over %d bytes: not an API key", from, connectMaxKey)
	}
	return trimLineEnd(string(b), verbatim), nil
}

// trimLineEnd removes one final "\n" or "\r\n".
func trimLineEnd(s string, verbatim bool) string {
	if verbatim || !strings.HasSuffix(s, "\n") {
		return s
	}
	return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// writeReport prints the checklist for people.
func writeReport(w io.Writer, st termStyle, rep *check.Report, code int) {
	fmt.Fprintf(w, "%s %s, database %q, login %q\n\n", st.bold("Checking"), rep.URL, rep.DB, rep.Login)
	const col = 18
	pad := strings.Repeat(" ", col+4)
	for _, s := range rep.Steps {
		mark := map[check.Status]string{check.OK: st.green("✓"), check.Warn: st.yellow("!"), check.Fail: st.red("✗"), check.Skip: st.dim("-")}[s.Status]
		summary := s.Summary
		if s.Status == check.Skip {
			summary = st.dim(summary)
		}
		writeWrappedAt(w, fmt.Sprintf(" %s %-*s ", mark, col, s.Title), col+4, summary)
		for _, d := range s.Details {
			writeWrapped(w, pad, d)
		}
		for _, f := range s.Fix {
			writeWrapped(w, pad+"→ ", f)
		}
	}
	if len(rep.Causes) > 0 {
		fmt.Fprintf(w, "\n%s\n", st.bold("Possible causes, most likely first"))
		for i, c := range rep.Causes {
			writeWrapped(w, fmt.Sprintf("  %d. ", i+1), c)
		}
	}
	if rep.Guide != nil {
		fmt.Fprintln(w)
		writeGuide(w, st, rep.Guide)
	}
	fmt.Fprintln(w)
	if f := rep.Failed(); f != nil {
		fmt.Fprintf(w, "%s %s: %s (exit status %d)\n", st.red("Failed:"), f.Title, f.Summary, code)
		return
	}
	warned := ""
	for _, s := range rep.Steps {
		if s.Status == check.Warn {
			warned = " (see the warnings marked !)"
			break
		}
	}
	fmt.Fprintf(w, "%s URL %s, database %q, login %q and this key work%s.\n", st.green("OK:"), rep.Server.URL, rep.DB, rep.Login, warned)
}
