package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"time"
)

// This file reads the text of scalar elements the way Python's
// xmlrpc.client and the builtins it calls (int, float, base64) read it.

// msgTooLong is scalar's report of a value beyond MaxStringBytes; the
// caller turns it into a LimitError.
const msgTooLong = "too long"

// scalar converts the text of a scalar element; msg is non-empty when the
// text is not a valid value of that type.
func scalar(typ string, text []byte, maxBytes int) (v any, msg string) {
	switch typ {
	case "string":
		return internValue(text), ""
	case "int", "i4", "i8":
		n, ok := parseInt(text)
		if !ok {
			return nil, "invalid <" + typ + "> value"
		}
		return n, ""
	case "boolean":
		if len(text) == 1 && (text[0] == '0' || text[0] == '1') {
			return text[0] == '1', ""
		}
		return nil, "bad boolean value"
	case "double":
		f, ok := parseDouble(text)
		if !ok {
			return nil, "invalid <double> value"
		}
		return f, ""
	case "dateTime.iso8601":
		tm, ok := parseDateTime(text)
		if !ok {
			return nil, "invalid <dateTime.iso8601> value"
		}
		return tm, ""
	case "base64":
		b, msg := decodeBase64(text, maxBytes)
		if msg != "" {
			return nil, msg
		}
		return b, ""
	}
	// nil and ex:nil
	if !allSpace(text) {
		return nil, "unexpected text in <" + typ + ">"
	}
	return nil, ""
}

// trimSpace drops the white space Python's int() and float() ignore.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// parseInt reads an integer the way Python's int() does (sign, digits,
// single underscores between digits, surrounding white space), limited to
// int64.
func parseInt(b []byte) (int64, bool) {
	b = trimSpace(b)
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	const limit = uint64(math.MaxInt64) + 1
	prevDigit := false
	for _, c := range b {
		if c == '_' {
			if !prevDigit {
				return 0, false
			}
			prevDigit = false
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (limit-uint64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		prevDigit = true
	}
	if !prevDigit || (!neg && n == limit) {
		return 0, false
	}
	if neg {
		return int64(-n), true
	}
	return int64(n), true
}

// parseDouble reads a float the way Python's float() does: decimal
// notation, inf, infinity and nan in any case, underscores between digits;
// hexadecimal is refused even though strconv would take it.
func parseDouble(b []byte) (float64, bool) {
	b = trimSpace(b)
	if len(b) == 0 || len(b) > 1000 {
		return 0, false
	}
	var buf [64]byte
	clean := buf[:0]
	body := b
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if len(body) <= 8 {
		var lower [8]byte
		for i, c := range body {
			lower[i] = c | 0x20
		}
		switch string(lower[:len(body)]) {
		case "inf", "infinity":
			if b[0] == '-' {
				return math.Inf(-1), true
			}
			return math.Inf(1), true
		case "nan":
			return math.NaN(), true
		}
	}
	prevDigit := false
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			prevDigit = true
		case c == '_':
			if !prevDigit || i+1 >= len(b) || b[i+1] < '0' || b[i+1] > '9' {
				return 0, false
			}
			prevDigit = false
			continue
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
			prevDigit = false
		default:
			return 0, false
		}
		clean = append(clean, c)
	}
	f, err := strconv.ParseFloat(string(clean), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true // Python's float() also overflows to inf and underflows to 0
		}
		return 0, false
	}
	return f, true
}

// parseDateTime reads 20260126T14:07:43 or 2026-01-26T14:07:43 (an optional
// trailing Z is tolerated) as a UTC time, refusing impossible dates.
func parseDateTime(b []byte) (time.Time, bool) {
	b = trimSpace(b)
	if len(b) > 0 && b[len(b)-1] == 'Z' {
		b = b[:len(b)-1]
	}
	var y, mo, d []byte
	switch {
	case len(b) == 17 && b[8] == 'T':
		y, mo, d, b = b[0:4], b[4:6], b[6:8], b[9:]
	case len(b) == 19 && b[4] == '-' && b[7] == '-' && b[10] == 'T':
		y, mo, d, b = b[0:4], b[5:7], b[8:10], b[11:]
	default:
		return time.Time{}, false
	}
	if b[2] != ':' || b[5] != ':' {
		return time.Time{}, false
	}
	fields := [6][]byte{y, mo, d, b[0:2], b[3:5], b[6:8]}
	var n [6]int
	for i, f := range fields {
		for _, c := range f {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC)
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] || t.Hour() != n[3] || t.Minute() != n[4] || t.Second() != n[5] {
		return time.Time{}, false
	}
	return t, true
}

// decodeBase64 decodes standard base64, padded or not, with white space
// anywhere (clients wrap lines at 76 characters).
func decodeBase64(text []byte, maxBytes int) ([]byte, string) {
	clean := text
	if bytes.ContainsAny(text, " \t\n\r") {
		clean = make([]byte, 0, len(text))
		for _, c := range text {
			if !isSpace(c) {
				clean = append(clean, c)
			}
		}
	}
	enc := base64.StdEncoding
	if len(clean)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	if enc.DecodedLen(len(clean)) > maxBytes {
		return nil, msgTooLong
	}
	out := make([]byte, enc.DecodedLen(len(clean)))
	n, err := enc.Decode(out, clean)
	if err != nil {
		return nil, "invalid <base64> value"
	}
	return out[:n], ""
}
