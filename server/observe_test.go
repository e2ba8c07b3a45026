package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestObservability checks /healthz, /readyz, /metrics (and that no
// credential reaches them), request ids, and that pprof stays closed to
// anyone but a logged-in administrator.
func TestObservability(t *testing.T) {
	opt := storetest.Options(t, "sqlite")
	s := servertest.Start(t, server.Config{DataDir: opt.DataDir, DBName: "acme",
		Version: 19, AdminPassword: "admin", Pprof: true})
	ctx := context.Background()
	u, _ := s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice"})
	key, _, _ := s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.ID, Name: "k"})
	for _, secretText := range []string{key, "wrong-password"} {
		body, _ := xmlrpc.AppendCall(nil, "authenticate", "acme", "alice", secretText, map[string]any{})
		resp, err := http.Post(s.URL()+"/xmlrpc/2/common", "text/xml", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
	}
	if code, _, body := get(t, s.URL()+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, _, body := get(t, s.URL()+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	code, _, metrics := get(t, s.URL()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`okapi_credential_checks_total{outcome="ok",path="authenticate"} 1`,
		`okapi_credential_checks_total{outcome="denied",path="authenticate"} 1`,
		`okapi_http_requests_total{route="xmlrpc",status="200"} 2`,
		`okapi_http_request_duration_seconds_bucket{route="xmlrpc"`,
		`okapi_key_cache_lookups_total{result="miss"}`,
		`okapi_key_cache_entries`,
		`go_sql_open_connections{db_name="readers"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, secretText := range []string{key, key[8:], "wrong-password", "alice"} {
		if strings.Contains(metrics, secretText) {
			t.Errorf("/metrics holds %q", secretText)
		}
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(s.URL() + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("/debug/pprof/ is open to an anonymous client")
	}
}
