package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

// progress records how far a request got, to tell "nothing listens" from
// "connected, but nobody answers".
type progress struct {
	connected, answered atomic.Bool
}

func traced(ctx context.Context) (context.Context, *progress) {
	p := &progress{}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				p.connected.Store(true)
			}
		},
		GotFirstResponseByte: func() { p.answered.Store(true) },
	}), p
}

// checkReach asks the server its version over XML-RPC, the one call every
// Odoo answers without credentials.
func (r *runner) checkReach(ctx context.Context) bool {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	ctx, prog := traced(ctx)
	start := time.Now()
	v, err := r.newClient(client.XMLRPC, "").Version(ctx)
	if err == nil {
		r.version = v
		r.set(StepReach, OK, "", fmt.Sprintf("answered in %s", roundMS(time.Since(start))), nil, nil)
		return true
	}
	status, class, summary, fix := r.explainReach(ctx, err, prog)
	r.set(StepReach, status, class, summary, nil, fix)
	return false
}

func roundMS(d time.Duration) string {
	if d < time.Millisecond {
		return "under 1 ms"
	}
	return d.Round(time.Millisecond).String()
}

// explainReach turns a failed first request into its cause.
func (r *runner) explainReach(ctx context.Context, err error, prog *progress) (Status, Class, string, []string) {
	host, hostPort := r.base.Hostname(), hostPort(r.base)
	var dnsErr *net.DNSError
	var re *client.ResponseError
	var ce *client.Error
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &re):
		return r.explainAnswer(ctx, re)
	case errors.As(err, &ce):
		return Fail, ClassNotOdoo, "it answers XML-RPC, but version() failed: " + ce.Error(),
			[]string{"Check that the URL points at Odoo itself"}
	case errors.As(err, &dnsErr):
		fix := []string{"Check the spelling of " + host}
		if strings.HasSuffix(host, ".odoo.com") {
			fix = append(fix, "Odoo Online addresses look like https://mycompany.odoo.com: the part before .odoo.com is chosen when the database is created")
		}
		if dnsErr.IsTimeout {
			return Fail, ClassURL, fmt.Sprintf("the name %s could not be looked up: the DNS server did not answer", host), []string{"Check the network connection and its DNS settings"}
		}
		return Fail, ClassURL, fmt.Sprintf("the name %s does not exist (DNS)", host), fix
	case errors.Is(err, syscall.ECONNREFUSED):
		return Fail, ClassURL, fmt.Sprintf("nothing listens on %s (connection refused)", hostPort),
			[]string{"Check that the server is running and the port is right: Odoo listens on 8069 by default, a web server in front of it on 443 (https) or 80 (http)"}
	case isTimeout(err) && !prog.connected.Load():
		return Fail, ClassURL, fmt.Sprintf("no connection to %s within %s", hostPort, r.cfg.Timeout),
			[]string{"A firewall may drop the connection, or the host or port is wrong; check them, or try a longer --timeout"}
	case isTimeout(err):
		return Fail, ClassURL, fmt.Sprintf("connected to %s, but no answer within %s", hostPort, r.cfg.Timeout),
			[]string{"The server (or a proxy in front of it) accepted the connection and sent nothing: it may be overloaded or stuck, or this port serves something else; try a longer --timeout"}
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return Fail, ClassURL, fmt.Sprintf("%s speaks plain HTTP, not HTTPS", hostPort),
			[]string{"Use " + withScheme(r.base, "http")}
	case errors.As(err, &recordErr):
		return Fail, ClassURL, fmt.Sprintf("%s does not speak TLS (https)", hostPort), []string{"Check the port, or use " + withScheme(r.base, "http")}
	case errors.As(err, &unknownCA):
		return Fail, ClassURL, "the server's certificate is not trusted (self-signed, or from a private authority)",
			[]string{"Install a certificate from a public authority (e.g. Let's Encrypt) on the server, or add its authority to this machine's trusted ones"}
	case errors.As(err, &hostErr):
		return Fail, ClassURL, "the server's certificate is for other names: " + hostErr.Error(),
			[]string{"Use the name the certificate was issued for, or fix the certificate"}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return Fail, ClassURL, "the server's certificate has expired", []string{"Renew the server's certificate"}
	case errors.As(err, &invalid):
		return Fail, ClassURL, "the server's certificate is not valid: " + invalid.Error(), []string{"Fix the server's certificate"}
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		fix := []string{"Check the port and the scheme"}
		if r.base.Scheme == "https" {
			fix = []string{"Check the port, and whether the server really speaks https (try " + withScheme(r.base, "http") + ")"}
		}
		return Fail, ClassURL, fmt.Sprintf("%s closed the connection without answering", hostPort), fix
	}
	var transport *url.Error
	if !errors.As(err, &transport) {
		// The exchange worked; what came back is not Odoo's answer.
		return Fail, ClassNotOdoo, "it answers XML-RPC, but not as Odoo does: " + err.Error(), []string{"Check that the URL points at Odoo"}
	}
	return Fail, ClassURL, "could not reach the server: " + err.Error(), nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}

