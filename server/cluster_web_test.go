package server_test

import (
	"context"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

var (
	clusterCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	clusterForm = regexp.MustCompile(`name="form" value="([^"]+)"`)
	clusterKey  = regexp.MustCompile(`<code id="api-key"[^>]*>([0-9a-f]{40})</code>`)
)

// TestClusterKeyPages makes a key in the web pages through a load balancer
// that sends each request to the next of two nodes, with no stickiness: the
// key is shown in the answer that makes it, the address that answer moves
// to says it was shown on either node, and the form sent again (to the
// other node) makes no second key.
func TestClusterKeyPages(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	secret := hex.EncodeToString(make([]byte, 32))
	nodes := []*url.URL{}
	var aliceID int64
	var first *server.Server
	for i := 0; i < 2; i++ {
		s := startNode(t, dbURL, secret)
		u, _ := url.Parse(s.URL())
		nodes = append(nodes, u)
		if i == 0 {
			alice, err := s.Auth.CreateUser(context.Background(), nil, auth.UserRequest{Login: "alice", Password: "alice-Secret-9"})
			if err != nil {
				t.Fatal(err)
			}
			aliceID, first = alice.ID, s
		}
	}
	var next atomic.Int64
	var served [2]atomic.Int64
	lb := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		i := next.Add(1) % 2
		served[i].Add(1)
		r.SetURL(nodes[i])
		r.Out.Host = r.In.Host
	}})
	t.Cleanup(lb.Close)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, lb.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	token := func(page string) string {
		t.Helper()
		m := clusterCSRF.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token in:\n%s", page)
		}
		return html.UnescapeString(m[1])
	}

	_, page := do("GET", "/web/login", nil)
	if st, _ := do("POST", "/web/login", url.Values{"csrf_token": {token(page)}, "login": {"alice"}, "password": {"alice-Secret-9"}}); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	const prefs = "/odoo/preferences"
	_, page = do("GET", prefs+"?tab=security", nil)
	if st, _ := do("POST", prefs+"/identity", url.Values{"csrf_token": {token(page)}, "do": {"new"}, "password": {"alice-Secret-9"}}); st != http.StatusSeeOther {
		t.Fatalf("identity check: %d", st)
	}
	_, dialog := do("GET", prefs+"/apikeys/new", nil)
	f := clusterForm.FindStringSubmatch(dialog)
	if f == nil {
		t.Fatalf("no New API Key dialog:\n%s", dialog)
	}
	form := url.Values{"csrf_token": {token(dialog)}, "form": {f[1]}, "name": {"through the balancer"}, "duration": {"7"}}
	st, shown := do("POST", prefs+"/apikeys", form)
	m := clusterKey.FindStringSubmatch(shown)
	if st != http.StatusOK || m == nil {
		t.Fatalf("the answer to the form shows no key (status %d):\n%s", st, shown)
	}
	key := m[1]
	for i := 0; i < 2; i++ { // once on each node
		st, again := do("GET", prefs+"/apikeys/ready", nil)
		if st != http.StatusOK || strings.Contains(again, key) || !strings.Contains(again, "already been shown") {
			t.Fatalf("the shown address (try %d): status %d, key shown again or no message", i, st)
		}
	}
	st, resent := do("POST", prefs+"/apikeys", form)
	if st != http.StatusOK || clusterKey.MatchString(resent) || !strings.Contains(resent, "already been shown") {
		t.Fatalf("the form sent again: status %d, or a key, or no message", st)
	}
	if keys, err := first.Auth.Keys(context.Background(), nil, aliceID); err != nil || len(keys) != 1 {
		t.Errorf("alice has %d keys, want 1 (%v)", len(keys), err)
	}
	for i, n := range nodes {
		if code := searchCount(t, n.String(), aliceID, key); code != 0 {
			t.Errorf("node %d refuses the key: fault %d", i, code)
		}
	}
	if served[0].Load() == 0 || served[1].Load() == 0 {
		t.Fatalf("the balancer used one node only: %d / %d", served[0].Load(), served[1].Load())
	}
}

// TestClusterPluginCode trades an e-mail add-in's auth code on node A, then
// replays it on node B: a code works once across the nodes.
func TestClusterPluginCode(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	secret := hex.EncodeToString(make([]byte, 32))
	a := startNode(t, dbURL, secret)
	b := startNode(t, dbURL, secret)
	alice, err := a.Auth.CreateUser(context.Background(), nil, auth.UserRequest{Login: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := a.Auth.IssuePluginCode(alice, auth.PluginScope, "Outlook")
	if err != nil {
		t.Fatal(err)
	}
	trade := func(base string) string {
		t.Helper()
		body := `{"jsonrpc": "2.0", "method": "call", "params": {"auth_code": "` + code + `"}}`
		resp, err := http.Post(base+"/mail_plugin/auth/access_token", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return string(out)
	}
	if got := trade(a.URL()); !strings.Contains(got, `"access_token"`) {
		t.Fatalf("node A did not trade the code: %s", got)
	}
	if got := trade(b.URL()); !strings.Contains(got, `"Invalid code"`) {
		t.Fatalf("node B traded the code again: %s", got)
	}
	if keys, _ := a.Auth.Keys(context.Background(), nil, alice.ID); len(keys) != 1 {
		t.Fatalf("alice has %d keys, want 1", len(keys))
	}
}
