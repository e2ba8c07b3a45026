package ceiling

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, h http.Handler, path, body string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	return rec.Result()
}

// xmlValues decodes an XML-RPC answer far enough to check its shape: it
// must be well-formed and hold one param.
type methodResponse struct {
	Params []struct {
		Value struct {
			Int     string `xml:"int"`
			Structs []struct {
				Members []struct {
					Name  string `xml:"name"`
					Value string `xml:",innerxml"`
				} `xml:"struct>member"`
			} `xml:"array>data>value"`
		} `xml:"value"`
	} `xml:"params>param"`
}

func TestAnswers(t *testing.T) {
	h := Handler()
	cases := []struct {
		path, contentType string
		check             func(t *testing.T, body []byte)
	}{
		{"/xmlrpc/2/common", "text/xml; charset=utf-8", func(t *testing.T, body []byte) {
			var r methodResponse
			if err := xml.Unmarshal(body, &r); err != nil || len(r.Params) != 1 || r.Params[0].Value.Int != strconv.Itoa(UID) {
				t.Errorf("authenticate answer %+v, %v", r, err)
			}
		}},
		{"/xmlrpc/2/object", "text/xml; charset=utf-8", func(t *testing.T, body []byte) {
			var r methodResponse
			if err := xml.Unmarshal(body, &r); err != nil || len(r.Params) != 1 || len(r.Params[0].Value.Structs) != Records {
				t.Fatalf("search_read answer %+v, %v", r, err)
			}
			for _, s := range r.Params[0].Value.Structs {
				var names []string
				for _, m := range s.Members {
					names = append(names, m.Name)
				}
				if strings.Join(names, ",") != "id,name,email" {
					t.Errorf("record fields %v", names)
				}
			}
		}},
		{"/json/2/res.partner/search_read", "application/json; charset=utf-8", func(t *testing.T, body []byte) {
			var rows []map[string]any
			if err := json.Unmarshal(body, &rows); err != nil || len(rows) != Records {
				t.Fatalf("json2 answer %s, %v", body, err)
			}
			for _, r := range rows {
				if _, ok := r["name"]; !ok {
					t.Errorf("no name in %v", r)
				}
				if _, ok := r["email"]; !ok {
					t.Errorf("no email in %v", r)
				}
			}
		}},
	}
	for _, tc := range cases {
		resp := post(t, h, tc.path, "<?xml version='1.0'?><methodCall/>")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.contentType ||
			resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("%s: %d %v", tc.path, resp.StatusCode, resp.Header)
		}
		tc.check(t, body)
	}
	if resp := post(t, h, "/xmlrpc/2/db", ""); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/xmlrpc/2/common", nil))
	if rec.Code != 405 {
		t.Errorf("GET: %d", rec.Code)
	}
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatal(err)
	}

	// Two calls share one connection: the ceiling keeps it alive.
	var reused []bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
	c := &http.Client{Transport: &http.Transport{}}
	for range 2 {
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			http.MethodPost, "http://"+addr.String()+"/json/2/res.partner/search_read", strings.NewReader(`{"limit": 10}`))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Errorf("status %d, close %v", resp.StatusCode, resp.Close)
		}
	}
	if len(reused) != 2 || reused[0] || !reused[1] {
		t.Errorf("connection reuse %v", reused)
	}
	c.CloseIdleConnections()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:0", nil); err == nil {
		t.Error("bad address accepted")
	}
}
