package hardening

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/rpc/xmlrpc"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// TestBodyLimit sends a body one byte over the limit to every endpoint that
// reads one, with its length declared and chunked (so that the limit cannot
// be dodged by not saying the size): each answer is 413 and says the limit.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	n := startNode(t, "sqlite", nodeOptions{maxBody: limit})
	u := n.addUser("big")
	b := n.browser("")
	loginPage := b.get("/web/login")
	token := csrf(t, loginPage.body)

	// Each body is well-formed up to the limit, so that a server reading
	// it all would act on it.
	pad := strings.Repeat("a", limit)
	xmlBody := []byte(`<?xml version="1.0"?><methodCall><methodName>version</methodName><params><param><value><string>` + pad + `</string></value></param></params></methodCall>`)
	jsonBody := []byte(`{"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": ["` + pad + `"]}}`)
	json2Body := []byte(`{"domain": [["name", "=", "` + pad + `"]]}`)
	formBody := []byte("csrf_token=" + token + "&login=big&password=" + pad)
	bearer := http.Header{"Authorization": {"bearer " + u.key}}
	cases := []struct {
		name, path, ctype string
		body              []byte
		hdr               http.Header
		browser           bool
	}{
		{"XML-RPC", "/xmlrpc/2/common", "text/xml", xmlBody, nil, false},
		{"legacy XML-RPC", "/xmlrpc/common", "text/xml", xmlBody, nil, false},
		{"JSON-RPC", "/jsonrpc", "application/json", jsonBody, nil, false},
		{"session authenticate", "/web/session/authenticate", "application/json", jsonBody, nil, false},
		{"JSON-2", "/json/2/res.partner/search_count", "application/json", json2Body, bearer, false},
		{"key status", "/okapi/1/key-status", "application/json", jsonBody, nil, false},
		{"web login form", "/web/login", "application/x-www-form-urlencoded", formBody, nil, true},
	}
	for _, tc := range cases {
		for _, chunked := range []bool{false, true} {
			name := tc.name + ", length declared"
			if chunked {
				name = tc.name + ", chunked"
			}
			t.Run(name, func(t *testing.T) {
				if len(tc.body) <= limit {
					t.Fatalf("test body of %d bytes is not over the limit", len(tc.body))
				}
				req, err := http.NewRequest(http.MethodPost, n.url+tc.path, bytes.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				if chunked {
					// An unknown length makes the client send chunks.
					req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(tc.body)))
					req.ContentLength = -1
				}
				req.Header.Set("Content-Type", tc.ctype)
				for k, v := range tc.hdr {
					req.Header[k] = v
				}
				var a answer
				if tc.browser {
					a = b.do(req)
				} else {
					resp, err := httpClient.Do(req)
					if err != nil {
						t.Fatalf("no answer: %v", err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					a = answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
				}
				if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "Request body too large: the limit is 64 KiB.") {
					t.Errorf("status %d, body %.200q; want 413 saying the limit", a.status, a.body)
				}
			})
		}
	}
	// Just under the limit is fine.
	ok := send(t, http.MethodPost, n.url+"/xmlrpc/2/common", "text/xml", "", xmlBody[len(xmlBody)-limit:], nil)
	if ok.status == http.StatusRequestEntityTooLarge {
		t.Errorf("a body of exactly the limit was refused")
	}
}

