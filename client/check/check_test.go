package check

import (
	"context"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/server"
)

func TestAnalyzeURL(t *testing.T) {
	for _, tc := range []struct {
		in, base string
		status   Status
		stop     bool
		want     string // in the summary, details or fix
	}{
		{in: "https://acme.odoo.com", base: "https://acme.odoo.com", status: OK},
		{in: "  http://127.0.0.1:8069  ", base: "http://127.0.0.1:8069", status: OK},
		{in: "https://acme.odoo.com/", base: "https://acme.odoo.com", status: OK},
		{in: "acme.odoo.com", base: "https://acme.odoo.com", status: Fail, want: "no scheme"},
		{in: "localhost:8069", base: "http://localhost:8069", status: Fail, want: "Write the URL with its scheme: http://localhost:8069"},
		{in: "http://acme.odoo.com", base: "https://acme.odoo.com", status: Fail, want: "serves only https://"},
		{in: "http://erp.example.com", base: "http://erp.example.com", status: Warn, want: "unencrypted"},
		{in: "https://acme.odoo.com/odoo/contacts?debug=1", base: "https://acme.odoo.com", status: Fail, want: "a page of Odoo's web client"},
		{in: "https://acme.odoo.com/web#action=12", base: "https://acme.odoo.com", status: Fail, want: "/web"},
		{in: "https://erp.example.com/xmlrpc/2/common", base: "https://erp.example.com", status: Fail, want: "the XML-RPC endpoint"},
		{in: "https://example.com/erp/", base: "https://example.com/erp", status: Warn, want: "kept as a prefix"},
		{in: "https://user:pw@erp.example.com", base: "https://erp.example.com", status: Warn, want: "user name or password"},
		{in: "https://www.odoo.com", stop: true, status: Fail, want: "Odoo's own website"},
		{in: "ftp://erp.example.com", stop: true, status: Fail, want: `"ftp"`},
		{in: "", stop: true, status: Fail, want: "no URL"},
	} {
		f := analyzeURL(tc.in)
		text := f.summary + " | " + strings.Join(f.details, " | ") + " | " + strings.Join(f.fix, " | ")
		if f.status != tc.status || f.stop != tc.stop || !strings.Contains(text, tc.want) {
			t.Errorf("%q: %s stop=%v %q, want %s stop=%v %q", tc.in, f.status, f.stop, text, tc.status, tc.stop, tc.want)
		}
		if !tc.stop && f.base.String() != tc.base {
			t.Errorf("%q: base %s, want %s", tc.in, f.base, tc.base)
		}
	}
	if f := analyzeURL("https://acme.odoo.com/"); !f.slash || f.odooHost != "acme" {
		t.Errorf("slash %v, odoo host %q", f.slash, f.odooHost)
	}
}

func TestAnalyzeKey(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name, in  string
		status    Status
		candidate string
		keyLike   bool
		want      string
	}{
		{"good", key, OK, key, true, "40 lowercase"},
		{"trailing space", key + " ", Fail, key, true, "a trailing space"},
		{"leading tab", "\t" + key, Fail, key, true, "a leading tab"},
		{"two newlines", key + "\n\n", Fail, key, true, "2 trailing newlines"},
		{"windows line end", key + "\r\n", Fail, key, true, "trailing white space (carriage return, newline)"},
		{"no-break space", key + "\u00a0", Fail, key, true, "non-breaking space"},
		{"zero-width space", "\u200b" + key, Fail, key, true, "zero-width space"},
		{"quotes", `"` + key + `"`, Fail, key, true, "wrapping quotes"},
		{"smart quotes", "“" + key + "”", Fail, key, true, "wrapping quotes"},
		{"bearer", "Bearer " + key, Fail, key, true, `"Bearer"`},
		{"split", key[:20] + "\n" + key[20:], Fail, key, true, "split when copied"},
		{"uppercase", strings.ToUpper(key), Fail, key, true, "uppercase"},
		{"cut short", key[:39], Fail, key[:39], false, "cut short: 39"},
		{"too long", key + "ab", Fail, key + "ab", false, "too long: 42"},
		{"password", "hunter2!", Fail, "hunter2!", false, "is it the password?"},
		{"password with a space", "my pass ", Fail, "my pass ", false, "not an API key"},
		{"empty", "", Fail, "", false, "empty"},
		{"blank", " \n", Fail, "", false, "only white space"},
	} {
		f := analyzeKey(tc.in)
		text := f.summary + " | " + strings.Join(f.fix, " | ")
		if f.status != tc.status || f.candidate != tc.candidate || f.keyLike != tc.keyLike || !strings.Contains(text, tc.want) {
			t.Errorf("%s: %s candidate %q keyLike %v %q; want %s %q %v %q", tc.name, f.status, f.candidate, f.keyLike, text, tc.status, tc.candidate, tc.keyLike, tc.want)
		}
		if tc.in != "" && strings.Contains(text, key[8:]) {
			t.Errorf("%s: the key is in the verdict", tc.name)
		}
	}
}

