package jsonrpc

import (
	"encoding/binary"
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Python's json messages, which Odoo puts verbatim in JSON-2 error bodies.
const (
	msgValue        = "Expecting value"
	msgComma        = "Expecting ',' delimiter"
	msgColon        = "Expecting ':' delimiter"
	msgPropertyName = "Expecting property name enclosed in double quotes"
	msgExtra        = "Extra data"
	msgUnterminated = "Unterminated string starting at"
	msgControl      = "Invalid control character at"
	msgEscape       = "Invalid \\escape"
	msgUEscape      = "Invalid \\uXXXX escape"
	msgBOM          = "Unexpected UTF-8 BOM (decode using utf-8-sig)"
	// Not Python's: it decodes the body before parsing and fails with a
	// UnicodeDecodeError; a SyntaxError keeps the transports' handling simple.
	msgUTF8 = "Invalid UTF-8 byte"
	// Not Python's either: errors in the JSON-RPC envelope.
	msgNotObject   = "Expecting a JSON-RPC request object"
	msgParams      = "params must be a JSON object"
	msgMethod      = "method must be a string"
	msgOutOfRange  = "Number out of range"
	maxNumberBytes = 1 << 10
)

// decoder holds the state of one decode. Its scratch slices are pooled so a
// call allocates only what it returns.
type decoder struct {
	in    []byte
	pos   int
	lim   Limits
	elems int
	depth int
	buf   []byte   // unescaped string, when it cannot alias the input
	stack []any    // values of the arrays and objects being built
	keys  []string // object keys, parallel to the object part of stack
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// maxPooledScratch keeps one huge document from pinning its scratch memory
// in the pool for the life of the process.
const maxPooledScratch = 64 << 10

func getDecoder(body []byte, lim Limits) *decoder {
	d := decoderPool.Get().(*decoder)
	d.in, d.pos, d.lim, d.elems, d.depth = body, 0, lim.Normalized(), 0, 0
	return d
}

func putDecoder(d *decoder) {
	clear(d.stack)
	clear(d.keys)
	d.in, d.stack, d.keys, d.buf = nil, d.stack[:0], d.keys[:0], d.buf[:0]
	if cap(d.buf) > maxPooledScratch || cap(d.stack) > maxPooledScratch/16 || cap(d.keys) > maxPooledScratch/16 {
		return
	}
	decoderPool.Put(d)
}

// Decode parses one JSON document as Python's json.loads does, except that
// NaN and Infinity are refused, numbers beyond float64 are refused, and lone
// surrogate escapes become U+FFFD. Objects become map[string]any (later
// duplicates win), arrays []any, integer literals that fit int64 become
// int64 and other numbers float64. Malformed input gives a *SyntaxError,
// input beyond lim a *LimitError.
func Decode(body []byte, lim Limits) (any, error) {
	d := getDecoder(body, lim)
	defer putDecoder(d)
	v, err := d.document()
	if err != nil {
		return nil, d.explain(err)
	}
	return v, nil
}

// document reads the whole body as one value.
func (d *decoder) document() (any, error) {
	if len(d.in) >= 3 && d.in[0] == 0xEF && d.in[1] == 0xBB && d.in[2] == 0xBF {
		return nil, d.errAt(0, msgBOM)
	}
	d.skipSpace()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	return v, d.end()
}

// end checks that only white space follows the value.
func (d *decoder) end() error {
	d.skipSpace()
	if d.pos != len(d.in) {
		return d.errAt(d.pos, msgExtra)
	}
	return nil
}

// explain gives an invalid UTF-8 body precedence over any other error,
// since Python fails to decode such a body before parsing it.
func (d *decoder) explain(err error) error {
	if _, ok := err.(*SyntaxError); !ok || utf8.Valid(d.in) {
		return err
	}
	i := 0
	for i < len(d.in) {
		r, n := utf8.DecodeRune(d.in[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return d.errAt(i, msgUTF8)
}

// DecodeRequest parses a JSON-RPC 2.0 request envelope. params must be an
// object when present; the id is copied, so the body may be reused once this
// returns. Malformed input gives a *SyntaxError, input beyond lim a
// *LimitError.
func DecodeRequest(body []byte, lim Limits) (Request, error) {
	d := getDecoder(body, lim)
	defer putDecoder(d)
	req, err := d.request()
	if err != nil {
		return Request{}, d.explain(err)
	}
	return req, nil
}

func (d *decoder) request() (Request, error) {
	var req Request
	if len(d.in) >= 3 && d.in[0] == 0xEF && d.in[1] == 0xBB && d.in[2] == 0xBF {
		return req, d.errAt(0, msgBOM)
	}
	d.skipSpace()
	start := d.pos
	if start >= len(d.in) || d.in[start] != '{' {
		// Report a JSON error first, as a server that parses before it
		// looks at the shape would.
		if _, err := d.document(); err != nil {
			return req, err
		}
		return req, d.errAt(start, msgNotObject)
	}
	d.elems++
	if err := d.enter(); err != nil {
		return req, err
	}
	d.pos++
	d.skipSpace()
	if d.pos < len(d.in) && d.in[d.pos] == '}' {
		d.pos++
		return req, d.end()
	}
	// A bad member is reported only once the whole body has parsed, so that
	// a JSON error anywhere comes first.
	badAt, bad := 0, ""
	for {
		key, err := d.key()
		if err != nil {
			return req, err
		}
		at := d.pos
		v, err := d.value()
		if err != nil {
			return req, err
		}
		switch key {
		case "id":
			req.ID = append(RawID{}, d.in[at:d.pos]...)
		case "method":
			if s, ok := v.(string); ok {
				req.Method = s
			} else if bad == "" {
				badAt, bad = at, msgMethod
			}
		case "params":
			if m, ok := v.(map[string]any); ok {
				req.Params, req.HasParams = m, true
			} else if bad == "" {
				badAt, bad = at, msgParams
			}
		}
		more, err := d.next('}')
		if err != nil {
			return req, err
		}
		if !more {
			break
		}
	}
	if err := d.end(); err != nil {
		return req, err
	}
	if bad != "" {
		return req, d.errAt(badAt, bad)
	}
	return req, nil
}

// errAt builds a SyntaxError for the byte offset off, counting lines and
// characters as Python does on the decoded text.
func (d *decoder) errAt(off int, msg string) error {
	line, col, char := 1, 0, 0
	for i := 0; i < off && i < len(d.in); i++ {
		c := d.in[i]
		if c&0xC0 == 0x80 {
			continue // a continuation byte does not start a character
		}
		char++
		col++
		if c == '\n' {
			line, col = line+1, 0
		}
	}
	return &SyntaxError{Msg: msg, Line: line, Column: col + 1, Offset: char}
}

func (d *decoder) skipSpace() {
	i := d.pos
	for i < len(d.in) && jsonSpace[d.in[i]] {
		i++
	}
	d.pos = i
}

var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// value reads the value at d.pos, which is past any white space.
func (d *decoder) value() (any, error) {
	d.elems++
	if d.elems > d.lim.MaxElements {
		return nil, &LimitError{What: "more than " + strconv.Itoa(d.lim.MaxElements) + " values"}
	}
	if d.pos >= len(d.in) {
		return nil, d.errAt(d.pos, msgValue)
	}
	switch c := d.in[d.pos]; c {
	case '"':
		return d.stringValue()
	case '{':
		return d.object()
	case '[':
		return d.array()
	case 't':
		return boxedTrue, d.literal("true")
	case 'f':
		return boxedFalse, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return d.number()
		}
	}
	return nil, d.errAt(d.pos, msgValue)
}

// boxed true and false avoid an allocation per boolean.
var (
	boxedTrue  any = true
	boxedFalse any = false
)

func (d *decoder) literal(word string) error {
	if len(d.in)-d.pos < len(word) || string(d.in[d.pos:d.pos+len(word)]) != word {
		return d.errAt(d.pos, msgValue)
	}
	d.pos += len(word)
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > d.lim.MaxDepth {
		return &LimitError{What: "nesting deeper than " + strconv.Itoa(d.lim.MaxDepth)}
	}
	return nil
}

// next reads the ',' or closing bracket after a member or element and
// reports whether another one follows.
func (d *decoder) next(closing byte) (bool, error) {
	in, i := d.in, d.pos
	for i < len(in) && jsonSpace[in[i]] {
		i++
	}
	if i < len(in) {
		switch in[i] {
		case ',':
			for i++; i < len(in) && jsonSpace[in[i]]; i++ {
			}
			d.pos = i
			return true, nil
		case closing:
			d.pos = i + 1
			return false, nil
		}
	}
	d.pos = i
	return false, d.errAt(i, msgComma)
}

// array reads [ … ] into a slice of exactly its length.
func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++
	d.skipSpace()
	base := len(d.stack)
	if d.pos < len(d.in) && d.in[d.pos] == ']' {
		d.pos++
	} else {
		for {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			d.stack = append(d.stack, v)
			more, err := d.next(']')
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
	}
	d.depth--
	out := make([]any, len(d.stack)-base)
	copy(out, d.stack[base:])
	clear(d.stack[base:])
	d.stack = d.stack[:base]
	return out, nil
}

// object reads { … } into a map sized for its members. Later duplicates
// win, as in Python's dict.
func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++
	d.skipSpace()
	base, kbase := len(d.stack), len(d.keys)
	if d.pos < len(d.in) && d.in[d.pos] == '}' {
		d.pos++
	} else {
		for {
			k, err := d.key()
			if err != nil {
				return nil, err
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			d.keys = append(d.keys, k)
			d.stack = append(d.stack, v)
			more, err := d.next('}')
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
	}
	d.depth--
	m := make(map[string]any, len(d.keys)-kbase)
	for i, k := range d.keys[kbase:] {
		m[k] = d.stack[base+i]
	}
	clear(d.stack[base:])
	clear(d.keys[kbase:])
	d.stack, d.keys = d.stack[:base], d.keys[:kbase]
	return m, nil
}

// key reads `"name" :` and leaves d.pos at the value.
func (d *decoder) key() (string, error) {
	if d.pos >= len(d.in) || d.in[d.pos] != '"' {
		return "", d.errAt(d.pos, msgPropertyName)
	}
	b, err := d.stringBytes()
	if err != nil {
		return "", err
	}
	k := intern(b)
	d.skipSpace()
	if d.pos >= len(d.in) || d.in[d.pos] != ':' {
		return "", d.errAt(d.pos, msgColon)
	}
	d.pos++
	d.skipSpace()
	return k, nil
}

func (d *decoder) stringValue() (any, error) {
	b, err := d.stringBytes()
	if err != nil {
		return nil, err
	}
	return internValue(b), nil
}

// strPlain marks the string bytes that need no closer look.
var strPlain [256]bool

func init() {
	for c := 0x20; c < 0x80; c++ {
		strPlain[c] = c != '"' && c != '\\'
	}
}

// skipPlainWords advances i over whole 8-byte words of string bytes that
// need no closer look: no control character, no byte above 0x7F, no '"' and
// no '\'. It tests a word in a dozen operations instead of eight lookups.
func skipPlainWords(in []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(in)-i >= 8 {
		x := binary.LittleEndian.Uint64(in[i:])
		lt := (x - ones*0x20) &^ x // high bit set where a byte is below 0x20
		q := x ^ (ones * '"')
		bs := x ^ (ones * '\\')
		if (lt|x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			break
		}
		i += 8
	}
	return i
}

// stringBytes reads the string at d.pos ('"') and returns its decoded
// bytes, aliasing the input when there is nothing to unescape and d.buf
// otherwise.
func (d *decoder) stringBytes() ([]byte, error) {
	in := d.in
	open := d.pos
	max := d.lim.MaxStringBytes
	i := open + 1
	start := i
	out := d.buf[:0]
	copied := false
	for {
		for n := 1; i < len(in) && strPlain[in[i]]; n++ {
			i++
			if n%16 == 0 { // a long run: go on a word at a time
				i = skipPlainWords(in, i)
			}
		}
		if i >= len(in) {
			return nil, d.errAt(open, msgUnterminated)
		}
		c := in[i]
		switch {
		case c == '"':
			d.pos = i + 1
			if !copied {
				if i-start > max {
					return nil, d.tooLong()
				}
				return in[start:i], nil
			}
			if len(out)+i-start > max {
				return nil, d.tooLong()
			}
			out = append(out, in[start:i]...)
			d.buf = out
			return out, nil
		case c == '\\':
			if len(out)+i-start > max {
				return nil, d.tooLong()
			}
			out, copied = append(out, in[start:i]...), true
			var err error
			if out, i, err = d.escape(out, i); err != nil {
				return nil, err
			}
			if len(out) > max {
				return nil, d.tooLong()
			}
			start = i
		case c < 0x20:
			return nil, d.errAt(i, msgControl)
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, d.errAt(i, msgUTF8)
			}
			i += n
		}
	}
}

// escape decodes the escape sequence at in[i] ('\\'), appending it to out.
// Lone surrogates become U+FFFD: Python keeps them, but they cannot live in
// valid UTF-8.
func (d *decoder) escape(out []byte, i int) ([]byte, int, error) {
	in := d.in
	if i+1 >= len(in) {
		return nil, 0, d.errAt(d.pos, msgUnterminated)
	}
	var c byte
	switch in[i+1] {
	case '"':
		c = '"'
	case '\\':
		c = '\\'
	case '/':
		c = '/'
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		// Like Python, insist on a character after the four digits: a
		// string cut short there is reported as a bad escape.
		r, ok := hex4(in, i+2)
		if !ok || i+6 >= len(in) {
			return nil, 0, d.errAt(i+1, msgUEscape)
		}
		i += 6
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 && i+1 < len(in) && in[i] == '\\' && in[i+1] == 'u' {
				r2, ok := hex4(in, i+2)
				if !ok || i+6 >= len(in) {
					return nil, 0, d.errAt(i+1, msgUEscape)
				}
				if r2 >= 0xDC00 && r2 <= 0xDFFF {
					return utf8.AppendRune(out, utf16.DecodeRune(r, r2)), i + 6, nil
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(out, r), i, nil
	default:
		return nil, 0, d.errAt(i, msgEscape)
	}
	return append(out, c), i + 2, nil
}

// hex4 reads four hex digits at in[i].
func hex4(in []byte, i int) (rune, bool) {
	if len(in)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range in[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (d *decoder) tooLong() error {
	return &LimitError{What: "string longer than " + strconv.Itoa(d.lim.MaxStringBytes) + " bytes"}
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? as Python's
// scanner does: a fraction or exponent that is not followed by a digit is
// left for the caller to reject as extra data.
func (d *decoder) number() (any, error) {
	in := d.in
	start := d.pos
	i := start
	if in[i] == '-' {
		i++
	}
	if i >= len(in) || in[i] < '0' || in[i] > '9' {
		return nil, d.errAt(start, msgValue)
	}
	if in[i] == '0' {
		i++
	} else {
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
		}
	}
	integral := true
	if i+1 < len(in) && in[i] == '.' && in[i+1] >= '0' && in[i+1] <= '9' {
		integral = false
		for i += 2; i < len(in) && in[i] >= '0' && in[i] <= '9'; i++ {
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		j := i + 1
		if j < len(in) && (in[j] == '+' || in[j] == '-') {
			j++
		}
		if j < len(in) && in[j] >= '0' && in[j] <= '9' {
			integral = false
			for i = j + 1; i < len(in) && in[i] >= '0' && in[i] <= '9'; i++ {
			}
		}
	}
	d.pos = i
	text := in[start:i]
	if integral {
		if n, ok := parseInt(text); ok {
			return n, nil
		}
	}
	if len(text) > maxNumberBytes {
		return nil, d.errAt(start, msgOutOfRange)
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || math.IsInf(f, 0) {
		// The syntax was checked above, so only overflow gets here; Python
		// would return inf, which JSON cannot carry back.
		return nil, d.errAt(start, msgOutOfRange)
	}
	return f, nil
}

// parseInt converts an integer literal that fits int64.
func parseInt(b []byte) (int64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) > 19 { // 19 digits cannot overflow uint64
		return 0, false
	}
	var n uint64
	for _, c := range b {
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return int64(-n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}