func withScheme(u *url.URL, scheme string) string {
	c := *u
	c.Scheme = scheme
	return c.String()
}

// explainAnswer says what answered instead of Odoo's XML-RPC.
func (r *runner) explainAnswer(ctx context.Context, re *client.ResponseError) (Status, Class, string, []string) {
	page := ""
	if re.Title != "" {
		page = fmt.Sprintf(" (a page titled %q)", re.Title)
	}
	switch {
	case re.Redirect():
		return r.explainRedirect(re)
	case re.Status == http.StatusBadRequest && strings.Contains(re.Snippet, "HTTPS"):
		return Fail, ClassURL, "the port expects HTTPS, and the URL says http://", []string{"Use " + withScheme(r.base, "https")}
	case re.Status == http.StatusUnauthorized || re.Status == http.StatusProxyAuthRequired:
		return Fail, ClassNotOdoo, fmt.Sprintf("a web server or proxy in front of Odoo asks for its own password (HTTP %d)", re.Status),
			[]string{"Ask the server's administrator to let the external API (/xmlrpc, /jsonrpc, /json/2) through without it"}
	case re.Status == http.StatusForbidden:
		return Fail, ClassNotOdoo, "the external API is blocked here (HTTP 403 on /xmlrpc/2/common)" + page,
			[]string{"Ask the server's administrator whether a firewall or proxy blocks /xmlrpc, /jsonrpc and /json/2"}
	case re.Status == http.StatusBadGateway || re.Status == http.StatusServiceUnavailable || re.Status == http.StatusGatewayTimeout:
		return Fail, ClassURL, fmt.Sprintf("a proxy answers, but the Odoo behind it does not (HTTP %d)", re.Status),
			[]string{"Odoo is stopped, restarting or overloaded: try again later, or tell its administrator"}
	case re.Status == http.StatusNotFound || re.Status == http.StatusMethodNotAllowed:
		if r.odooPages(ctx) {
			return Fail, ClassNotOdoo, fmt.Sprintf("Odoo's web pages answer here, but not its external API (/xmlrpc/2/common: HTTP %d)", re.Status),
				[]string{"A proxy in front of Odoo may block /xmlrpc and /jsonrpc: ask the server's administrator", "Check that the URL has no path after the address"}
		}
		return Fail, ClassNotOdoo, fmt.Sprintf("not an Odoo server: /xmlrpc/2/common does not exist here (HTTP %d)%s", re.Status, page),
			[]string{"Check the address: it should be the one you open Odoo with in a browser, without any path"}
	case re.HTML():
		return Fail, ClassNotOdoo, "it answers with a web page" + page + " instead of Odoo's external API",
			[]string{"This is a website, a parking page, a captive portal (a Wi-Fi sign-in page) or a proxy's login page: check the address, or sign in to the network first"}
	}
	return Fail, ClassNotOdoo, fmt.Sprintf("it answers HTTP %d (%s), not Odoo's XML-RPC", re.Status, orUnknown(re.ContentType)),
		[]string{"Check that the URL points at Odoo"}
}

