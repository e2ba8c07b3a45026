package hardening

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSBehindProxy runs `okapi serve` behind a TLS-terminating proxy, as
// the proxy would reach it: with --trusted-proxy, an answer to a request the
// proxy marks "X-Forwarded-Proto: https" carries HSTS and its cookies are
// Secure, as with --tls-cert; the same request without the header, or with
// it from an address that is not a trusted proxy (127.0.0.5), gets neither.
// With --public-url https://…, every answer gets both.
func TestTLSBehindProxy(t *testing.T) {
	t.Parallel()
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	// look asks the login page (which sets the login form's cookie) and
	// /web/session/authenticate (which sets the session cookie), and
	// reports whether each answer had HSTS and only Secure cookies.
	look := func(t *testing.T, url, ip string, hdr http.Header) (hsts, secure bool) {
		t.Helper()
		login := send(t, http.MethodGet, url+"/web/login", "", ip, nil, hdr)
		body := fmt.Sprintf(`{"jsonrpc": "2.0", "method": "call", "params": {"db": %q, "login": "admin", "password": "Admin-Pass-1"}}`, dbName)
		sess := send(t, http.MethodPost, url+"/web/session/authenticate", "application/json", ip, []byte(body), hdr)
		hsts, secure = true, true
		cookies := 0
		for _, a := range []answer{login, sess} {
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			if a.header.Get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains" {
				hsts = false
			}
			for _, c := range a.header.Values("Set-Cookie") {
				cookies++
				if !strings.Contains(c, "; Secure") {
					secure = false
				}
			}
		}
		if cookies < 2 {
			t.Fatalf("%d cookies set: the check would prove nothing", cookies)
		}
		return hsts, secure
	}

	t.Run("trusted proxy", func(t *testing.T) {
		t.Parallel()
		p := startProcess(t, []string{"OKAPI_ADMIN_PASSWORD=Admin-Pass-1"}, "http", "--data", filepath.Join(t.TempDir(), "data"),
			"--db-name", dbName, "--trusted-proxy", "127.0.0.1")
		if h, s := look(t, p.URL, "", https); !h || !s {
			t.Errorf("through the proxy over https: HSTS %v, Secure cookies %v; want both", h, s)
		}
		if h, s := look(t, p.URL, "", nil); h || s {
			t.Errorf("through the proxy over http: HSTS %v, Secure cookies %v; want neither", h, s)
		}
		if h, s := look(t, p.URL, "127.0.0.5", https); h || s {
			t.Errorf("X-Forwarded-Proto from an untrusted address: HSTS %v, Secure cookies %v; want neither", h, s)
		}
	})
	t.Run("public url", func(t *testing.T) {
		t.Parallel()
		p := startProcess(t, []string{"OKAPI_ADMIN_PASSWORD=Admin-Pass-1"}, "http", "--data", filepath.Join(t.TempDir(), "data"),
			"--db-name", dbName, "--public-url", "https://erp.example.com")
		if h, s := look(t, p.URL, "", nil); !h || !s {
			t.Errorf("with an https --public-url: HSTS %v, Secure cookies %v; want both", h, s)
		}
	})
}
