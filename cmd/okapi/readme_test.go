package main

// TestReadme runs the README as a reader does, so that it cannot drift from
// the product.
//
// Which blocks run: a fenced block on the line right after
//
//	<!-- readme-test -->
//
// runs, in the order of the file: ```sh blocks line by line with bash
// (every line must exit 0), ```python blocks with python3. The block after
//
//	<!-- readme-test: serve -->
//
// is the set-up's server command: it must read `go run ./cmd/okapi serve`;
// the test starts the binary built for the tests (proctest builds the same
// package with go build) as `okapi serve`, with no flag, in an empty
// temporary folder, waits for /healthz, and the later blocks use that
// server, as the README's reader does from another terminal. Blocks without
// a marker do not run: other sections' examples, ./scripts/test.sh itself.
// A marker not followed by a fence fails the test.
//
// The only liberties taken with the text: the line
// `go build -o okapi ./cmd/okapi` copies the already built binary to
// ./okapi (any other go command fails the test); the server listens on a
// free loopback port given by $OKAPI_ADDR rather than on the default
// 127.0.0.1:8069 (which a reader's own server may hold while tests run),
// and "127.0.0.1:8069" in the blocks is replaced by that address. Every
// other line runs verbatim, with no other OKAPI_* variable set, so every
// other default applies (Odoo 19, database "okapi", data in ./okapi-data,
// the cooldown on).

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/internal/proctest"
)

// readmeBlock is a fenced block of the README marked for the test.
type readmeBlock struct {
	lang  string // "sh" or "python"
	serve bool   // the set-up's server command
	text  string
	line  int // where the fence opens, for messages
}

const (
	readmeMarker      = "<!-- readme-test -->"
	readmeServeMarker = "<!-- readme-test: serve -->"
	readmeServe       = "go run ./cmd/okapi serve"
	readmeBuild       = "go build -o okapi ./cmd/okapi"
	readmeDefaultAddr = "127.0.0.1:8069"
)

