package check

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// urlFinding is what the URL's form says before anything is sent.
type urlFinding struct {
	base     *url.URL // the URL the other steps use
	status   Status
	summary  string
	details  []string
	fix      []string
	stop     bool // nothing sensible to connect to
	slash    bool // the URL ended with a slash (probed later)
	odooHost string
}

// webPaths are the first path segments of Odoo's own pages and endpoints:
// a URL copied from the browser or from an API example. Tools want the
// server's address alone and add the endpoint themselves.
var webPaths = map[string]string{
	"web": "a page of Odoo's web client", "odoo": "a page of Odoo's web client", "my": "a page of the customer portal",
	"shop": "a page of the website", "xmlrpc": "the XML-RPC endpoint", "jsonrpc": "the JSON-RPC endpoint",
	"json": "the JSON-2 endpoint", "doc": "the API documentation page",
}

// analyzeURL reads the URL as a person typed it.
func analyzeURL(raw string) urlFinding {
	f := urlFinding{status: OK}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return urlFinding{status: Fail, stop: true, summary: "no URL given", fix: []string{"Give the server's address, e.g. https://mycompany.odoo.com"}}
	}
	fail := func(summary, fix string) {
		if f.status != Fail {
			f.summary = summary
		} else {
			f.details = append(f.details, summary)
		}
		f.status = Fail
		f.fix = append(f.fix, fix)
	}
	warn := func(detail string) {
		if f.status == OK {
			f.status = Warn
		}
		f.details = append(f.details, detail)
	}
	noScheme := !strings.Contains(raw, "://")
	text := raw
	if noScheme {
		text = "https://" + raw
	}
	u, err := url.Parse(text)
	if err != nil || u.Host == "" {
		return urlFinding{status: Fail, stop: true, summary: fmt.Sprintf("%q is not a URL", raw),
			fix: []string{"Give the server's address, e.g. https://mycompany.odoo.com"}}
	}
	host := strings.ToLower(u.Hostname())
	if noScheme && isLocal(host) {
		u.Scheme = "http"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return urlFinding{status: Fail, stop: true, summary: fmt.Sprintf("the scheme %q is not http or https", u.Scheme),
			fix: []string{fmt.Sprintf("Write https://%s (or http:// for a server on your own network)", u.Host)}}
	}
	if host == "odoo.com" || host == "www.odoo.com" {
		return urlFinding{status: Fail, stop: true, summary: "this is Odoo's own website, not your database",
			fix: []string{"Use your database's address, e.g. https://mycompany.odoo.com"}}
	}
	if strings.HasSuffix(host, ".odoo.com") {
		f.odooHost = strings.TrimSuffix(host, ".odoo.com")
	}
	if noScheme {
		fail("no scheme (http:// or https://)", fmt.Sprintf("Write the URL with its scheme: %s://%s", u.Scheme, u.Host))
	}
	if u.User != nil {
		warn("the URL holds a user name or password, which Odoo does not read: they were left out")
		u.User = nil
	}
	if u.Scheme == "http" && f.odooHost != "" {
		fail("http:// on an Odoo Online / Odoo.sh address, which serves only https://", "Write https://"+u.Host+": the http:// address redirects, and many clients (Python's xmlrpc.client among them) do not follow redirects")
		u.Scheme = "https"
	} else if u.Scheme == "http" && !isLocal(host) {
		warn("http:// sends the key unencrypted over the network: use https:// if the server offers it")
	}
	path := strings.Trim(u.Path, "/")
	if path != "" {
		first, _, _ := strings.Cut(path, "/")
		if what, ok := webPaths[first]; ok {
			fail(fmt.Sprintf("the URL ends with /%s, %s", path, what), fmt.Sprintf("Give the server's address alone: %s://%s (tools add the endpoint themselves)", u.Scheme, u.Host))
			u.Path = ""
		} else {
			warn(fmt.Sprintf("the path /%s is kept as a prefix (a server behind a proxy under that path?)", path))
			u.Path = "/" + path
		}
	} else if strings.HasSuffix(u.Path, "/") {
		f.slash = true
		u.Path = ""
	}
	if u.RawQuery != "" || u.Fragment != "" {
		if u.Path == "" && f.status != Fail {
			warn("the part after ? or # is not used by the external API: it was left out")
		}
		u.RawQuery, u.Fragment = "", ""
	}
	u.RawPath = ""
	f.base = u
	if f.summary == "" {
		f.summary = u.String()
	}
	return f
}

// isLocal reports a host on this machine or a private network, where plain
// http is common and harmless.
func isLocal(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
}
