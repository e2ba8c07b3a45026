// Package ceiling is the speed ceiling for the Odoo external API on a given
// machine: a plain net/http server that answers the three benchmarked calls
// (XML-RPC authenticate, XML-RPC search_read, JSON-2 search_read) with fixed,
// valid answers shaped like Odoo's, without looking at the request.
//
// No real server can beat it, since it does nothing but HTTP; measuring it
// with the same generator, settings and machine as Odoo or Okapi tells how
// much of a server's time is the API work itself and how close to the
// hardware limit it is. To stay a fair yardstick it uses no tricks beyond
// what any plain Go server does: it reads the whole request body, sets
// Content-Type and Content-Length, and keeps connections alive.
package ceiling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// UID is the uid the ceiling's authenticate answer holds.
const UID = 2

// Records is the number of records in each search_read answer.
const Records = 10

// partner is one res.partner record of the fixed answers.
type partner struct {
	id    int
	name  string
	email string // "" is Odoo's False
}

// partners are the records: Odoo's own first partners plus a few contacts,
// some without an email, as on a fresh database.
var partners = [Records]partner{
	{1, "My Company", ""},
	{3, "Administrator", "admin@example.com"},
	{6, "Alice Anchor", "alice@example.com"},
	{7, "Portal Pete", ""},
	{8, "Bob Anchor", "bob@example.com"},
	{9, "Carol Quay", "carol@example.com"},
	{10, "Dan Harbour", ""},
	{11, "Eve Pier", "eve@example.com"},
	{12, "Frank Wharf", "frank@example.com"},
	{13, "Grace Dock", ""},
}

// The answers, built once, in the exact layout Odoo 19 sends (its XML-RPC
// answers use double quotes in the declaration and an empty line before
// </methodResponse>; JSON-2 answers use Python's json.dumps separators).
var (
	authenticateAnswer = []byte(`<?xml version="1.0"?>
<methodResponse>
<params>
<param>
<value><int>` + strconv.Itoa(UID) + `</int></value>
</param>
</params>

</methodResponse>
`)
	searchReadAnswer = buildXMLRPC()
	json2Answer      = buildJSON2()
)

func buildXMLRPC() []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n")
	for _, p := range partners {
		b.WriteString("<value><struct>\n")
		fmt.Fprintf(&b, "<member>\n<name>id</name>\n<value><int>%d</int></value>\n</member>\n", p.id)
		fmt.Fprintf(&b, "<member>\n<name>name</name>\n<value><string>%s</string></value>\n</member>\n", p.name)
		if p.email == "" {
			b.WriteString("<member>\n<name>email</name>\n<value><boolean>0</boolean></value>\n</member>\n")
		} else {
			fmt.Fprintf(&b, "<member>\n<name>email</name>\n<value><string>%s</string></value>\n</member>\n", p.email)
		}
		b.WriteString("</struct></value>\n")
	}
	b.WriteString("</data></array></value>\n</param>\n</params>\n\n</methodResponse>\n")
	return []byte(b.String())
}

func buildJSON2() []byte {
	var b strings.Builder
	b.WriteString("[")
	for i, p := range partners {
		if i > 0 {
			b.WriteString(", ")
		}
		email := "false"
		if p.email != "" {
			email = strconv.Quote(p.email) // plain ASCII: same as JSON
		}
		fmt.Fprintf(&b, `{"id": %d, "name": %s, "email": %s}`, p.id, strconv.Quote(p.name), email)
	}
	b.WriteString("]")
	return []byte(b.String())
}

// fixed answers every request with body, after reading the request's body
// to the end as a real server must before it can parse the call.
func fixed(contentType string, body []byte) http.HandlerFunc {
	length := strconv.Itoa(len(body))
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return // the client went away
		}
		h := w.Header()
		h["Content-Type"] = []string{contentType}
		h["Content-Length"] = []string{length}
		w.Write(body)
	}
}

// Handler answers POST /xmlrpc/2/common (authenticate: uid UID), POST
// /xmlrpc/2/object (search_read: Records records with id, name and email)
// and POST /json/2/res.partner/search_read (the same records in JSON).
// Other paths get 404, other methods 405.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /xmlrpc/2/common", fixed("text/xml; charset=utf-8", authenticateAnswer))
	mux.Handle("POST /xmlrpc/2/object", fixed("text/xml; charset=utf-8", searchReadAnswer))
	mux.Handle("POST /json/2/res.partner/search_read", fixed("application/json; charset=utf-8", json2Answer))
	return mux
}

// ListenAndServe serves Handler on addr (e.g. "127.0.0.1:0") until ctx ends,
// then shuts down gracefully and returns nil. ready, when not nil, is called
// with the bound address once the server accepts connections.
func ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	return serve(ctx, addr, Handler(), ready)
}

// Proxy is the ceiling of a gateway: a plain reverse proxy (net/http's)
// that forwards every request to target and its answer back, bytes
// unchanged, on pooled keep-alive connections — no decoding, no credential,
// no policy. Measured in front of the same upstream as a gateway, it tells
// what any HTTP hop costs on the machine, and so how close a gateway can
// come to the upstream's own throughput at best.
func Proxy(target *url.URL) http.Handler {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 64
	return &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: t,
	}
}

// ListenAndServeProxy serves Proxy(target) as ListenAndServe serves the
// fixed answers.
func ListenAndServeProxy(ctx context.Context, addr string, target *url.URL, ready func(net.Addr)) error {
	return serve(ctx, addr, Proxy(target), ready)
}

func serve(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
