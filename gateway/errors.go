package gateway

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client"
)

// fromClient turns what the client returned into the error the gateway
// answers a tool speaking protocol to: the upstream's own error with its
// exception and message kept (client.OdooError carries it across
// protocols), or EUpstream saying why the upstream could not be used. No
// key is in either: the client never puts one in an error.
func (g *Gateway) fromClient(err error, to client.Protocol) error {
	var ce *client.Error
	if errors.As(err, &ce) {
		e := okapi.AsError(client.OdooError(ce, to))
		if e.Code == okapi.ETooMany && e.RetryAfter == 0 {
			e.RetryAfter = 1
		}
		return e
	}
	if okapi.AsError(err) != nil {
		// The bridge's own refusals (arguments it cannot name).
		return err
	}
	return &okapi.Error{Code: okapi.EUpstream, Message: unreachable(g.cfg.URL, err)}
}

// unreachable says that the upstream at url could not be used, and why.
func unreachable(url string, err error) string {
	return "The upstream Odoo at " + url + " is unreachable: " + why(err) + "."
}

// why words a transport failure for a person.
func why(err error) string {
	var re *client.ResponseError
	switch {
	case errors.As(err, &re):
		s := "it answered HTTP " + strconv.Itoa(re.Status)
		switch {
		case re.Location != "":
			s += ", a redirect to " + re.Location
		case re.Title != "":
			s += ", an HTML page titled \"" + re.Title + "\""
		case re.ContentType != "":
			s += " (" + re.ContentType + ")"
		}
		return s + ", not Odoo's protocol"
	case errors.Is(err, context.DeadlineExceeded):
		return "it did not answer in time (--upstream-timeout)"
	case errors.Is(err, context.Canceled):
		return "the call was cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "its host name does not resolve (" + dnsErr.Name + ")"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "it did not answer in time (--upstream-timeout)"
		}
		err = ue.Err
	}
	msg := err.Error()
	if strings.Contains(msg, "certificate") || strings.Contains(msg, "x509") {
		return "its TLS certificate is not trusted (" + msg + "); give its CA with --upstream-ca"
	}
	return "it answered something that is not Odoo's protocol or broke off (" + msg + ")"
}
