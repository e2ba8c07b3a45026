package main

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/okapi-erp/okapi/internal/codectest"
	"github.com/okapi-erp/okapi/internal/proctest"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

// connectCase is one run of okapi connect and what it must conclude.
type connectCase struct {
	name    string
	url     string // default: the server's
	db      string // default "acme"
	login   string // default "alice"
	key     string // written to a key file as is (the reader drops one final line end)
	stdin   string // with --key - instead of a file
	args    []string
	code    int
	want    []string // in the output, in this order
	notWant []string
}

// wrapped matches the break before a continuation or detail line.
var wrapped = regexp.MustCompile(`\n {4,}`)

// runConnect runs okapi connect for a case and checks its verdict. It also
// checks that the key never shows in what okapi prints.
func runConnect(t *testing.T, defURL string, secrets []string, tc connectCase) string {
	t.Helper()
	url, db, login := defURL, "acme", "alice"
	if tc.url != "" {
		url = tc.url
	}
	if tc.db != "" {
		db = tc.db
	}
	if tc.login != "" {
		login = tc.login
	}
	args := []string{"connect", url, "--db", db, "--login", login}
	if tc.stdin != "" {
		args = append(args, "--key", "-")
	} else if tc.key != "" {
		f := filepath.Join(t.TempDir(), "key")
		if err := os.WriteFile(f, []byte(tc.key), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--key-file", f)
	}
	args = append(args, tc.args...)
	start := time.Now()
	out, errs, code := runCLI(t, tc.stdin, args...)
	if os.Getenv("DUMP") != "" {
		t.Logf("=== %s\n%s%s", tc.name, out, errs)
	}
	if code != tc.code {
		t.Errorf("%s: exit %d, want %d (after %v)\n%s%s", tc.name, code, tc.code, time.Since(start), out, errs)
		return out
	}
	// Long lines are wrapped, and indented under their start: join them.
	flat := wrapped.ReplaceAllString(out, " ")
	rest := flat
	for _, w := range tc.want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%s: output lacks %q (or not in order)\n%s", tc.name, w, out)
			return out
		}
		rest = rest[i+len(w):]
	}
	for _, w := range tc.notWant {
		if strings.Contains(flat, w) {
			t.Errorf("%s: output has %q\n%s", tc.name, w, out)
		}
	}
	for _, s := range secrets {
		if s != "" && (strings.Contains(out, s) || strings.Contains(errs, s)) {
			t.Errorf("%s: a key was printed", tc.name)
		}
	}
	if code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("%s: stderr is more than one line: %q", tc.name, errs)
	}
	return out
}

