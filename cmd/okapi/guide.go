package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client/check"
)

func init() { extraCommands = append(extraCommands, newConnectCmd, newGuideCmd) }

func newGuideCmd() *cobra.Command {
	var version int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "guide",
		Short: "Show how to create an API key in an Odoo version",
		Long: `Show the steps to create an API key in an Odoo version (14 to 19): where the
button is, whether developer mode is needed, and which duration to choose where
keys expire. The words are the ones that version's screens use, from the same
table as Okapi's web pages and "okapi connect".

Without --odoo-version, the path in each version is listed.`,
		Example: `  okapi guide --odoo-version 15
  okapi guide --odoo-version 19 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			st := termStyleFor(out)
			if version == 0 {
				return writeGuideIndex(out, st, asJSON)
			}
			g := check.GuideFor(okapi.MustProfile(version)) // checked by versionFlag
			if asJSON {
				return writeIndentedJSON(out, g)
			}
			writeGuide(out, st, g)
			return nil
		},
	}
	cmd.Flags().Var((*versionFlag)(&version), "odoo-version", "Odoo version, 14..19")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// writeGuideIndex lists the path in every version.
func writeGuideIndex(w io.Writer, st termStyle, asJSON bool) error {
	var guides []*check.Guide
	for v := 14; v <= 19; v++ {
		guides = append(guides, check.GuideFor(okapi.MustProfile(v)))
	}
	if asJSON {
		return writeIndentedJSON(w, guides)
	}
	fmt.Fprintln(w, st.bold("Where to create an API key"))
	for _, g := range guides {
		fmt.Fprintf(w, "  Odoo %d  %s\n", g.OdooVersion, g.Path)
	}
	fmt.Fprintln(w, "\nThe steps for one version: okapi guide --odoo-version N")
	return nil
}

// writeGuide prints one version's guide; okapi connect prints it too when a
// new key is the way out.
func writeGuide(w io.Writer, st termStyle, g *check.Guide) {
	fmt.Fprintf(w, "%s\n  %s\n\n", st.bold(fmt.Sprintf("How to create an API key in Odoo %d", g.OdooVersion)), g.Path)
	for i, s := range g.Steps {
		writeWrapped(w, fmt.Sprintf("  %d. ", i+1), s)
	}
	fmt.Fprintln(w)
	for _, a := range g.Advice {
		writeWrapped(w, "  • ", a)
	}
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeWrapped prints text after prefix, wrapped at 100 columns and
// indented under its first line.
func writeWrapped(w io.Writer, prefix, text string) {
	writeWrappedAt(w, prefix, len([]rune(prefix)), text)
}

// writeWrappedAt is writeWrapped for a prefix that holds colour codes:
// width is what it takes on screen.
func writeWrappedAt(w io.Writer, prefix string, width int, text string) {
	indent := strings.Repeat(" ", width)
	for i, line := range wrap(text, 100-width) {
		if i == 0 {
			fmt.Fprintln(w, prefix+line)
		} else {
			fmt.Fprintln(w, indent+line)
		}
	}
}

// wrap cuts text into lines of at most width characters, between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// termStyle colours output for people, and only on a terminal: piped or
// redirected output stays plain text.
type termStyle struct{ on bool }

func termStyleFor(w io.Writer) termStyle {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return termStyle{}
	}
	fi, err := f.Stat()
	return termStyle{on: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

func (s termStyle) paint(code, text string) string {
	if !s.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s termStyle) bold(t string) string   { return s.paint("1", t) }
func (s termStyle) green(t string) string  { return s.paint("32", t) }
func (s termStyle) red(t string) string    { return s.paint("31", t) }
func (s termStyle) yellow(t string) string { return s.paint("33", t) }
func (s termStyle) dim(t string) string    { return s.paint("2", t) }