// TestCauses: each version's causes, most likely first.
func TestCauses(t *testing.T) {
	first := func(v int, f causeFacts) string { return odooCauses(okapi.MustProfile(v), f)[0] }
	if c := first(18, causeFacts{keyLike: true, login: "a"}); !strings.Contains(c, "expired") || !strings.Contains(c, `"Persistent Key"`) {
		t.Errorf("18: first cause %q", c)
	}
	if c := first(17, causeFacts{keyLike: true, login: "a"}); !strings.Contains(c, "another user") {
		t.Errorf("17 has no expiry, first cause %q", c)
	}
	if c := first(19, causeFacts{keyLike: false, login: "a"}); !strings.Contains(c, "two-factor") {
		t.Errorf("a password: first cause %q", c)
	}
	all := func(v int, f causeFacts) string { return strings.Join(odooCauses(okapi.MustProfile(v), f), "\n") }
	if !strings.Contains(all(15, causeFacts{keyLike: true}), "Too many failed logins") || strings.Contains(all(16, causeFacts{keyLike: true}), "Too many failed logins") {
		t.Error("the RPC cooldown applies up to 15 only")
	}
	if !strings.Contains(all(17, causeFacts{keyLike: true, odooOnline: true}), "Custom plan") || strings.Contains(all(17, causeFacts{keyLike: true}), "Custom plan") {
		t.Error("the Odoo Online plan cause belongs to *.odoo.com only")
	}
	if strings.Contains(all(17, causeFacts{keyLike: true, dbKnown: true}), "another database") {
		t.Error("a database seen in the list is not a cause")
	}
	if p := okapi.MustProfile(19); !strings.Contains(all(19, causeFacts{keyLike: true}), p.Path()) {
		t.Error("the causes do not name where keys are revoked")
	}
}

// TestGuideFor: the guide is made of the profile's words.
func TestGuideFor(t *testing.T) {
	for v := 14; v <= 19; v++ {
		p := okapi.MustProfile(v)
		g := GuideFor(p)
		if g.Path != p.Path() || len(g.Steps) != len(p.Steps()) || g.DeveloperMode != p.UI.DevModeRequired || g.KeysExpire != p.KeysExpire {
			t.Errorf("%d: %+v", v, g)
		}
		advice := strings.Join(g.Advice, " ")
		if p.UI.DevModeRequired && !strings.Contains(advice, p.UI.Section) {
			t.Errorf("%d: the developer-mode advice does not name the section: %q", v, advice)
		}
	}
}

// startOkapi runs an Okapi server in process, with alice and her key.
func startOkapi(t *testing.T, version int, cooldown auth.Cooldown) (*server.Server, string, int64) {
	t.Helper()
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Version: version, DBName: "acme",
		AdminPassword: "admin", Cooldown: &cooldown})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	u, err := srv.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-pass", Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := srv.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.ID, Name: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, key, u.ID
}

// TestRunAgainstOkapi runs the whole checker in process, with a cooldown
// after two failures: Okapi checks keys whatever the cooldown, so repeated
// wrong keys are still told apart from a cooldown (the key is unknown, not
// rate-limited), and the right key works at once after them.
func TestRunAgainstOkapi(t *testing.T) {
	ctx := context.Background()
	srv, key, uid := startOkapi(t, 16, auth.Cooldown{After: 2, Duration: time.Minute})
	cfg := Config{URL: srv.URL(), DB: "acme", Login: "alice", Key: key, Timeout: 5 * time.Second}
	if rep := Run(ctx, cfg); !rep.OK() || rep.UID != uid || !rep.Server.Okapi || rep.Server.OdooVersion != 16 {
		t.Fatalf("good key: %+v", rep.Failed())
	}
	wrong := cfg
	wrong.Key = strings.Repeat("0", 40)
	var rep *Report
	for range 4 {
		rep = Run(ctx, wrong)
	}
	if rep.Class() != ClassRefused {
		t.Fatalf("after repeated failures: %s %+v", rep.Class(), rep.Failed())
	}
	if rep := Run(ctx, cfg); !rep.OK() || rep.UID != uid {
		t.Fatalf("the good key after repeated failures: %s %+v", rep.Class(), rep.Failed())
	}
}

// TestProxyDropsAuthorization: a proxy that drops the Authorization header
// breaks JSON-2 only; the checker says so.
func TestProxyDropsAuthorization(t *testing.T) {
	srv, key, _ := startOkapi(t, 19, auth.DefaultCooldown)
	target, _ := url.Parse(srv.URL())
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header.Del("Authorization")
	}})
	defer proxy.Close()
	rep := Run(context.Background(), Config{URL: proxy.URL, DB: "acme", Login: "alice", Key: key, Timeout: 5 * time.Second})
	s := rep.Step(StepAuth)
	if !rep.OK() || s.Status != Warn || !strings.Contains(strings.Join(s.Details, " "), "drop the Authorization header") || len(s.Fix) != 1 {
		t.Fatalf("auth step %+v", s)
	}
}