// TestConnectOkapi is issue 5's acceptance against okapi serve, in every
// profile: each kind of mistake reaches its verdict and exit status.
func TestConnectOkapi(t *testing.T) {
	for v := 14; v <= 19; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, "--data", data, "--odoo-version", fmt.Sprint(v),
				"--db-name", "acme", "--cooldown-after", "0")
			run := func(args ...string) string { return mustOkapi(t, append(args, "--data", data)...) }
			run("user", "create", "--login", "alice", "--password", "alice-pass", "--name", "Alice")
			run("user", "create", "--login", "bob", "--password", "bob-pass", "--name", "Bob")
			run("user", "create", "--login", "pat", "--password", "pat-pass", "--name", "Pat", "--portal")
			var secrets []string
			key := func(args ...string) string {
				k := strings.TrimSpace(run(append([]string{"key", "create"}, args...)...))
				secrets = append(secrets, k)
				return k
			}
			good := key("--login", "alice", "--name", "laptop")
			bobs := key("--login", "bob", "--name", "bob's key")
			revoked := key("--login", "alice", "--name", "old laptop")
			run("key", "revoke", "--login", "alice", "--name", "old laptop")
			scoped := key("--login", "alice", "--name", "outlook", "--scope", "odoo.plugin.outlook")
			portal := key("--login", "pat", "--name", "portal")
			readOnly := key("--login", "alice", "--name", "reports", "--read-only")
			p := okapi.MustProfile(v)
			version := fmt.Sprintf("Okapi, playing Odoo %d.0", v)
			if v == 18 {
				version = "Okapi, playing Odoo " + p.ServerVersion
			}
			guide := []string{"How to create an API key in Odoo " + fmt.Sprint(v), p.Path()}
			for _, s := range p.Steps() {
				guide = append(guide, strings.Fields(s)[0])
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			var expiredAt time.Time
			cases := []connectCase{
				{name: "good key", key: good + "\n", code: 0,
					want: []string{"✓ URL", "✓ Server", version, p.Path(), `✓ Database           "acme" exists`, `"alice" is Alice`,
						"✓ Key", "✓ Authentication     accepted over XML-RPC", "✓ Rights             an internal user: may read and create contacts", "OK:"},
					notWant: []string{"✗", "How to create"}},
				{name: "good key on stdin", stdin: good + "\n", code: 0, want: []string{"OK:"}},
				{name: "trailing space", key: good + " \n", code: 6,
					want: []string{"✗ Key                the key has a trailing space", "accepted once cleaned of a trailing space", "Failed: Key"}},
				{name: "trailing newline", stdin: good + "\n\n", code: 6,
					want: []string{"✗ Key                the key has a trailing newline", "accepted once cleaned"}},
				{name: "newline kept by --verbatim", key: good + "\r\n", args: []string{"--verbatim"}, code: 6,
					want: []string{"the key has trailing white space (carriage return, newline)"}},
				{name: "quotes and uppercase", key: `"` + strings.ToUpper(good) + `"`, code: 6,
					want: []string{"wrapping quotes", "uppercase letters", "accepted once cleaned"}},
				{name: "cut short", key: good[:32], code: 6, want: []string{"the key is cut short: 32 hexadecimal characters", "Failed: Key"}},
				{name: "password instead of the key", stdin: "alice-pass\n", code: 6,
					want: []string{"✗ Key                this is not an API key", "is it the password?", "accepted as alice's password, not as an API key", guide[0]}},
				{name: "key of another user", key: bobs, code: 8,
					want: append([]string{`the key belongs to "bob", not "alice"`, `refused: the key "bob's key" belongs to the user "bob"`}, guide...)},
				{name: "revoked key", key: revoked, code: 8,
					want: append([]string{`✓ Login              "alice" exists, and the key is theirs`, `refused: the key "old laptop" was revoked (deleted) on 20`}, guide...)},
				{name: "read-only key", key: readOnly, code: 0,
					want:    []string{"✓ Rights             a read-only key (scope rpc.read): may read contacts, and change nothing", "without --read-only", "OK:"},
					notWant: []string{"!", "✗"}},
				{name: "scoped key", key: scoped, code: 8, want: []string{`limited to the scope "odoo.plugin.outlook"`, guide[0]}},
				{name: "unknown key", key: strings.Repeat("0", 40), code: 7, want: []string{"refused: this server does not know the key", guide[0]}},
				{name: "wrong database", key: good, db: "acem", code: 5,
					want: []string{`✗ Database           there is no database "acem" on this server`, `Use one of: "acme"`, "- Authentication"}},
				{name: "portal user", key: portal, login: "pat", code: 9,
					want: []string{"✓ Authentication", "✗ Rights             a portal user", "contacts: read yes, create no"}},
				{name: "trailing slash", url: srv.URL + "/", key: good, code: 3,
					want: []string{"✗ URL                it ends with a slash", "//xmlrpc/2/common", "redirect", "Write the URL without the final slash: " + srv.URL,
						"- Server             not checked: correct the URL first", "- Rights             not checked"},
					notWant: []string{"✓ Server", "✓ Authentication", "✓ Rights"}},
				// A failed URL stops the checks: what a corrected URL would
				// give is not what the tool gets with this one.
				{name: "no scheme", url: host, key: good, code: 3,
					want: []string{"✗ URL                no scheme", "Write the URL with its scheme: " + srv.URL,
						"- Server             not checked: correct the URL first", "- Version            not checked", "- Database           not checked",
						"- Login              not checked", "✓ Key", "- Authentication     not checked", "- Rights             not checked"},
					notWant: []string{"✓ Server", "✓ Authentication", "✓ Rights"}},
				{name: "https on an http port", url: "https://" + host, key: good, code: 3,
					want: []string{"✗ Server             " + host + " speaks plain HTTP, not HTTPS", "Use " + srv.URL, "- Version"}},
				{name: "web client path", url: srv.URL + "/odoo/contacts", key: good, code: 3,
					want:    []string{"✗ URL                the URL ends with /odoo/contacts, a page of Odoo's web client", "- Authentication     not checked"},
					notWant: []string{"✓ Authentication"}},
				{name: "key on the command line", args: []string{"--key", good}, code: 2},
			}
			if p.KeysExpire {
				// key create refuses a date already past: this key expires
				// while the cases before it run (waited for below).
				expiredAt = time.Now().Add(2 * time.Second).UTC().Truncate(time.Second)
				expired := key("--login", "alice", "--name", "nightly", "--expires", expiredAt.Format(time.RFC3339))
				cases = append(cases, connectCase{name: "expired key", key: expired, code: 8,
					want: append([]string{`refused: the key "nightly" expired on ` + expiredAt.Format("2006-01-02 15:04:05") + " UTC"}, guide...)})
				// An accepted key says when it ends; within a week it is a
				// warning with the way to a new key, and still exit 0.
				weekly := key("--login", "alice", "--name", "weekly", "--duration", "7d")
				monthly := key("--login", "alice", "--name", "monthly", "--duration", "30d")
				cases[0].want = append(cases[0].want[:8:8], `The key "laptop" never expires (a persistent key)`, "OK:")
				cases = append(cases,
					connectCase{name: "key expiring within a week", key: weekly, code: 0,
						want: append([]string{"! Authentication     accepted over XML-RPC", `The key "weekly" expires on ` + okapi.ExpirationFor(time.Now(), 7).Format("2006-01-02"),
							"it is then deleted and the tool stops working", "→ Create a new key before", "✓ Rights"}, guide...),
						notWant: []string{"✗"}},
					connectCase{name: "key with a month left", key: monthly, code: 0,
						want:    []string{"✓ Authentication     accepted over XML-RPC", `The key "monthly" expires on ` + okapi.ExpirationFor(time.Now(), 30).Format("2006-01-02"), "OK:"},
						notWant: []string{"!", "How to create", "Create a new key"}})
			}
			if p.JSON2 {
				cases[0].want = append(cases[0].want[:8:8], "JSON-2 (/json/2) accepts the key too", `The key "laptop" never expires`, "OK:")
			}
			for _, tc := range cases {
				if tc.name == "expired key" {
					time.Sleep(time.Until(expiredAt.Add(100 * time.Millisecond)))
				}
				runConnect(t, srv.URL, secrets, tc)
			}
		})
	}
}