// TestDecoderLimits sends documents that are small on the wire but deep,
// wide, or with huge numbers, to each decoder behind a running server: each
// gets a clean refusal naming the limit, quickly, and the server lives on.
func TestDecoderLimits(t *testing.T) {
	t.Parallel()
	n := startNode(t, "sqlite", nodeOptions{})
	u := n.addUser("deep")

	xmlNest := func(depth int) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><methodCall><methodName>version</methodName><params><param>`)
		for i := 0; i < depth; i++ {
			b.WriteString("<value><array><data>")
		}
		for i := 0; i < depth; i++ {
			b.WriteString("</data></array></value>")
		}
		b.WriteString(`</param></params></methodCall>`)
		return b.Bytes()
	}
	jsonNest := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	wide := "[" + strings.Repeat("0,", 250_000) + "0]"

	xmlCases := []struct {
		name string
		body []byte
		want string
	}{
		{"XML nesting 65", xmlNest(65), "nesting deeper than 64"},
		{"XML nesting 100000", xmlNest(100_000), "nesting deeper than 64"},
		{"XML integer of 40 digits", []byte(`<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value><string>acme</string></value></param>` +
			`<param><value><int>` + strings.Repeat("9", 40) + `</int></value></param></params></methodCall>`), ""},
		{"XML entity expansion", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><methodCall><methodName>version</methodName><params><param><value><string>&b;</string></value></param></params></methodCall>`), ""},
	}
	// A million XML values take more than the default 10 MiB: the body
	// limit stops them first; 250,001 fit, and the decoder's count stops
	// them.
	xmlValues := func(n int) []byte {
		return []byte(`<?xml version="1.0"?><methodCall><methodName>version</methodName><params><param><value><array><data>` +
			strings.Repeat("<value><int>0</int></value>", n) + `</data></array></value></param></params></methodCall>`)
	}
	if a := send(t, http.MethodPost, n.url+"/xmlrpc/2/object", "text/xml", "", xmlValues(1_000_001), nil); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("27 MB of XML: status %d, want 413", a.status)
	}
	xmlCases = append(xmlCases, struct {
		name string
		body []byte
		want string
	}{"XML 250001 values", xmlValues(250_001), "more than 250000 values"})
	for _, tc := range xmlCases {
		start := time.Now()
		a := send(t, http.MethodPost, n.url+"/xmlrpc/2/object", "text/xml", "", tc.body, nil)
		_, err := xmlrpc.DecodeResponse([]byte(a.body), xmlrpc.DefaultLimits)
		f, isFault := err.(*xmlrpc.Fault)
		switch {
		case a.status != http.StatusOK || !isFault:
			t.Errorf("%s: status %d, %v: %.300s", tc.name, a.status, err, a.body)
		case !strings.Contains(f.String, tc.want):
			t.Errorf("%s: fault %q, want it to say %q", tc.name, f.String, tc.want)
		default:
			t.Logf("%s: fault %v: %q (%v)", tc.name, f.Code, f.String, time.Since(start).Round(time.Millisecond))
		}
		checkClean(t, tc.name, a.body)
	}

	jsonCases := []struct {
		name, body, want2 string
	}{
		{"JSON nesting 65", jsonNest(65), "nesting deeper than 64"},
		{"JSON nesting 1000000", jsonNest(1_000_000), "nesting deeper than 64"},
		{"JSON 250001 values", wide, "more than 250000 values"},
		{"JSON number of 400 digits", strings.Repeat("9", 400), "out of range"},
		{"JSON 1e999", "1e999", "out of range"},
	}
	for _, tc := range jsonCases {
		// JSON-RPC: Odoo's plain 400 "Invalid JSON data" for anything that
		// does not decode.
		a := send(t, http.MethodPost, n.url+"/jsonrpc", "application/json", "", []byte(`{"params": {"args": `+tc.body+`}}`), nil)
		if a.status != http.StatusBadRequest || strings.TrimSpace(a.body) != "Invalid JSON data" {
			t.Errorf("%s over JSON-RPC: %d %.300q", tc.name, a.status, a.body)
		}
		// JSON-2: 400 with the decoder's reason.
		a = n.json2("", u.key, "res.partner", "search_count", []byte(`{"domain": `+tc.body+`}`))
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, tc.want2) {
			t.Errorf("%s over JSON-2: %d %.300q, want 400 saying %q", tc.name, a.status, a.body, tc.want2)
		}
		checkClean(t, tc.name, a.body)
	}

	// Huge strings inside the limits are data, not an attack: a 4 MiB
	// value in a domain is compared like any other.
	huge := strings.Repeat("x", 4<<20)
	a := n.json2("", u.key, "res.partner", "search_count", []byte(`{"domain": [["name", "=", "`+huge+`"]]}`))
	if a.status != http.StatusOK || a.body != "0" {
		t.Errorf("a 4 MiB domain value: %d %.200q", a.status, a.body)
	}
	if uid := n.authenticate("", u.login, u.key); uid != u.id {
		t.Fatalf("the server no longer answers after the limit tests: %d", uid)
	}
}

// TestSearchLimitValues tries the limit, offset and count arguments with
// values from the edges, on both databases: each is a result or a clean
// TypeError, never an internal error.
func TestSearchLimitValues(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{version: 17})
			u := n.addUser("pager")
			for _, tc := range []struct {
				kwargs map[string]any
				ok     bool
			}{
				{map[string]any{"limit": int64(1)}, true},
				{map[string]any{"limit": int64(0)}, true},
				{map[string]any{"limit": int64(-1)}, true},
				{map[string]any{"limit": int64(1<<63 - 1)}, true},
				{map[string]any{"offset": int64(1)}, true},
				{map[string]any{"offset": int64(1), "limit": int64(-5)}, true},
				{map[string]any{"offset": int64(1<<63 - 1)}, true},
				{map[string]any{"offset": int64(-1)}, false},
				{map[string]any{"limit": 1e300}, false},
				{map[string]any{"limit": "10; DROP TABLE res_partner"}, false},
				{map[string]any{"limit": []any{int64(1)}}, false},
				{map[string]any{"offset": "1 OR 1=1"}, false},
				{map[string]any{"offset": false, "limit": false}, true},
			} {
				for _, method := range []string{"search", "search_read"} {
					v, f := n.xmlCall("", "object", "execute_kw", dbName, u.id, u.key, "res.partner", method, []any{[]any{}}, tc.kwargs)
					switch {
					case tc.ok && f != nil:
						t.Errorf("%s %v: fault %v", method, tc.kwargs, f)
					case !tc.ok && (f == nil || f.Code != int64(1) || !strings.HasPrefix(f.String, "TypeError: ")):
						t.Errorf("%s %v: %v / fault %v, want a TypeError fault", method, tc.kwargs, v, f)
					}
				}
			}
		})
	}
}

