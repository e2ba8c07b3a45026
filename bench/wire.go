package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
)

// This file holds the wire side of the generator: request bodies built once,
// byte for byte as Python's xmlrpc.client and json.dumps build them (so the
// server under test parses exactly what a real Odoo client sends), and answer
// checks that are cheap enough to run on every response yet strict enough to
// catch a fault, an error body, a wrong row count or a missing field.

// xmlMember is one member of an XML-RPC struct; a slice of them keeps the
// order Python dicts keep.
type xmlMember struct {
	name  string
	value any
}

// xmlrpcCall returns the body xmlrpc.client.dumps(params, method) produces
// (encoding utf-8, allow_none false). Values are string, int, []any and
// []xmlMember, which is all the three benchmarked calls need.
func xmlrpcCall(method string, params ...any) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	b.WriteString(method)
	b.WriteString("</methodName>\n<params>\n")
	for _, p := range params {
		b.WriteString("<param>\n")
		xmlrpcValue(&b, p)
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.Bytes()
}

// xmlEscape is xmlrpc.client.escape: only &, < and > are replaced.
var xmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func xmlrpcValue(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString("<value><string>")
		xmlEscape.WriteString(b, v)
		b.WriteString("</string></value>\n")
	case int:
		b.WriteString("<value><int>")
		b.WriteString(strconv.Itoa(v))
		b.WriteString("</int></value>\n")
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, e := range v {
			xmlrpcValue(b, e)
		}
		b.WriteString("</data></array></value>\n")
	case []xmlMember:
		b.WriteString("<value><struct>\n")
		for _, m := range v {
			b.WriteString("<member>\n<name>")
			xmlEscape.WriteString(b, m.name)
			b.WriteString("</name>\n")
			xmlrpcValue(b, m.value)
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct></value>\n")
	default:
		panic(fmt.Sprintf("bench: no XML-RPC marshalling for %T", v))
	}
}

// authenticateBody is common.authenticate(db, login, key, {}).
func authenticateBody(db, login, key string) []byte {
	return xmlrpcCall("authenticate", db, login, key, []xmlMember{})
}

// searchReadBody is object.execute_kw(db, uid, key, "res.partner",
// "search_read", [[]], {"fields": fields, "limit": limit}).
func searchReadBody(db string, uid int, key string, fields []string, limit int) []byte {
	return searchReadFresh(db, uid, key, fields, limit, 0)
}

// searchReadFresh is searchReadBody whose domain, for n > 0, is
// [["id", "!=", -n]]: every record, as a question never asked before.
func searchReadFresh(db string, uid int, key string, fields []string, limit int, n uint64) []byte {
	fs := make([]any, len(fields))
	for i, f := range fields {
		fs[i] = f
	}
	domain := []any{}
	if n > 0 {
		domain = []any{[]any{"id", "!=", -int(n)}}
	}
	return xmlrpcCall("execute_kw", db, uid, key, "res.partner", "search_read",
		[]any{domain},
		[]xmlMember{{"fields", fs}, {"limit", limit}})
}

// json2Body is json.dumps({"domain": [], "fields": fields, "limit": limit})
// with Python's default separators.
func json2Body(fields []string, limit int) []byte { return json2Fresh(fields, limit, 0) }

// json2Fresh is json2Body whose domain, for n > 0, is [["id", "!=", -n]].
func json2Fresh(fields []string, limit int, n uint64) []byte {
	var b bytes.Buffer
	b.WriteString(`{"domain": [`)
	if n > 0 {
		b.WriteString(`["id", "!=", -`)
		b.WriteString(strconv.FormatUint(n, 10))
		b.WriteString(`]`)
	}
	b.WriteString(`], "fields": [`)
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		q, _ := json.Marshal(f) // a string always marshals
		b.Write(q)
	}
	b.WriteString(`], "limit": `)
	b.WriteString(strconv.Itoa(limit))
	b.WriteString("}")
	return b.Bytes()
}

// ---- XML answers ----

// nameEnd marks the bytes that end a tag name.
var nameEnd = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, '/': true, '>': true}