// TestConnectNetwork: the failures before any Odoo answers.
func TestConnectNetwork(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 20)
	closed := proctest.FreeAddr(t)

	// A server that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	nginx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>It works</body></html>")
	}))
	defer nginx.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://login.hotspot.example/portal?orig="+r.URL.Path, http.StatusFound)
	}))
	defer portal.Close()

	for _, tc := range []connectCase{
		{name: "closed port", url: "http://" + closed, key: key, code: 3,
			want: []string{"✗ Server             nothing listens on " + closed + " (connection refused)", "✓ Key", "exit status 3"}},
		{name: "no answer", url: "http://" + silent.Addr().String(), key: key, args: []string{"--timeout", "1s"}, code: 3,
			want: []string{"✗ Server             connected to " + silent.Addr().String() + ", but no answer within 1s"}},
		{name: "not Odoo: a web page", url: nginx.URL, key: key, code: 4,
			want: []string{`✗ Server             it answers with a web page (a page titled "Welcome to nginx!") instead of Odoo's external API`}},
		{name: "not Odoo: 404", url: missing.URL, key: key, code: 4,
			want: []string{"not an Odoo server: /xmlrpc/2/common does not exist here (HTTP 404)"}},
		{name: "captive portal", url: portal.URL, key: key, code: 3,
			want: []string{"it redirects to another address, http://login.hotspot.example", "captive portal"}},
		{name: "not a URL", url: "ftp://example.com", key: key, code: 3, want: []string{`the scheme "ftp" is not http or https`}},
		{name: "no key", url: nginx.URL, code: 2},
	} {
		start := time.Now()
		runConnect(t, "", []string{key}, tc)
		if time.Since(start) > 8*time.Second {
			t.Errorf("%s took %v", tc.name, time.Since(start))
		}
	}
}