// TestSlowClients holds many connections that send their headers a byte at
// a time (slowloris) and shows the server still answering everyone else at
// once, then that the header timeout (2 s here; 10 s by default) closes them.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	n := startNode(t, "sqlite", nodeOptions{timeouts: server.Timeouts{ReadHeader: 2 * time.Second}})
	addr := strings.TrimPrefix(n.url, "http://")
	var conns []net.Conn
	for i := 0; i < 50; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /xmlrpc/2/common HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 5; i++ {
		start := time.Now()
		if v, f := n.xmlCall("", "common", "version"); f != nil || v == nil {
			t.Fatalf("version during a slowloris: %v %v", v, f)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("an ordinary request took %v while 50 slow clients hold connections", d)
		}
		for _, c := range conns {
			c.Write([]byte("a"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := conns[0]
	start := time.Now()
	for {
		if _, err := c.Write([]byte("a")); err != nil {
			break
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 512)
		if k, err := c.Read(buf); k > 0 || err == io.EOF {
			// 408 or a closed connection: the timeout did its job.
			break
		}
		if time.Since(start) > 6*time.Second {
			t.Fatal("a client sending its headers a byte a second is still connected 6 s after a 2 s header timeout")
		}
	}
	t.Logf("the server gave up on a slow client's headers after %v", time.Since(start).Round(time.Second))
}

// TestGracefulShutdown starts a request whose body arrives slowly, shuts the
// server down meanwhile, and shows the request answered in full while new
// connections are refused. A load balancer polls /readyz all along (under
// the race detector, this is what found readiness read and written without
// synchronisation).
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	n := startNode(t, "sqlite", nodeOptions{})
	u := n.addUser("late")
	body, _ := xmlrpc.AppendCall(nil, "execute_kw", dbName, u.id, u.key, "res.partner", "search_count", []any{[]any{}})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, n.url+"/xmlrpc/2/object", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "text/xml")
	type result struct {
		a   answer
		err error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := httpClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{answer{status: resp.StatusCode, body: string(b)}, err}
	}()
	half := len(body) / 2
	pw.Write(body[:half])
	time.Sleep(200 * time.Millisecond)

	// A load balancer polls readiness while the server stops.
	stopPolling := make(chan struct{})
	var polls sync.WaitGroup
	polls.Add(1)
	go func() {
		defer polls.Done()
		for {
			select {
			case <-stopPolling:
				return
			default:
			}
			if resp, err := http.Get(n.url + "/readyz"); err == nil {
				resp.Body.Close()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- n.s.Shutdown(ctx)
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	default:
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(n.url, "http://"), time.Second); err == nil {
		t.Error("a new connection was accepted during the shutdown")
	}
	pw.Write(body[half:])
	pw.Close()
	r := <-done
	close(stopPolling)
	polls.Wait()
	if r.err != nil {
		t.Fatalf("the in-flight request failed: %v", r.err)
	}
	v, err := xmlrpc.DecodeResponse([]byte(r.a.body), xmlrpc.DefaultLimits)
	if r.a.status != http.StatusOK || err != nil {
		t.Fatalf("the in-flight request: %d %v %s", r.a.status, err, r.a.body)
	}
	if _, ok := v.(int64); !ok {
		t.Fatalf("the in-flight request answered %#v", v)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestQueryShapesBounded sends searches that each compile to a new SQL
// text (an IN list of every length): the server prepares and caches
// statements, and a client making endless new shapes must not make it
// grow without end. Memory is measured between the 600th and the 1,400th
// shape, once any cache has filled; the test runs alone (not in parallel),
// so that the process's memory is the server's.
func TestQueryShapesBounded(t *testing.T) {
	n := startNode(t, "sqlite", nodeOptions{})
	u := n.addUser("shapes")
	shape := func(k int) {
		var b strings.Builder
		b.WriteString(`{"domain": [["id", "in", [0`)
		for i := 1; i < k; i++ {
			b.WriteString(",0")
		}
		b.WriteString(`]]]}`)
		if a := n.json2("", u.key, "res.partner", "search_count", []byte(b.String())); a.status != http.StatusOK {
			t.Fatalf("shape %d: %d %s", k, a.status, a.body)
		}
	}
	for k := 1; k <= 600; k++ {
		shape(k)
	}
	rss0, heap0 := memory()
	for k := 601; k <= 1400; k++ {
		shape(k)
	}
	rss1, heap1 := memory()
	t.Logf("from the 600th to the 1,400th shape: resident memory %d → %d MiB, Go heap %d → %d MiB", rss0>>20, rss1>>20, heap0>>20, heap1>>20)
	if rss1-rss0 > 64<<20 || heap1-heap0 > 32<<20 {
		t.Errorf("800 new query shapes grew the server by %d MiB resident, %d MiB of Go heap: the statement caches are not bounded",
			(rss1-rss0)>>20, (heap1-heap0)>>20)
	}
}

// memory returns the process's resident memory and Go heap in use, after
// a collection.
func memory() (rss, heap int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%d", &rss)
		}
	}
	return rss << 10, int64(ms.HeapInuse)
}
