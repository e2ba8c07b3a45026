package server_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// werkzeug404 is the body real Odoo 16.0 and 17.0 (the 16.0-20240216 and
// 17.0-20240709 nightlies, asked by hand with curl) answered to GET
// /web/static/nothing.js and to GET /nothing, with status 404 and
// "text/html; charset=utf-8".
const werkzeug404 = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n" +
	"<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n"

// TestMissingStaticFile: a file under /web/static/ that is not there is
// answered as any path the version does not serve — werkzeug's 404 page,
// Odoo 18's login redirect — never Go's plain "404 page not found".
func TestMissingStaticFile(t *testing.T) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, url string) (int, string, string) {
		t.Helper()
		resp, err := noRedirect.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	for v := 14; v <= 19; v++ {
		t.Run(strconv.Itoa(v), func(t *testing.T) {
			opt := storetest.Options(t, "sqlite")
			s := servertest.Start(t, server.Config{DataDir: opt.DataDir, DBName: "acme", Version: v, AdminPassword: "admin"})
			status, ctype, body := get(t, s.URL()+"/web/static/nothing.js")
			us, uc, ub := get(t, s.URL()+"/nothing")
			if status != us || ctype != uc || (v != 18 && body != ub) {
				t.Fatalf("a missing static file: %d %q %q; an unknown path: %d %q %q", status, ctype, body, us, uc, ub)
			}
			if v == 18 {
				if status != http.StatusSeeOther || !strings.Contains(body, "/web/login?redirect=%2Fweb%2Fstatic%2Fnothing.js") {
					t.Fatalf("Odoo 18: status %d, want its login redirect", status)
				}
				return
			}
			if status != http.StatusNotFound || ctype != "text/html; charset=utf-8" || body != werkzeug404 {
				t.Fatalf("status %d, %q, body %q; want werkzeug's 404 page", status, ctype, body)
			}
			// A file that is there is still served.
			if st, ct, _ := get(t, s.URL()+"/web/static/okapi.css"); st != http.StatusOK || !strings.HasPrefix(ct, "text/css") {
				t.Fatalf("okapi.css: %d %q", st, ct)
			}
		})
	}
}