// TestConnectJSON: --json gives programs the verdict, the steps and the
// guide, and the exit status stays the same.
func TestConnectJSON(t *testing.T) {
	t.Parallel()
	srv := startReplay(t, "19.0", false)
	out, _, code := runCLI(t, fakeKey("<KEY_ALICE>")+"\n", "connect", srv.URL, "--db", "anchor", "--login", "admin", "--key", "-", "--json")
	var rep struct {
		OK       bool   `json:"ok"`
		ExitCode int    `json:"exit_code"`
		Class    string `json:"class"`
		Server   struct {
			OdooVersion int  `json:"odoo_version"`
			Okapi       bool `json:"okapi"`
		} `json:"server"`
		Steps []struct {
			ID, Status string
		} `json:"steps"`
		Causes []string `json:"causes"`
		Guide  struct {
			Path  string   `json:"path"`
			Steps []string `json:"steps"`
		} `json:"guide"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	p := okapi.MustProfile(19)
	if code != 7 || rep.OK || rep.ExitCode != 7 || rep.Class != "refused" || rep.Server.OdooVersion != 19 || rep.Server.Okapi ||
		len(rep.Steps) != 8 || len(rep.Causes) < 4 || rep.Guide.Path != p.Path() || len(rep.Guide.Steps) != len(p.Steps()) {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
}

// TestGuide: the guide is the profile's, in every version.
func TestGuide(t *testing.T) {
	t.Parallel()
	out := mustOkapi(t, "guide")
	for v := 14; v <= 19; v++ {
		p := okapi.MustProfile(v)
		if !strings.Contains(out, fmt.Sprintf("Odoo %d  %s", v, p.Path())) {
			t.Errorf("guide index lacks %d's path:\n%s", v, out)
		}
		g := mustOkapi(t, "guide", "--odoo-version", fmt.Sprint(v))
		rest := g
		for _, s := range append([]string{p.Path()}, p.Steps()...) {
			first := strings.Join(strings.Fields(s)[:3], " ")
			i := strings.Index(rest, first)
			if i < 0 {
				t.Fatalf("guide %d lacks %q in order:\n%s", v, first, g)
			}
			rest = rest[i:]
		}
		if p.KeysExpire != strings.Contains(g, `"Persistent Key" if you are an administrator`) {
			t.Errorf("guide %d: expiry advice wrong:\n%s", v, g)
		}
		if p.UI.DevModeRequired != strings.Contains(g, "shows only in developer mode") {
			t.Errorf("guide %d: developer mode advice wrong:\n%s", v, g)
		}
	}
	if _, errs, code := runCLI(t, "", "guide", "--odoo-version", "13"); code != 2 || !strings.Contains(errs, "unsupported Odoo version 13") {
		t.Errorf("guide 13: exit %d, %q", code, errs)
	}
	for _, sub := range []string{"connect", "guide"} {
		out, _, code := runCLI(t, "", sub, "--help")
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("okapi %s --help: exit %d", sub, code)
		}
	}
	if out, _, _ := runCLI(t, "", "connect", "--help"); !regexp.MustCompile(`(?m)^  8 +the key is expired, revoked`).MatchString(out) {
		t.Errorf("connect --help does not document the exit statuses:\n%s", out)
	}
}

// The replay: a local server that answers each request with the answer
// real Odoo gave to the same request, as recorded in testdata/odoo.

var recordings = codectest.ConformanceDir()

type recording struct {
	Case    string `json:"case"`
	Request struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int        `json:"status"`
		Headers [][]string `json:"headers"`
		Body    string     `json:"body"`
	} `json:"response"`
}

// fakeKey stands for a recorded key placeholder: 40 lowercase hex
// characters derived from its name.
func fakeKey(placeholder string) string {
	sum := sha1.Sum([]byte(placeholder))
	return hex.EncodeToString(sum[:])
}

var placeholderRE = regexp.MustCompile(`<KEY_[A-Z_]+>`)

// requestSignature names a request by what decides Odoo's answer: the method
// and path, the XML-RPC method or JSON-RPC service and method with every
// argument (so authenticate's login and key, or a password, count), the
// JSON-2 key, database and body.
func requestSignature(method, path string, header http.Header, body []byte) string {
	sig := method + " " + path
	canon := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	switch {
	case strings.HasPrefix(path, "/xmlrpc/"):
		if call, err := xmlrpc.DecodeCall(body, xmlrpc.DefaultLimits); err == nil {
			sig += " " + call.Method + " " + canon(call.Params)
		}
	case path == "/jsonrpc":
		if req, err := jsonrpc.DecodeRequest(body, jsonrpc.DefaultLimits); err == nil {
			sig += " " + canon(req.Params)
		}
	case strings.HasPrefix(path, "/json/2/"):
		v, _ := jsonrpc.Decode(body, jsonrpc.DefaultLimits)
		sig += " " + strings.ToLower(header.Get("Authorization")) + " " + header.Get("X-Odoo-Database") + " " + canon(v)
	}
	return sig
}

// startReplay serves a version's recordings. With noListDB, db.list is
// refused as Odoo refuses it under list_db = False: with the recorded
// "Access Denied" fault.
func startReplay(t *testing.T, version string, noListDB bool) *httptest.Server {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(recordings, version, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings in %s: %v", filepath.Join(recordings, version), err)
	}
	answers := map[string]recording{}
	var denied, notFound recording
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec recording
		if json.Unmarshal(b, &rec) != nil || rec.Request.Method == "" {
			continue
		}
		body := placeholderRE.ReplaceAllStringFunc(rec.Request.Body, fakeKey)
		h := http.Header{}
		for k, v := range rec.Request.Headers {
			h.Set(k, placeholderRE.ReplaceAllStringFunc(v, fakeKey))
		}
		path := rec.Request.URL[strings.Index(rec.Request.URL[len("http://"):], "/")+len("http://"):]
		sig := requestSignature(rec.Request.Method, path, h, []byte(body))
		if _, dup := answers[sig]; !dup {
			answers[sig] = rec
		}
		switch rec.Case {
		case "xmlrpc_object_execute_kw_wrong_key":
			denied = rec
		}
	}
	// The 404 page Odoo sends for a route it does not have (recorded on
	// 18.0, whose /web/version does not exist).
	b, err := os.ReadFile(filepath.Join(recordings, "18.0", "web_version_get.json"))
	if err != nil || json.Unmarshal(b, &notFound) != nil || notFound.Response.Status != 404 {
		t.Fatalf("no recorded 404 page: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig := requestSignature(r.Method, r.URL.Path, r.Header, body)
		rec, ok := answers[sig]
		if noListDB && strings.HasPrefix(sig, "POST /xmlrpc/2/db list") {
			rec, ok = denied, true
		}
		if !ok {
			rec = notFound
		}
		for _, h := range rec.Response.Headers {
			switch strings.ToLower(h[0]) {
			case "content-length", "connection", "date", "server":
			default:
				w.Header().Add(h[0], h[1])
			}
		}
		w.WriteHeader(rec.Response.Status)
		io.WriteString(w, rec.Response.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestConnectReplay runs okapi connect against what real Odoo 18 and 19
// answered: the version and path must be that version's, and each failure
// must come with its class and that version's causes, most likely first.
func TestConnectReplay(t *testing.T) {
	for _, version := range []string{"18.0", "19.0"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			v := 18
			db, serverVersion := "anchor18", "18.0-20250702"
			if version == "19.0" {
				v, db, serverVersion = 19, "anchor", "19.0"
			}
			p := okapi.MustProfile(v)
			srv := startReplay(t, version, false)
			hidden := startReplay(t, version, true)
			alice := fakeKey("<KEY_ALICE>")
			secrets := []string{alice, fakeKey("<KEY_BOB>"), fakeKey("<KEY_PORTAL>"), fakeKey("<KEY_ALICE_SCOPED>")}
			header := []string{"✓ Version            Odoo " + serverVersion, "API keys are created at: " + p.Path()}
			expiredFirst := fmt.Sprintf("1. The key has expired: in Odoo %d keys last the duration chosen", v)
			guide := []string{"How to create an API key in Odoo " + fmt.Sprint(v), p.Path(), `"Persistent Key" if you are an administrator`}
			refused := func(name, login, key string) connectCase {
				return connectCase{name: name, db: db, login: login, key: key, code: 7,
					want: append(append(append([]string{}, header...),
						"- Login              cannot be checked from outside",
						"✗ Authentication     refused: Odoo does not accept this login and key",
						"Possible causes, most likely first", expiredFirst,
						"2. The key belongs to another user: a key works only with its owner's login, here "+fmt.Sprintf("%q", login),
						"3. The key was deleted (revoked) in "+p.Path()), guide...),
					notWant: []string{"Okapi"}}
			}
			json2 := "JSON-2 (/json/2) accepts the key too"
			success := []string{"✓ Database           \"" + db + "\" exists", "✓ Login", "✓ Authentication     accepted over XML-RPC (uid"}
			if v >= 19 {
				success = append(success, json2)
			}
			success = append(append(append([]string{}, header...), success...), "! Rights             could not be checked", "OK:")
			cases := []connectCase{
				{name: "good key", db: db, key: alice, code: 0, want: success, notWant: []string{"Okapi", "How to create"}},
				{name: "portal key", db: db, login: "portal1", key: fakeKey("<KEY_PORTAL>"), code: 0, want: []string{"✓ Authentication     accepted over XML-RPC (uid"}},
				refused("wrong key", "alice", strings.Repeat("f", 40)),
				refused("key of another user", "admin", alice),
				refused("scoped key", "alice", fakeKey("<KEY_ALICE_SCOPED>")),
				refused("archived user's key", "bob", fakeKey("<KEY_BOB>")),
				{name: "password instead of the key", db: db, stdin: "alice-pass\n", code: 6,
					want: []string{"✗ Key                this is not an API key", "✓ Authentication     accepted as alice's password", guide[0]}},
				{name: "wrong database, listed", db: "no_such_db", key: alice, code: 5,
					want: append(header, `there is no database "no_such_db" on this server`, fmt.Sprintf("Use one of: %q", db))},
				{name: "trailing newline", db: db, key: alice + "\n\n", code: 6, want: []string{"✗ Key                the key has a trailing newline", "accepted once cleaned"}},
			}
			for _, tc := range cases {
				runConnect(t, srv.URL, secrets, tc)
			}
			runConnect(t, hidden.URL, secrets, connectCase{name: "wrong database, list hidden", db: "no_such_db", key: alice, code: 5,
				want: []string{`✗ Database           there is no database "no_such_db" on this server`, "- Authentication     not checked: the database does not exist"}})
			runConnect(t, hidden.URL, secrets, connectCase{name: "list hidden, good database", db: db, key: alice, code: 0,
				want: []string{`✓ Database           "` + db + `" exists (the server hides its list; the login confirmed it)`}})
		})
	}
}
