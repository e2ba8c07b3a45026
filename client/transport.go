package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/bridge"
	"github.com/okapi-erp/okapi/rpc/jsonrpc"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

// answer is one HTTP exchange's outcome.
type answer struct {
	method, url string
	status      int
	contentType string
	location    string
	body        []byte
}

// exchange sends one request and reads the whole answer, so that the
// connection goes back to the pool.
func (c *Client) exchange(ctx context.Context, method, path string, header http.Header, body []byte) (*answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path), rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > c.cfg.MaxResponseBytes {
		return nil, fmt.Errorf("client: %s %s: the answer is larger than %d bytes", method, req.URL, c.cfg.MaxResponseBytes)
	}
	if v := resp.Header.Get(okapi.KeyExpirationHeader); v != "" {
		if t, err := time.Parse(okapi.KeyExpirationLayout, v); err == nil {
			c.mu.Lock()
			c.keyExpires = t
			c.mu.Unlock()
		}
	}
	return &answer{method: method, url: req.URL.String(), status: resp.StatusCode,
		contentType: resp.Header.Get("Content-Type"), location: resp.Header.Get("Location"), body: b}, nil
}

// unexpected describes an answer that is not the protocol's.
func (c *Client) unexpected(a *answer) *ResponseError {
	e := &ResponseError{Method: a.method, URL: a.url, Status: a.status, ContentType: a.contentType, Location: a.location}
	head := a.body
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	if m := titleRE.FindSubmatch(head); m != nil {
		e.Title = clip(c.scrub(html.UnescapeString(string(m[1]))), 120)
	}
	e.Snippet = clip(c.scrub(string(head)), 200)
	return e
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// clip keeps the start of s, on one line, printable characters only.
func clip(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\uFFFD' }), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// scrub removes the key from a text the server sent back, so that it can
// never reach an error message or a log.
func (c *Client) scrub(s string) string {
	if len(c.cfg.Key) < 4 {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.Key, "<key>")
}

// xmlRPC calls service.method over /xmlrpc/2, where faults carry integer
// codes.
func (c *Client) xmlRPC(ctx context.Context, service, method string, args []any) (any, error) {
	body, err := xmlrpc.AppendCall(nil, method, args...)
	if err != nil {
		return nil, fmt.Errorf("client: %s.%s: %w", service, method, err)
	}
	a, err := c.exchange(ctx, http.MethodPost, "/xmlrpc/2/"+service, http.Header{"Content-Type": {"text/xml"}}, body)
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK {
		return nil, c.unexpected(a)
	}
	v, err := xmlrpc.DecodeResponse(a.body, xmlrpc.DefaultLimits)
	var f *xmlrpc.Fault
	switch {
	case errors.As(err, &f):
		e := fromFault(f.Code, c.scrub(f.String))
		e.Call = service + "." + method
		return nil, e
	case err != nil:
		return nil, c.unexpected(a)
	}
	return v, nil
}

// jsonRPC calls service.method over /jsonrpc.
func (c *Client) jsonRPC(ctx context.Context, service, method string, args []any) (any, error) {
	id := c.ids.Add(1)
	body := []byte(`{"jsonrpc": "2.0", "method": "call", "params": `)
	body, err := jsonrpc.AppendValue(body, okapi.Struct{{Name: "service", Value: service}, {Name: "method", Value: method}, {Name: "args", Value: args}})
	if err != nil {
		return nil, fmt.Errorf("client: %s.%s: %w", service, method, err)
	}
	body = append(append(append(body, `, "id": `...), strconv.FormatInt(id, 10)...), '}')
	a, err := c.exchange(ctx, http.MethodPost, "/jsonrpc", http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK {
		return nil, c.unexpected(a)
	}
	v, err := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	env, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, c.unexpected(a)
	}
	if eo, ok := env["error"].(map[string]any); ok {
		e := c.jsonError(eo)
		e.Call = service + "." + method
		return nil, e
	}
	res, ok := env["result"]
	if !ok {
		return nil, c.unexpected(a)
	}
	return res, nil
}

// jsonError reads a JSON-RPC error object: the exception is in error.data.
func (c *Client) jsonError(eo map[string]any) *Error {
	e := &Error{Protocol: JSONRPC, Code: toInt(eo["code"])}
	e.Message, _ = eo["message"].(string)
	if data, ok := eo["data"].(map[string]any); ok {
		e.Name, _ = data["name"].(string)
		if m, ok := data["message"].(string); ok && m != "" {
			e.Message = m
		}
	}
	e.Message = c.scrub(e.Message)
	e.Kind = classify(e)
	return e
}

// noDatabaseText is in the 404 page Odoo 19 answers on /json/2 when the
// X-Odoo-Database header names no database it serves.
const noDatabaseText = "No database is selected"

// json2 calls model.method with named arguments over /json/2, the key as a
// bearer token.
func (c *Client) json2(ctx context.Context, model, method string, params map[string]any) (any, error) {
	body, err := jsonrpc.AppendValue(nil, params)
	if err != nil {
		return nil, fmt.Errorf("client: %s.%s: %w", model, method, err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"bearer " + c.cfg.Key}}
	if c.cfg.DB != "" {
		h["X-Odoo-Database"] = []string{c.cfg.DB}
	}
	a, err := c.exchange(ctx, http.MethodPost, "/json/2/"+model+"/"+method, h, body)
	if err != nil {
		return nil, err
	}
	call := model + "." + method
	v, jerr := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	if a.status == http.StatusOK && jerr == nil {
		return v, nil
	}
	if e := c.json2Error(v, jerr, a.status, call); e != nil {
		return nil, e
	}
	if a.status == http.StatusNotFound && bytes.Contains(a.body, []byte(noDatabaseText)) {
		return nil, &Error{Kind: KindDatabase, Protocol: JSON2, HTTPStatus: a.status, Call: call,
			Message: fmt.Sprintf("database %q does not exist", c.cfg.DB)}
	}
	return nil, c.unexpected(a)
}

// json2Error reads a JSON-2 error body, {"name", "message", …}, or returns
// nil when the decoded answer is not one.
func (c *Client) json2Error(v any, jerr error, status int, call string) *Error {
	obj, ok := v.(map[string]any)
	if !ok || jerr != nil || obj["name"] == nil {
		return nil
	}
	e := &Error{Protocol: JSON2, HTTPStatus: status, Call: call}
	e.Name, _ = obj["name"].(string)
	e.Message, _ = obj["message"].(string)
	e.Message = c.scrub(e.Message)
	e.Kind = classify(e)
	return e
}

// json2Version reads GET /json/version (Odoo 19+).
func (c *Client) json2Version(ctx context.Context) (any, error) {
	a, err := c.exchange(ctx, http.MethodGet, "/json/version", nil, nil)
	if err != nil {
		return nil, err
	}
	v, err := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	if a.status != http.StatusOK || err != nil {
		return nil, c.unexpected(a)
	}
	return v, nil
}

// fetchDoc reads the signatures an Odoo 19 server publishes for a model
// (bridge.DocPath), with the key as a bearer token. A server without the
// documentation module, or a user who may not read it, has none to give:
// bridge.ErrNotPublished.
func (c *Client) fetchDoc(ctx context.Context, model string) ([]byte, error) {
	h := http.Header{"Authorization": {"bearer " + c.cfg.Key}, "Accept": {"application/json"}}
	if c.cfg.DB != "" {
		h["X-Odoo-Database"] = []string{c.cfg.DB}
	}
	a, err := c.exchange(ctx, http.MethodGet, bridge.DocPath(model), h, nil)
	if err != nil {
		return nil, err
	}
	switch {
	case a.status == http.StatusOK:
		return a.body, nil
	case a.status == http.StatusForbidden || a.status == http.StatusNotFound:
		return nil, bridge.ErrNotPublished
	}
	v, jerr := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	if e := c.json2Error(v, jerr, a.status, "GET "+bridge.DocPath(model)); e != nil {
		return nil, e
	}
	return nil, c.unexpected(a)
}

// HasJSON2 reports whether the server answers JSON-2: a call without a key
// to /json/2 gets JSON-2's own 401 error body, as Odoo 19 answers it. An
// Odoo before 19 answers with a login redirect or a 404 page instead.
func (c *Client) HasJSON2(ctx context.Context) (bool, error) {
	a, err := c.exchange(ctx, http.MethodPost, "/json/2/res.users/context_get", http.Header{"Content-Type": {"application/json"}}, []byte("{}"))
	if err != nil {
		return false, err
	}
	v, jerr := jsonrpc.Decode(a.body, jsonrpc.DefaultLimits)
	e := c.json2Error(v, jerr, a.status, "res.users.context_get")
	return a.status == http.StatusUnauthorized && e != nil, nil
}