// nextTag finds the next element tag at or after i. It returns the tag name
// ("/name" for an end tag), whether it closes itself, and the index just
// past its '>'. Declarations and comments are skipped. ok is false at the end
// of the input or on a tag that never closes.
//
// It runs some 400 times per search_read answer, so it is written for
// speed: the text between tags is mostly a newline or nothing, and names are
// a few bytes, so short byte loops beat bytes.IndexByte's call overhead
// (bytes.IndexAny made an earlier version the generator's top cost).
func nextTag(b []byte, i int) (name []byte, selfClosing bool, next int, ok bool) {
	for {
		// The next '<': a few bytes by hand, then the vectorised search for
		// long text.
		j := i
		for lim := min(i+8, len(b)); j < lim && b[j] != '<'; j++ {
		}
		if j == len(b) {
			return nil, false, len(b), false
		}
		if b[j] != '<' {
			k := bytes.IndexByte(b[j:], '<')
			if k < 0 {
				return nil, false, len(b), false
			}
			j += k
		}
		start := j + 1
		k := start
		if k < len(b) && b[k] == '/' {
			k++
		}
		for k < len(b) && !nameEnd[b[k]] {
			k++
		}
		end := k
		if k < len(b) && b[k] != '>' {
			gt := bytes.IndexByte(b[k:], '>')
			if gt < 0 {
				return nil, false, len(b), false
			}
			k += gt
		}
		if k >= len(b) {
			return nil, false, len(b), false
		}
		i = k + 1
		if end == start || b[start] == '?' || b[start] == '!' {
			continue
		}
		return b[start:end], b[k-1] == '/', i, true
	}
}

// textUntil returns the text from i up to the next '<'.
func textUntil(b []byte, i int) []byte {
	j := bytes.IndexByte(b[i:], '<')
	if j < 0 {
		return b[i:]
	}
	return b[i : i+j]
}

var errNotXMLRPC = errors.New("answer is not an XML-RPC methodResponse")

// xmlrpcStart checks that the answer is a methodResponse and returns the
// index just past its <params> tag, or the fault it holds as an error.
func xmlrpcStart(b []byte) (int, error) {
	name, _, i, ok := nextTag(b, 0)
	if !ok || string(name) != "methodResponse" {
		return 0, fmt.Errorf("%w: %s", errNotXMLRPC, snippet(b))
	}
	name, _, i, ok = nextTag(b, i)
	switch {
	case ok && string(name) == "params":
		return i, nil
	case ok && string(name) == "fault":
		return 0, xmlrpcFault(b[i:])
	}
	return 0, fmt.Errorf("%w: %s", errNotXMLRPC, snippet(b))
}

// xmlrpcFault turns the inside of a <fault> element into an error such as
// "XML-RPC fault 3: Access Denied". Of a traceback (fault 1) only the last
// line, which names the exception, is kept.
func xmlrpcFault(b []byte) error {
	code := memberText(b, "faultCode")
	msg := memberText(b, "faultString")
	if lines := strings.Split(strings.TrimSpace(msg), "\n"); len(lines) > 1 {
		msg = strings.TrimSpace(lines[len(lines)-1])
	}
	return fmt.Errorf("XML-RPC fault %s: %s", code, clip(msg, 300))
}

// memberText returns the scalar text of struct member name in b, unescaped.
func memberText(b []byte, name string) string {
	i := bytes.Index(b, []byte("<name>"+name+"</name>"))
	if i < 0 {
		return "?"
	}
	i += len(name) + len("<name></name>")
	// Skip <value> and the type tag (if any) to the text.
	for {
		tag, _, next, ok := nextTag(b, i)
		if !ok {
			return "?"
		}
		if string(tag) == "value" {
			i = next
			if t := textUntil(b, i); len(bytes.TrimSpace(t)) > 0 {
				return html.UnescapeString(string(t)) // untyped value: a string
			}
			continue
		}
		return html.UnescapeString(string(textUntil(b, next)))
	}
}

// parseAuthenticate returns the uid text of an authenticate answer (the
// digits inside <int> or <i4>), or why the answer is not a uid.
func parseAuthenticate(b []byte) ([]byte, error) {
	i, err := xmlrpcStart(b)
	if err != nil {
		return nil, err
	}
	for _, want := range []string{"param", "value"} {
		var name []byte
		var ok bool
		name, _, i, ok = nextTag(b, i)
		if !ok || string(name) != want {
			return nil, fmt.Errorf("%w: %s", errNotXMLRPC, snippet(b))
		}
	}
	name, _, i, ok := nextTag(b, i)
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNotXMLRPC, snippet(b))
	}
	switch string(name) {
	case "int", "i4":
		uid := bytes.TrimSpace(textUntil(b, i))
		if n, err := strconv.Atoi(string(uid)); err != nil || n <= 0 {
			return nil, fmt.Errorf("authenticate returned %q, not a uid", uid)
		}
		return uid, nil
	case "boolean":
		return nil, errors.New("authenticate returned false (wrong database, login or key)")
	}
	return nil, fmt.Errorf("authenticate returned a <%s>, not a uid: %s", name, snippet(b))
}

