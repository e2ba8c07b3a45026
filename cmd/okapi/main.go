// Command okapi is Okapi: the API-key system of Odoo 14–19 and the external
// API those keys unlock, in one binary. `okapi serve` runs the server;
// `okapi user` and `okapi key` manage accounts and keys on the same data,
// even while a server runs; `okapi connect` checks a connection to any Odoo;
// `okapi bench` measures one.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// exitCodeError carries a specific exit status. shown says the command has
// already told the failure on its own output (okapi connect's report), so
// it is not repeated on stderr.
type exitCodeError struct {
	code  int
	err   error
	shown bool
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if !ec.shown {
			fmt.Fprintln(stderr, "okapi: "+oneLine(errorText(err)))
		}
		return ec.code
	}
	fmt.Fprintln(stderr, "okapi: "+oneLine(errorText(err)))
	if isUsageError(err) {
		return exitUsage
	}
	return exitError
}

// errorText shows an okapi.Error by its message alone.
func errorText(err error) string {
	if e := okapi.AsError(err); e != nil {
		return e.Message
	}
	return err.Error()
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// usageError marks a mistake in how the command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func isUsageError(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	// cobra's own argument and flag errors.
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown command", "unknown shorthand", "accepts ", "requires ", "flag needs", "invalid argument", "required flag"} {
		if len(s) >= len(p) && contains(s, p) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "okapi",
		Short: "Odoo's API keys and external API, in one fast binary",
		Long: `Okapi implements the API-key system of Odoo 14 to 19 and the external API those
keys unlock (XML-RPC, JSON-RPC and, for 19, JSON-2), so that every tool that
connects to Odoo with "URL + database + login + API key" works against it.

Start a server with "okapi serve"; manage users and keys with "okapi user" and
"okapi key" (they work on the same data folder or database, even while a server
runs); check a connection to any Odoo with "okapi connect"; copy a live
database with "okapi backup"; export the audit log with "okapi audit export".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newGatewayCmd(), newUpstreamCmd(), newUserCmd(), newKeyCmd(), newBenchCmd(), newCeilingCmd())
	for _, extra := range extraCommands {
		root.AddCommand(extra())
	}
	// A flag's value that does not parse is a mistake in the command line,
	// whatever the command.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	root.InitDefaultCompletionCmd() // now, not at Execute: it is a group too
	groupsRefuseUnknown(root)
	return root
}

// groupsRefuseUnknown makes every command that only holds subcommands
// ("okapi", "okapi key", …) refuse an unknown subcommand with exit status 2,
// as gh and kubectl do, instead of printing its help and exiting 0 as a
// cobra command without Run does. Alone, such a command prints its help.
func groupsRefuseUnknown(cmd *cobra.Command) {
	for _, sub := range cmd.Commands() {
		groupsRefuseUnknown(sub)
	}
	if !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2 // cobra's own default for "okapi"
		}
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", s[0])
		}
		return usageError{msg + " (see " + c.CommandPath() + " --help)"}
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
}

// extraCommands lets other files of this package add commands.
var extraCommands []func() *cobra.Command
