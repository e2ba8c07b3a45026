package hardening

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pageHeaders are the headers every page must carry, and what each must
// contain.
var pageHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'",
	"X-Frame-Options":         "DENY",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "same-origin",
}

// checkPageHeaders fails for a missing or weak security header.
func checkPageHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	for name, want := range pageHeaders {
		if got := h.Get(name); !strings.Contains(got, want) {
			t.Errorf("%s: %s is %q, want it to contain %q", what, name, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "*") {
		t.Errorf("%s: CSP allows too much: %q", what, csp)
	}
}

// checkCookies fails for a cookie without HttpOnly and SameSite, or with
// the wrong Secure flag.
func checkCookies(t *testing.T, what string, h http.Header, secure bool) int {
	t.Helper()
	resp := http.Response{Header: h}
	for _, c := range resp.Cookies() {
		if !c.HttpOnly || c.SameSite == http.SameSiteDefaultMode || c.SameSite == http.SameSiteNoneMode || c.Secure != secure {
			t.Errorf("%s: cookie %s: HttpOnly=%v SameSite=%v Secure=%v, want HttpOnly, SameSite Lax or Strict, Secure=%v",
				what, c.Name, c.HttpOnly, c.SameSite, c.Secure, secure)
		}
	}
	return len(resp.Cookies())
}

// TestWebHeaders opens every page, as nobody, a user and an
// administrator, including error pages and redirects, and checks the
// security headers on each and the flags of every cookie set.
func TestWebHeaders(t *testing.T) {
	t.Parallel()
	for _, version := range []int{17, 19} {
		n := startNode(t, "sqlite", nodeOptions{version: version})
		u := n.addUser("viewer")
		home := "/web"
		if version >= 19 {
			home = "/odoo"
		}
		anon, user, admin := n.browser(""), n.browser(""), n.browser("")
		cookies := 0
		// Logging in sets the session cookie: check that answer too.
		for _, b := range []struct {
			b           *browser
			login, pass string
		}{{user, u.login, u.password}, {admin, "admin", "admin"}} {
			a := b.b.tryLogin(b.login, b.pass)
			checkPageHeaders(t, "login POST", a.header)
			cookies += checkCookies(t, "login POST", a.header, false)
		}
		if cookies < 2 {
			t.Errorf("version %d: logging in set %d cookies", version, cookies)
		}
		user.identity(version, u.password)
		pages := []struct {
			b    *browser
			path string
		}{
			{anon, "/"}, {anon, "/web/login"}, {anon, "/web/reset_password"}, {anon, home}, {anon, "/my/security"},
			{anon, home + "/settings/audit"}, {anon, "/web/session/logout"},
			{user, home}, {user, prefs(version)}, {user, prefs(version) + "?tab=security"}, {user, prefs(version) + "/identity?do=new"},
			{user, prefs(version) + "/apikeys/new"}, {user, prefs(version) + "/password"}, {user, "/my"}, {user, "/my/security"},
			{user, home + "/settings"}, {user, home + "/settings/audit"}, {user, prefs(version) + "/apikeys/ready"},
			{user, "/web/session/logout"},
			{admin, home + "/settings"}, {admin, home + "/settings/users"}, {admin, home + "/settings/users/new"}, {admin, home + "/settings/users/2"},
			{admin, home + "/settings/users/999999"}, {admin, home + "/settings/apikeys"}, {admin, home + "/settings/audit"},
		}
		for _, p := range pages {
			a := p.b.get(p.path)
			what := "version " + strconv.Itoa(version) + " GET " + p.path
			checkPageHeaders(t, what, a.header)
			checkCookies(t, what, a.header, false)
			if a.status >= 500 {
				t.Errorf("%s: status %d", what, a.status)
			}
		}
		// A form refused for its CSRF token is a page too.
		a := user.post(prefs(version)+"/apikeys", url.Values{"name": {"x"}})
		checkPageHeaders(t, "POST without a CSRF token", a.header)
		if a.status != http.StatusBadRequest {
			t.Errorf("version %d: a key form without its CSRF token: status %d", version, a.status)
		}
		// The API's answers are not pages, but are not to be framed or
		// sniffed either.
		for _, a := range []answer{
			send(t, http.MethodPost, n.url+"/xmlrpc/2/common", "text/xml", "", []byte(`<methodCall><methodName>version</methodName></methodCall>`), nil),
			send(t, http.MethodGet, n.url+"/web/static/nope.css", "", "", nil, nil),
			send(t, http.MethodGet, n.url+"/nope", "", "", nil, nil),
		} {
			if a.header.Get("X-Content-Type-Options") != "nosniff" || a.header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("an API answer lacks nosniff or X-Frame-Options: %v", a.header)
			}
		}
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "okapi test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS runs `okapi serve --tls-cert --tls-key` with a self-signed
// certificate: it speaks HTTPS only (TLS 1.2 or later), sends HSTS, and its
// cookies are Secure; the API works over it.
func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	p := startProcess(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, "https", "--data", filepath.Join(dir, "data"), "--odoo-version", "19",
		"--db-name", dbName, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.Contains(p.Output(), "listening on https://") {
		t.Fatalf("the server does not say it listens on HTTPS:\n%s", p.Output())
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b := &browser{t: t, base: p.URL, http: client}

	form := b.get("/web/login")
	checkPageHeaders(t, "login page over TLS", form.header)
	hsts := form.header.Get("Strict-Transport-Security")
	m := regexp.MustCompile(`max-age=(\d+)`).FindStringSubmatch(hsts)
	if m == nil {
		t.Fatalf("no HSTS over TLS: %q", hsts)
	}
	if age, _ := strconv.Atoi(m[1]); age < 180*24*3600 {
		t.Errorf("HSTS max-age %d is under six months", age)
	}
	if checkCookies(t, "login page over TLS", form.header, true) == 0 {
		t.Error("the login page set no cookie")
	}
	login := b.post("/web/login", url.Values{"csrf_token": {csrf(t, form.body)}, "login": {"admin"}, "password": {"admin"}})
	if login.status != http.StatusSeeOther || checkCookies(t, "login over TLS", login.header, true) == 0 {
		t.Fatalf("login over TLS: %d %v", login.status, login.header)
	}
	if a := b.get("/odoo/settings/audit"); a.status != http.StatusOK || a.header.Get("Strict-Transport-Security") == "" {
		t.Errorf("a page over TLS: %d, HSTS %q", a.status, a.header.Get("Strict-Transport-Security"))
	}
	resp, err := client.Post(p.URL+"/xmlrpc/2/common", "text/xml", strings.NewReader(`<methodCall><methodName>version</methodName></methodCall>`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "server_version") || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("XML-RPC over TLS: %s, HSTS %q", body, resp.Header.Get("Strict-Transport-Security"))
	}

	// Plain HTTP on the same port is not served.
	plain := &http.Client{Timeout: 5 * time.Second}
	if r, err := plain.Get("http://" + strings.TrimPrefix(p.URL, "https://") + "/web/login"); err == nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode == http.StatusOK || strings.Contains(string(b), "csrf_token") {
			t.Errorf("plain HTTP got the login page: %d", r.StatusCode)
		}
	}
	// Nor is TLS older than 1.2.
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}}}
	if r, err := old.Get(p.URL + "/web/login"); err == nil {
		r.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}
}