// countXMLRPCRows checks that an answer is an XML-RPC array of structs each
// holding every one of fields, and returns how many structs it holds. It
// walks the tags once, tracking array/struct nesting, and allocates nothing
// unless the answer is wrong.
func countXMLRPCRows(b []byte, fields []string) (int, error) {
	i, err := xmlrpcStart(b)
	if err != nil {
		return 0, err
	}
	rows, depth := 0, 0
	list := false   // the value is an array
	var seen uint64 // bit f set: fields[f] seen in the current row
	all := uint64(1)<<uint(len(fields)) - 1
	for {
		name, self, next, ok := nextTag(b, i)
		if !ok {
			break
		}
		i = next
		if self {
			continue
		}
		switch string(name) {
		case "array":
			depth++
			if depth == 1 {
				list = true
			}
		case "struct":
			depth++
			switch depth {
			case 1:
				return 0, fmt.Errorf("answer is a struct, not a list of records: %s", snippet(b))
			case 2:
				rows++
				seen = 0
			}
		case "/array":
			depth--
		case "/struct":
			if depth == 2 && seen != all {
				return 0, missingField(rows, fields, seen)
			}
			depth--
		case "name":
			if depth != 2 {
				continue
			}
			n := textUntil(b, i)
			for f, want := range fields {
				if string(n) == want {
					seen |= 1 << uint(f)
				}
			}
		case "/params":
			if depth != 0 {
				return 0, fmt.Errorf("%w (unbalanced arrays/structs)", errNotXMLRPC)
			}
			if !list {
				return 0, fmt.Errorf("answer is not a list of records: %s", snippet(b))
			}
			return rows, nil
		}
		if depth < 0 {
			break
		}
	}
	return 0, fmt.Errorf("%w (truncated or unbalanced): %s", errNotXMLRPC, snippet(b))
}

func missingField(row int, fields []string, seen uint64) error {
	for f, name := range fields {
		if seen&(1<<uint(f)) == 0 {
			return fmt.Errorf("record %d has no field %q", row, name)
		}
	}
	return fmt.Errorf("record %d lacks a field", row)
}

// ---- JSON answers ----

// countJSONRows checks that an answer is a JSON array of objects each holding
// every one of fields, and returns how many objects it holds. Like
// countXMLRPCRows it is a single pass that allocates only on failure; it
// validates structure (brackets, strings, separators), not every literal.
func countJSONRows(b []byte, fields []string) (int, error) {
	s := jsonScanner{b: b}
	s.ws()
	if s.peek() != '[' {
		return 0, jsonNotList(b)
	}
	s.i++
	all := uint64(1)<<uint(len(fields)) - 1
	rows := 0
	s.ws()
	if s.peek() == ']' {
		s.i++
	} else {
		for {
			s.ws()
			if s.peek() != '{' {
				return 0, fmt.Errorf("element %d of the answer is not an object: %s", rows+1, snippet(b))
			}
			s.i++
			rows++
			var seen uint64
			s.ws()
			if s.peek() == '}' {
				s.i++
			} else {
				for {
					s.ws()
					key, ok := s.str()
					if !ok {
						return 0, jsonMalformed(b)
					}
					for f, want := range fields {
						if string(key) == want {
							seen |= 1 << uint(f)
						}
					}
					s.ws()
					if s.peek() != ':' {
						return 0, jsonMalformed(b)
					}
					s.i++
					s.ws()
					if !s.skipValue() {
						return 0, jsonMalformed(b)
					}
					s.ws()
					if c := s.peek(); c == ',' {
						s.i++
						continue
					} else if c == '}' {
						s.i++
						break
					}
					return 0, jsonMalformed(b)
				}
			}
			if seen != all {
				return 0, missingField(rows, fields, seen)
			}
			s.ws()
			if c := s.peek(); c == ',' {
				s.i++
				continue
			} else if c == ']' {
				s.i++
				break
			}
			return 0, jsonMalformed(b)
		}
	}
	s.ws()
	if s.i != len(b) {
		return 0, jsonMalformed(b)
	}
	return rows, nil
}

func jsonMalformed(b []byte) error {
	return fmt.Errorf("answer is not valid JSON: %s", snippet(b))
}

// jsonNotList describes an answer that is not a list: for a JSON-2 error
// object its name and message, otherwise the start of the body.
func jsonNotList(b []byte) error {
	var e struct{ Name, Message string }
	if json.Unmarshal(b, &e) == nil && (e.Name != "" || e.Message != "") {
		return fmt.Errorf("JSON-2 error %s: %s", e.Name, clip(e.Message, 300))
	}
	return fmt.Errorf("answer is not a JSON list: %s", snippet(b))
}

type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// str reads a string and returns its raw contents (escapes left as they
// are; field names never need any).
func (s *jsonScanner) str() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			j++
		case '"':
			s.i = j + 1
			return s.b[start:j], true
		}
	}
	return nil, false
}

// skipValue skips one value of any kind, nested ones included.
func (s *jsonScanner) skipValue() bool {
	switch c := s.peek(); c {
	case '"':
		_, ok := s.str()
		return ok
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, ok := s.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	default:
		// A number, true, false or null: up to the next delimiter.
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return s.i > start
			}
			s.i++
		}
		return s.i > start
	}
}

// ---- error text ----

// snippet is the start of a body, on one line, for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b[:min(len(b), 400)])), " ")
	return clip(s, 200)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
