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
// server, as the README's reader does from another terminal. The block after
//
//	<!-- readme-test: upstream ARGS -->
//
// talks to a real Odoo, named https://odoo.example.com (or odoo16…): the
// test starts `okapi serve --db-name prod ARGS` as that Odoo, with a user
// alice whose Odoo key it writes to ./alice-odoo.key (the file a reader
// saves from their Odoo's security page), and puts the upstream's address
// for the example.com URL. A line `./okapi gateway … &` starts the gateway
// in the background, as the shell would, and the next lines run once it
// listens. The block after <!-- readme-test: postgres --> (several nodes)
// runs with its exports kept for the lines after them, a fresh test
// database for postgres://okapi:…@db.internal/okapi, and its node line run
// on two addresses (skipped without PostgreSQL, as every PostgreSQL test).
// Blocks without a marker do not run: other sections' examples,
// ./scripts/test.sh itself. A marker not followed by a fence fails the test.
//
// The only liberties taken with the text: the line
// `go build -o okapi ./cmd/okapi` copies the already built binary to
// ./okapi (any other go command fails the test); the server listens on a
// free loopback port given by $OKAPI_ADDR rather than on the default
// 127.0.0.1:8069 (which a reader's own server may hold while tests run),
// and "127.0.0.1:8069" in the blocks is replaced by that address (each
// other 127.0.0.1:80xx by a free port of its own). Every
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
	"github.com/okapi-erp/okapi/storetest"
)

// readmeBlock is a fenced block of the README marked for the test.
type readmeBlock struct {
	lang     string // "sh" or "python"
	serve    bool   // the set-up's server command
	upstream string // the upstream's okapi serve flags; "" for none
	postgres bool   // the PostgreSQL block
	text     string
	line     int // where the fence opens, for messages
}

const (
	readmeMarker      = "<!-- readme-test -->"
	readmeServeMarker = "<!-- readme-test: serve -->"
	readmeServe       = "go run ./cmd/okapi serve"
	readmeBuild       = "go build -o okapi ./cmd/okapi"
	readmeDefaultAddr = "127.0.0.1:8069"
	readmeUpstream    = "<!-- readme-test: upstream "
	readmePostgres    = "<!-- readme-test: postgres -->"
	readmePostgresURL = "postgres://okapi:…@db.internal/okapi"
)

// readmeAddr is an address the README shows, 127.0.0.1:80xx.
var readmeAddr = regexp.MustCompile(`(?:127\.0\.0\.1|0\.0\.0\.0):80[0-9][0-9]`)

// readmeOdoo is a real Odoo's address in the README's examples.
var readmeOdoo = regexp.MustCompile(`https://odoo[0-9]*\.example\.com`)

// readmeBlocks returns the marked blocks of the README, in order.
func readmeBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	lines := strings.Split(readme, "\n")
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		marker := strings.TrimSpace(lines[i])
		upstream, isUpstream := strings.CutPrefix(marker, readmeUpstream)
		if marker != readmeMarker && marker != readmeServeMarker && marker != readmePostgres && !isUpstream {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("README.md:%d: %s is not followed by a fenced block on the next line", i+1, marker)
		}
		b := readmeBlock{lang: strings.TrimPrefix(lines[i+1], "```"), serve: marker == readmeServeMarker, line: i + 2}
		b.postgres = marker == readmePostgres
		if isUpstream {
			b.upstream = strings.TrimSpace(strings.TrimSuffix(upstream, "-->"))
		}
		var body []string
		for i += 2; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("README.md:%d: the block never closes", b.line)
		}
		// A line ending in a backslash goes on on the next, as in the shell.
		b.text = strings.ReplaceAll(strings.Join(body, "\n"), "\\\n", "")
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

	var pyOut, shOut []string
	var lastPy string
	serverUp := false
	addrs := map[string]string{readmeDefaultAddr: addr}
	gateways := map[string]string{} // data folder → address
	for _, b := range blocks {
		text := readmeAddr.ReplaceAllStringFunc(b.text, func(a string) string {
			if addrs[a] == "" {
				addrs[a] = proctest.FreeAddr(t)
			}
			return addrs[a]
		})
		if b.upstream != "" {
			up := readmeUpstreamServer(t, dir, b.upstream)
			text = readmeOdoo.ReplaceAllString(text, up)
		}
		switch {
		case b.serve:
			if b.text != readmeServe {
				t.Fatalf("README.md:%d: the server block is %q, want %q", b.line, b.text, readmeServe)
			}
			startReadmeServer(t, dir, addr)
			serverUp = true
		case !serverUp:
			t.Fatalf("README.md:%d: a block runs before the server is started", b.line)
		case b.postgres:
			t.Run("postgres", func(t *testing.T) { runReadmePostgres(t, dir, b, text) })
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
				case strings.HasPrefix(cmd, "./okapi gateway ") && strings.HasSuffix(cmd, " &"):
					args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(cmd, "./okapi "), " &"))
					gw := readmeFlag(args, "--addr")
					proctest.StartIn(t, filepath.Join(dir, "okapi"), dir, readmeEnv(), gw, args...)
					gateways[readmeFlag(args, "--data")] = gw
				default:
					shOut = append(shOut, strings.TrimSpace(runReadme(t, b.line+1+i, dir, "bash", "-c", line)))
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
	checkReadmeGateways(t, dir, gateways, shOut)

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

