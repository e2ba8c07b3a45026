package jsonrpc

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc/internal/pyfmt"
)

// maxEncodeDepth stops a value that contains itself from recursing until
// the stack overflows.
const maxEncodeDepth = 1000

// AppendValue appends v as Python's json.dumps writes it with its defaults,
// which is what Odoo sends: ", " and ": " separators, every non-ASCII
// character escaped, floats as repr(), NaN and Infinity as Python spells
// them. okapi.Struct keeps its order and maps are written with sorted keys;
// []byte and time.Time ("YYYY-MM-DD HH:MM:SS", UTC) are written as strings,
// as Odoo does. The error reports a value of a Go type the value model does
// not include; dst is then returned unchanged.
func AppendValue(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	dst, err := appendValue(dst, v, 0)
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// AppendResult appends a JSON-RPC success answer,
// {"jsonrpc": "2.0", "id": <id>, "result": <result>}.
func AppendResult(dst []byte, id RawID, result any) ([]byte, error) {
	n := len(dst)
	dst = append(dst, `{"jsonrpc": "2.0", "id": `...)
	dst = appendID(dst, id)
	dst = append(dst, `, "result": `...)
	dst, err := appendValue(dst, result, 0)
	if err != nil {
		return dst[:n], err
	}
	return append(dst, '}'), nil
}

// AppendError appends a JSON-RPC error answer,
// {"jsonrpc": "2.0", "id": …, "error": {"code": …, "message": …, "data": …}}.
// Odoo always sends data; a nil data is written as null.
func AppendError(dst []byte, id RawID, code int, message string, data any) ([]byte, error) {
	n := len(dst)
	dst = append(dst, `{"jsonrpc": "2.0", "id": `...)
	dst = appendID(dst, id)
	dst = append(dst, `, "error": {"code": `...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, `, "message": `...)
	dst = appendString(dst, message)
	dst = append(dst, `, "data": `...)
	dst, err := appendValue(dst, data, 0)
	if err != nil {
		return dst[:n], err
	}
	return append(dst, "}}"...), nil
}

// appendID echoes the request's id; an absent one is null, as in Odoo.
func appendID(dst []byte, id RawID) []byte {
	if len(id) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, id...)
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return dst, fmt.Errorf("jsonrpc: value nested deeper than %d levels", maxEncodeDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return appendString(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return appendFloat(dst, x), nil
	case []byte:
		return appendString(dst, x), nil
	case time.Time:
		dst = append(dst, '"')
		dst = x.UTC().AppendFormat(dst, "2006-01-02 15:04:05")
		return append(dst, '"'), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []int64:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = strconv.AppendInt(dst, e, 10)
		}
		return append(dst, ']'), nil
	case []string:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendString(dst, e)
		}
		return append(dst, ']'), nil
	case okapi.Struct:
		return appendStruct(dst, x, depth)
	case []okapi.Struct:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendStruct(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		return appendMap(dst, x, depth)
	case []map[string]any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendMap(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	if dst, ok := appendInteger(dst, v); ok {
		return dst, nil
	}
	return dst, fmt.Errorf("jsonrpc: cannot encode a value of type %T", v)
}

func appendStruct(dst []byte, s okapi.Struct, depth int) ([]byte, error) {
	dst = append(dst, '{')
	for i := range s {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendString(dst, s[i].Name)
		dst = append(dst, ": "...)
		var err error
		if dst, err = appendValue(dst, s[i].Value, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendMap writes a map with its keys sorted, so equal maps give equal
// bytes. Small maps sort on the stack.
func appendMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	var small [16]string
	keys := small[:0]
	if len(m) > len(small) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendString(dst, k)
		dst = append(dst, ": "...)
		var err error
		if dst, err = appendValue(dst, m[k], depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendInteger writes every Go integer kind.
func appendInteger(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case uintptr:
		return strconv.AppendUint(dst, uint64(x), 10), true
	}
	return dst, false
}

// asciiSafe marks the bytes json.dumps(ensure_ascii=True) writes as they
// are: printable ASCII except '"' and '\'. DEL is escaped, as in Python.
var asciiSafe [256]bool

func init() {
	for c := 0x20; c < 0x7F; c++ {
		asciiSafe[c] = c != '"' && c != '\\'
	}
}

const hexDigits = "0123456789abcdef"

// appendString writes s as json.dumps does with ensure_ascii: short escapes
// for the usual controls, \u00XX for the rest, lower-case \uXXXX (a
// surrogate pair beyond the BMP) for everything outside ASCII. Invalid
// UTF-8 is written as \ufffd, since a Python str cannot hold it.
func appendString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if asciiSafe[c] {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				dst = append(dst, `\"`...)
			case '\\':
				dst = append(dst, `\\`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r > 0xFFFF {
			r1, r2 := surrogates(r)
			dst = appendU(appendU(dst, r1), r2)
		} else {
			dst = appendU(dst, r) // invalid UTF-8 decodes to U+FFFD
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// appendFloat writes f as Python's repr() does, spelling NaN and the
// infinities as this format's Python side does.
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return pyfmt.AppendFloat(dst, f)
}
