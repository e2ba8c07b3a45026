package xmlrpc

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc/internal/pyfmt"
)

// The layout below is the one Python's xmlrpc.client marshaller produces,
// which is what Odoo sends and what its clients send: one element per line,
// every value followed by a newline, and Odoo's extra blank line before
// </methodResponse>.
const (
	responseHead = "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n"
	responseTail = "</param>\n</params>\n\n</methodResponse>\n"
	faultHead    = "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"
	faultMiddle  = "</member>\n<member>\n<name>faultString</name>\n<value><string>"
	faultTail    = "</string></value>\n</member>\n</struct></value>\n</fault>\n\n</methodResponse>\n"
	callHead     = "<?xml version='1.0'?>\n<methodCall>\n<methodName>"

	// Python's own xmlrpc.client.dumps, which Odoo up to 17 answers with:
	// a single-quoted declaration and no blank line before the end.
	pyResponseHead = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
	pyResponseTail = "</param>\n</params>\n</methodResponse>\n"
	pyFaultHead    = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"
	pyFaultTail    = "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
)

// Layout is the framing of an answer, which differs between versions of
// Odoo: its own marshaller from 18 (the package's functions), Python's
// xmlrpc.client.dumps up to 17 (the recorded 16.0 and 17.0 answers).
type Layout uint8

const (
	// LayoutOdoo is Odoo 18 and 19's: `<?xml version="1.0"?>` and a blank
	// line before </methodResponse>.
	LayoutOdoo Layout = iota
	// LayoutPython is Python's dumps, Odoo 14–17's: `<?xml
	// version='1.0'?>` and no blank line.
	LayoutPython
)

func (l Layout) frame() (respHead, respTail, fHead, fTail string) {
	if l == LayoutPython {
		return pyResponseHead, pyResponseTail, pyFaultHead, pyFaultTail
	}
	return responseHead, responseTail, faultHead, faultTail
}

// maxEncodeDepth stops a value that contains itself from recursing until
// the stack overflows.
const maxEncodeDepth = 1000

// mode selects how []byte and time.Time are written: Odoo's server sends
// them as strings, while Python's client sends <base64> and
// <dateTime.iso8601>.
type mode uint8

const (
	asServer mode = iota
	asClient
)

// AppendResponse appends the <methodResponse> Odoo would send for v. The
// error reports a value of a Go type the value model does not include; dst
// is then returned unchanged.
func AppendResponse(dst []byte, v any) ([]byte, error) {
	return LayoutOdoo.AppendResponse(dst, v)
}

// AppendResponse is the package's AppendResponse in layout l.
func (l Layout) AppendResponse(dst []byte, v any) ([]byte, error) {
	head, tail, _, _ := l.frame()
	n := len(dst)
	dst = append(dst, head...)
	dst, err := appendValue(dst, v, asServer, 0)
	if err != nil {
		return dst[:n], err
	}
	return append(dst, tail...), nil
}

// AppendFault appends the fault answer Odoo sends for an exception: code is
// an integer on /xmlrpc/2/* and a string on the legacy endpoints.
func AppendFault(dst []byte, code any, message string) []byte {
	return LayoutOdoo.AppendFault(dst, code, message)
}

// AppendFault is the package's AppendFault in layout l.
func (l Layout) AppendFault(dst []byte, code any, message string) []byte {
	_, _, head, tail := l.frame()
	dst = append(dst, head...)
	switch c := code.(type) {
	case string:
		dst = append(dst, "<value><string>"...)
		dst = appendEscaped(dst, c)
		dst = append(dst, "</string></value>\n"...)
	default:
		if i, ok := integer(code); ok {
			dst = append(dst, "<value><int>"...)
			dst = i.append(dst)
			dst = append(dst, "</int></value>\n"...)
			break
		}
		dst = append(dst, "<value><string>"...)
		dst = appendEscaped(dst, fmt.Sprint(code))
		dst = append(dst, "</string></value>\n"...)
	}
	dst = append(dst, faultMiddle...)
	dst = appendEscaped(dst, message)
	return append(dst, tail...)
}