// readmeFlag is the value of flag in args.
func readmeFlag(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// readmeUpstreamServer starts the Odoo an upstream block talks to: `okapi
// serve --db-name prod` with flags, alice in it and her key in
// dir/alice-odoo.key; it returns its URL.
func readmeUpstreamServer(t *testing.T, dir, flags string) string {
	t.Helper()
	data := t.TempDir()
	up := proctest.Start(t, binary, "", []string{"OKAPI_ADMIN_PASSWORD=admin"}, "http",
		append([]string{"--data", data, "--db-name", "prod"}, strings.Fields(flags)...)...)
	if _, errOut, code := proctest.Run(t, binary, "", "user", "create", "--data", data, "--login", "alice", "--password", "alice-odoo-pass"); code != 0 {
		t.Fatalf("upstream %s: user create: %s", flags, errOut)
	}
	key, errOut, code := proctest.Run(t, binary, "", "key", "create", "--data", data, "--login", "alice", "--name", "gateway")
	if code != 0 {
		t.Fatalf("upstream %s: key create: %s", flags, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "alice-odoo.key"), []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	return up.URL
}

// checkReadmeGateways checks what the gateway sections claim: the Power BI
// key reads the upstream's contacts and may not write, the XML-RPC tool
// read contacts through a JSON-2-only Odoo, and the JSON-2 call through
// Odoo 16 answered records.
func checkReadmeGateways(t *testing.T, dir string, gateways map[string]string, shOut []string) {
	t.Helper()
	if len(gateways) == 0 {
		return
	}
	if gw := gateways["./gw"]; gw != "" {
		out := runReadme(t, 0, dir, "python3", "-c", `import xmlrpc.client as x
k = open("powerbi-gw.key").read().strip()
url = "http://`+gw+`"
uid = x.ServerProxy(url + "/xmlrpc/2/common").authenticate("prod", "alice", k, {})
m = x.ServerProxy(url + "/xmlrpc/2/object")
print(len(m.execute_kw("prod", uid, k, "res.partner", "search_read", [[]], {"fields": ["name"], "limit": 3})))
try:
    m.execute_kw("prod", uid, k, "res.partner", "create", [{"name": "no"}])
    print("created")
except x.Fault as f:
    print(f.faultCode, "read-only" in f.faultString)
`)
		if got := strings.Fields(out); len(got) != 3 || got[0] == "0" || got[1] != "4" || got[2] != "True" {
			t.Errorf("the Power BI key through the gateway: %q, want some records, then Fault 4 naming read-only", out)
		}
	}
	if gateways["./gw19"] != "" && !readmeHasAnswer(shOut, "[{'id': ") {
		t.Errorf("the XML-RPC tool through the gateway to a JSON-2-only Odoo printed none of %q, want records", shOut)
	}
	if gateways["./gw16"] != "" && !readmeHasAnswer(shOut, `[{"id": `) {
		t.Errorf("the JSON-2 call through the gateway to Odoo 16 printed none of %q, want records", shOut)
	}
}

// readmeHasAnswer reports whether one of outs starts with prefix.
func readmeHasAnswer(outs []string, prefix string) bool {
	for _, o := range outs {
		if strings.HasPrefix(o, prefix) {
			return true
		}
	}
	return false
}

// runReadmePostgres runs the PostgreSQL block: its exports carry over to
// the lines after them, as in one shell; the database URL is a fresh test
// database; the node line runs twice, as "on each node" says, on two
// addresses, and both nodes must be ready on the shared database.
func runReadmePostgres(t *testing.T, dir string, b readmeBlock, text string) {
	if !strings.Contains(text, readmePostgresURL) {
		t.Fatalf("README.md:%d: the PostgreSQL block no longer names %s", b.line, readmePostgresURL)
	}
	text = strings.ReplaceAll(text, readmePostgresURL, storetest.PostgresURL(t))
	env := readmeEnv()
	nodes := 0
	for i, line := range strings.Split(text, "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		cmd = strings.TrimSpace(cmd)
		switch {
		case cmd == "":
		case strings.HasPrefix(cmd, "export "):
			name, rhs, _ := strings.Cut(strings.TrimPrefix(cmd, "export "), "=")
			c := exec.Command("bash", "-c", "printf %s "+rhs)
			c.Dir, c.Env = dir, env
			v, err := c.Output()
			if err != nil || len(v) == 0 {
				t.Fatalf("README.md:%d: %s: %q, %v", b.line+1+i, cmd, v, err)
			}
			env = append(env, name+"="+string(v))
		case strings.HasPrefix(cmd, "./okapi serve ") && strings.HasSuffix(cmd, " &"):
			args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(cmd, "./okapi "), " &"))
			for _, addr := range []string{readmeFlag(args, "--addr"), proctest.FreeAddr(t)} {
				args := append([]string(nil), args...)
				for j := range args {
					if j > 0 && args[j-1] == "--addr" {
						args[j] = addr
					}
				}
				node := proctest.StartIn(t, filepath.Join(dir, "okapi"), dir, env, addr, args...)
				resp, err := http.Get(node.URL + "/readyz")
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("README.md:%d: node on %s not ready: %v\n%s", b.line+1+i, addr, err, node.Output())
				}
				resp.Body.Close()
				if !strings.Contains(node.Output(), "(PostgreSQL)") {
					t.Errorf("README.md:%d: the node does not say it runs on PostgreSQL:\n%s", b.line+1+i, node.Output())
				}
				nodes++
			}
		default:
			t.Fatalf("README.md:%d: %q: the PostgreSQL block's runner knows export and ./okapi serve … & only", b.line+1+i, cmd)
		}
	}
	if nodes != 2 {
		t.Fatalf("README.md:%d: %d nodes started, want the node line run on two addresses", b.line, nodes)
	}
}