func orUnknown(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}

func (r *runner) explainRedirect(re *client.ResponseError) (Status, Class, string, []string) {
	loc, err := url.Parse(re.Location)
	if err != nil || re.Location == "" {
		return Fail, ClassNotOdoo, fmt.Sprintf("it redirects (HTTP %d) without saying where", re.Status), nil
	}
	loc = r.base.ResolveReference(loc)
	root := *loc
	root.Path, root.RawQuery, root.Fragment = "", "", ""
	switch {
	case strings.EqualFold(loc.Hostname(), r.base.Hostname()) && r.base.Scheme == "http" && loc.Scheme == "https":
		return Fail, ClassURL, "it redirects to https://", []string{"Use " + withScheme(r.base, "https") + ": many clients (Python's xmlrpc.client among them) do not follow redirects"}
	case strings.EqualFold(loc.Hostname(), r.base.Hostname()):
		return Fail, ClassNotOdoo, fmt.Sprintf("the external API is not served here: /xmlrpc/2/common redirects to %s", loc.Path),
			[]string{"Check the address: it should be the one you open Odoo with in a browser, without any path"}
	}
	return Fail, ClassURL, fmt.Sprintf("it redirects to another address, %s", root.String()),
		[]string{"If " + root.String() + " is your Odoo, use that address",
			"Otherwise this is a captive portal (a Wi-Fi sign-in page) or a single-sign-on proxy: sign in to the network first"}
}

// odooPages reports whether Odoo's login page answers: then Odoo is there
// and only its external API is hidden.
func (r *runner) odooPages(ctx context.Context) bool {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	status, body, err := r.raw(ctx, http.MethodGet, r.base.String()+"/web/login", nil)
	return err == nil && status == http.StatusOK && bytes.Contains(bytes.ToLower(body), []byte("odoo"))
}

// raw sends one request outside the client, for the probes that must send
// exactly what a person's tool would.
func (r *runner) raw(ctx context.Context, method, target string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	hc := r.cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// checkSlash finds out whether the URL's trailing slash breaks the tools that
// append "/xmlrpc/2/common" to it.
func (r *runner) checkSlash(ctx context.Context) {
	if !r.url.slash {
		return
	}
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	call, _ := xmlrpc.AppendCall(nil, "version")
	target := r.base.String() + "//xmlrpc/2/common"
	status, body, err := r.raw(ctx, http.MethodPost, target, call)
	s := r.step(StepURL)
	if err == nil && status == http.StatusOK {
		if _, derr := xmlrpc.DecodeResponse(body, xmlrpc.DefaultLimits); derr == nil {
			if s.Status == OK {
				s.Status = Warn
			}
			s.Details = append(s.Details, "it ends with a slash: this server copes with the doubled slash that tools then send (//xmlrpc/2/common), others do not; leave it out")
			return
		}
	}
	what := "an error"
	switch {
	case err != nil:
		what = "an error (" + err.Error() + ")"
	case status >= 300 && status < 400:
		what = fmt.Sprintf("a redirect (HTTP %d), which many clients (Python's xmlrpc.client among them) do not follow", status)
	default:
		what = fmt.Sprintf("HTTP %d", status)
	}
	msg := "it ends with a slash: tools that add /xmlrpc/2/common then ask for //xmlrpc/2/common, which this server answers with " + what
	if s.Status != Fail {
		s.Summary = msg
	} else {
		s.Details = append(s.Details, msg)
	}
	s.Status, s.Class = Fail, ClassURL
	s.Fix = append(s.Fix, "Write the URL without the final slash: "+r.base.String())
}