// AppendCall appends the <methodCall> Python's xmlrpc.client would send for
// method(params...). As with that client, []byte goes out as <base64> and
// time.Time as <dateTime.iso8601> (in UTC); Odoo itself expects dates as
// strings, so callers talking to Odoo send strings. The error reports a
// value of a Go type the value model does not include; dst is then returned
// unchanged.
func AppendCall(dst []byte, method string, params ...any) ([]byte, error) {
	n := len(dst)
	dst = append(dst, callHead...)
	dst = appendEscaped(dst, method)
	dst = append(dst, "</methodName>\n<params>\n"...)
	for _, v := range params {
		dst = append(dst, "<param>\n"...)
		var err error
		if dst, err = appendValue(dst, v, asClient, 0); err != nil {
			return dst[:n], err
		}
		dst = append(dst, "</param>\n"...)
	}
	return append(dst, "</params>\n</methodCall>\n"...), nil
}

// appendValue appends one <value>…</value> line.
func appendValue(dst []byte, v any, m mode, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return dst, fmt.Errorf("xmlrpc: value nested deeper than %d levels", maxEncodeDepth)
	}
	switch x := v.(type) {
	case nil:
		// Python's marshaller ends this one value without a newline.
		return append(dst, "<value><nil/></value>"...), nil
	case bool:
		if x {
			return append(dst, "<value><boolean>1</boolean></value>\n"...), nil
		}
		return append(dst, "<value><boolean>0</boolean></value>\n"...), nil
	case string:
		return appendString(dst, x), nil
	case int64:
		return appendInt(dst, x), nil
	case float64:
		dst = append(dst, "<value><double>"...)
		dst = appendFloat(dst, x)
		return append(dst, "</double></value>\n"...), nil
	case []byte:
		if m == asClient {
			return appendBase64(dst, x), nil
		}
		return appendStringBytes(dst, x), nil
	case time.Time:
		if m == asClient {
			dst = append(dst, "<value><dateTime.iso8601>"...)
			dst = x.UTC().AppendFormat(dst, "20060102T15:04:05")
			return append(dst, "</dateTime.iso8601></value>\n"...), nil
		}
		dst = append(dst, "<value><string>"...)
		dst = x.UTC().AppendFormat(dst, "2006-01-02 15:04:05")
		return append(dst, "</string></value>\n"...), nil
	case []any:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			var err error
			if dst, err = appendValue(dst, e, m, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, "</data></array></value>\n"...), nil
	case []int64:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			dst = appendInt(dst, e)
		}
		return append(dst, "</data></array></value>\n"...), nil
	case []string:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			dst = appendString(dst, e)
		}
		return append(dst, "</data></array></value>\n"...), nil
	case okapi.Struct:
		return appendStruct(dst, x, m, depth)
	case []okapi.Struct:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			var err error
			if dst, err = appendStruct(dst, e, m, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, "</data></array></value>\n"...), nil
	case map[string]any:
		return appendMap(dst, x, m, depth)
	case []map[string]any:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			var err error
			if dst, err = appendMap(dst, e, m, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, "</data></array></value>\n"...), nil
	}
	if i, ok := integer(v); ok {
		dst = append(dst, "<value><int>"...)
		dst = i.append(dst)
		return append(dst, "</int></value>\n"...), nil
	}
	return dst, fmt.Errorf("xmlrpc: cannot encode a value of type %T", v)
}

func appendInt(dst []byte, n int64) []byte {
	dst = append(dst, "<value><int>"...)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, "</int></value>\n"...)
}

func appendString(dst []byte, s string) []byte {
	dst = append(dst, "<value><string>"...)
	dst = appendEscaped(dst, s)
	return append(dst, "</string></value>\n"...)
}

func appendStringBytes(dst []byte, b []byte) []byte {
	dst = append(dst, "<value><string>"...)
	dst = appendEscaped(dst, b)
	return append(dst, "</string></value>\n"...)
}

// appendBase64 writes what base64.encodebytes gives Python's client: lines
// of 76 characters, each ended by a newline.
func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, "<value><base64>\n"...)
	for len(b) > 0 {
		n := min(len(b), 57)
		dst = base64.StdEncoding.AppendEncode(dst, b[:n])
		dst = append(dst, '\n')
		b = b[n:]
	}
	return append(dst, "</base64></value>\n"...)
}