// readmeBlocks returns the marked blocks of the README, in order.
func readmeBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	lines := strings.Split(readme, "\n")
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		marker := strings.TrimSpace(lines[i])
		if marker != readmeMarker && marker != readmeServeMarker {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("README.md:%d: %s is not followed by a fenced block on the next line", i+1, marker)
		}
		b := readmeBlock{lang: strings.TrimPrefix(lines[i+1], "```"), serve: marker == readmeServeMarker, line: i + 2}
		var body []string
		for i += 2; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("README.md:%d: the block never closes", b.line)
		}
		b.text = strings.Join(body, "\n")
		if b.lang != "sh" && b.lang != "python" {
			t.Fatalf("README.md:%d: a marked block must be sh or python, not %q", b.line, b.lang)
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// section returns the text of the README's "## title" section.
func section(readme, title string) string {
	_, rest, ok := strings.Cut(readme, "\n## "+title+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// readmeEnv is this process's environment without any OKAPI_ variable.
func readmeEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OKAPI_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func TestReadme(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)

	// The set-up has two commands, and the first is the server the rest
	// uses; the suite's own command is not run here, from inside it.
	setup := section(readme, "Set up on a fresh machine")
	fences := regexp.MustCompile("(?s)```sh\n(.*?)\n```").FindAllStringSubmatch(setup, -1)
	if len(fences) != 2 || fences[0][1] != readmeServe || fences[1][1] != "./scripts/test.sh" {
		t.Fatalf("the set-up section must hold exactly the two commands %q and %q, found %q", readmeServe, "./scripts/test.sh", fences)
	}
	// The defaults the README states are serve's (unless the environment
	// sets them, which the help then shows).
	if os.Getenv("OKAPI_ADDR")+os.Getenv("OKAPI_DB_NAME")+os.Getenv("OKAPI_DATA") == "" {
		help := mustOkapi(t, "serve", "--help")
		for _, want := range []string{`--addr string\s+address to listen on \(default "` + readmeDefaultAddr + `"\)`,
			`--db-name string\s+the database name clients give \(default "okapi"\)`, `--data string\s+.*\(default "okapi-data"\)`} {
			if !regexp.MustCompile(want).MatchString(help) {
				t.Errorf("okapi serve --help does not match %q: the README's defaults are stale\n%s", want, help)
			}
		}
	}

	blocks := readmeBlocks(t, readme)
	if len(blocks) < 3 || !blocks[0].serve {
		t.Fatalf("the README's first marked block must be the set-up's server command, and blocks must follow; found %d", len(blocks))
	}
	dir := t.TempDir()
	addr := proctest.FreeAddr(t)
	url := "http://" + addr

	var pyOut []string
	var lastPy string
	serverUp := false
	for _, b := range blocks {
		text := strings.ReplaceAll(b.text, readmeDefaultAddr, addr)
		switch {
		case b.serve:
			if b.text != readmeServe {
				t.Fatalf("README.md:%d: the server block is %q, want %q", b.line, b.text, readmeServe)
			}
			startReadmeServer(t, dir, addr)
			serverUp = true
		case !serverUp:
			t.Fatalf("README.md:%d: a block runs before the server is started", b.line)
		case b.lang == "python":
			out := runReadme(t, b.line, dir, "python3", "-c", text)
			pyOut = append(pyOut, strings.TrimSpace(out))
			lastPy = text
		default:
			for i, line := range strings.Split(text, "\n") {
				cmd, _, _ := strings.Cut(line, "#")
				cmd = strings.TrimSpace(cmd)
				switch {
				case cmd == "":
					continue
				case cmd == readmeBuild:
					copyFile(t, binary, filepath.Join(dir, "okapi"))
					if err := os.Chmod(filepath.Join(dir, "okapi"), 0o755); err != nil {
						t.Fatal(err)
					}
				case strings.HasPrefix(cmd, "go "):
					t.Fatalf("README.md:%d: %q: this test knows how to run only %q among go commands", b.line+1+i, cmd, readmeBuild)
				default:
					runReadme(t, b.line+1+i, dir, "bash", "-c", line)
				}
			}
		}
	}

	// What the blocks claim, checked.
	if len(pyOut) == 0 || !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(pyOut[0]) {
		t.Errorf("the Python snippet printed %q, want alice's user id", pyOut)
	}
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}\n$`)
	for _, f := range []string{"alice.key", "powerbi.key"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || !hex40.Match(b) {
			t.Errorf("%s holds %q (%v), want one key", f, b, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "okapi-backup.db")); err != nil || !bytes.HasPrefix(b, []byte("SQLite format 3\x00")) {
		t.Errorf("okapi-backup.db is not a SQLite database (%v)", err)
	}
	audit, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	for _, kind := range []string{"user.created", "key.created", "key.revoked", "key.rotated"} {
		if !strings.Contains(string(audit), `"kind":"`+kind+`"`) {
			t.Errorf("audit.jsonl has no %s entry:\n%s", kind, audit)
		}
	}
	// The README ends by archiving alice: the snippet then prints False.
	if strings.Contains(readme, "./okapi user archive --login alice") {
		if out := strings.TrimSpace(runReadme(t, 0, dir, "python3", "-c", lastPy)); out != "False" {
			t.Errorf("after the archive, the Python snippet printed %q, want False", out)
		}
	}
	if _, err := http.Get(url + "/healthz"); err != nil {
		t.Errorf("the server is gone after the README: %v", err)
	}

	// Nothing the README writes can be committed by accident.
	if exec.Command("git", "-C", root, "rev-parse", "--is-inside-work-tree").Run() != nil {
		t.Log("not a git checkout: .gitignore not checked")
		return
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", rel).Run() != nil {
			t.Errorf("%s, written by the README's commands, is not in .gitignore", rel)
		}
		return nil
	})
}

// startReadmeServer starts `okapi serve` with no flag in dir, on addr
// through $OKAPI_ADDR, and waits until /healthz answers.
func startReadmeServer(t *testing.T, dir, addr string) {
	t.Helper()
	srv := proctest.StartAs(t, binary, dir, readmeEnv("OKAPI_ADDR="+addr), addr)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("%s: /healthz: %v\n%s", readmeServe, err, srv.Output())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: /healthz answers HTTP %d", readmeServe, resp.StatusCode)
	}
	for _, want := range []string{`Created the administrator: login "admin", password "`,
		`Okapi (Odoo 19) listening on http://` + addr + `, database "okapi" (SQLite in okapi-data)`} {
		if !strings.Contains(srv.Output(), want) {
			t.Errorf("the set-up's server did not print %q:\n%s", want, srv.Output())
		}
	}
}

// runReadme runs one README command in dir; it must succeed.
func runReadme(t *testing.T, line int, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = readmeEnv()
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("README.md:%d: %s: %v\nstdout:\n%s\nstderr:\n%s", line, args[len(args)-1], err, out.String(), errs.String())
	}
	t.Logf("README.md:%d: %s\n%s%s", line, args[len(args)-1], out.String(), errs.String())
	return out.String()
}