func appendStruct(dst []byte, s okapi.Struct, m mode, depth int) ([]byte, error) {
	dst = append(dst, "<value><struct>\n"...)
	for i := range s {
		dst = append(dst, "<member>\n<name>"...)
		dst = appendEscaped(dst, s[i].Name)
		dst = append(dst, "</name>\n"...)
		var err error
		if dst, err = appendValue(dst, s[i].Value, m, depth+1); err != nil {
			return dst, err
		}
		dst = append(dst, "</member>\n"...)
	}
	return append(dst, "</struct></value>\n"...), nil
}

// appendMap writes a map with its keys sorted, so equal maps give equal
// bytes. Small maps sort on the stack.
func appendMap(dst []byte, mp map[string]any, m mode, depth int) ([]byte, error) {
	var small [16]string
	keys := small[:0]
	if len(mp) > len(small) {
		keys = make([]string, 0, len(mp))
	}
	for k := range mp {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, "<value><struct>\n"...)
	for _, k := range keys {
		dst = append(dst, "<member>\n<name>"...)
		dst = appendEscaped(dst, k)
		dst = append(dst, "</name>\n"...)
		var err error
		if dst, err = appendValue(dst, mp[k], m, depth+1); err != nil {
			return dst, err
		}
		dst = append(dst, "</member>\n"...)
	}
	return append(dst, "</struct></value>\n"...), nil
}

// intValue is any Go integer, kept wide enough for uint64.
type intValue struct {
	n   int64
	u   uint64
	big bool // the value is u, above MaxInt64
}

func (i intValue) append(dst []byte) []byte {
	if i.big {
		return strconv.AppendUint(dst, i.u, 10)
	}
	return strconv.AppendInt(dst, i.n, 10)
}

// integer accepts every Go integer kind.
func integer(v any) (intValue, bool) {
	switch x := v.(type) {
	case int:
		return intValue{n: int64(x)}, true
	case int8:
		return intValue{n: int64(x)}, true
	case int16:
		return intValue{n: int64(x)}, true
	case int32:
		return intValue{n: int64(x)}, true
	case int64:
		return intValue{n: x}, true
	case uint:
		return uintValue(uint64(x)), true
	case uint8:
		return intValue{n: int64(x)}, true
	case uint16:
		return intValue{n: int64(x)}, true
	case uint32:
		return intValue{n: int64(x)}, true
	case uint64:
		return uintValue(x), true
	case uintptr:
		return uintValue(uint64(x)), true
	}
	return intValue{}, false
}

func uintValue(u uint64) intValue {
	if u > math.MaxInt64 {
		return intValue{u: u, big: true}
	}
	return intValue{n: int64(u)}
}

// escapeClass marks the bytes appendEscaped must look at: the three XML
// escapes, the control characters Odoo strips (16+) because XML cannot carry
// them, and the start of every multi-byte character, which is validated.
var escapeClass [256]bool

func init() {
	for c := 0; c < 0x20; c++ {
		escapeClass[c] = c != '\t' && c != '\n' && c != '\r'
	}
	escapeClass['&'], escapeClass['<'], escapeClass['>'] = true, true, true
	for c := 0x80; c < 0x100; c++ {
		escapeClass[c] = true
	}
}

// appendEscaped writes s as XML character data the way Odoo does: only &, <
// and > are escaped, and control characters other than tab, LF and CR are
// dropped. Invalid UTF-8 becomes U+FFFD and the non-characters U+FFFE and
// U+FFFF are dropped, since no XML parser would accept them.
func appendEscaped[S string | []byte](dst []byte, s S) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !escapeClass[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			invalid := r == utf8.RuneError && n == 1
			if !invalid && r != 0xFFFE && r != 0xFFFF {
				i += n
				continue
			}
			dst = append(dst, s[start:i]...)
			if invalid {
				dst = append(dst, "\uFFFD"...)
			}
			i += n
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// appendFloat writes f as Python's repr() does, spelling NaN and the
// infinities as this format's Python side does.
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return pyfmt.AppendFloat(dst, f)
}
