package xmlrpc

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/okapi-erp/okapi/internal/codectest"
)

// fuzzLimits are small so that the fuzzer reaches every limit quickly.
var fuzzLimits = Limits{MaxDepth: 12, MaxElements: 500, MaxStringBytes: 1 << 10}

// addSeeds seeds a fuzz target with every recorded body, the syntax table
// and a few values of each type.
func addSeeds(f *testing.F, responses bool) {
	for _, r := range codectest.LoadRecordings(f, "xmlrpc_") {
		f.Add([]byte(r.Request.Body))
		if responses {
			f.Add([]byte(r.Response.Body))
		}
	}
	for _, c := range syntaxCases {
		f.Add([]byte(c.body))
	}
	for _, v := range pyValues() {
		if b, err := AppendCall(nil, "m", v); err == nil {
			f.Add(b)
		}
		if responses {
			if b, err := AppendResponse(nil, v); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(wrapValue("<value><array><data><value><i8>-9223372036854775808</i8></value><value><double>-nan</double></value></data></array></value>")))
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"latin-1\"?><methodCall><methodName>\xe9</methodName></methodCall>"))
}

// checkError insists on the two documented error types with sane fields.
func checkError(t *testing.T, err error) {
	t.Helper()
	var se *SyntaxError
	var le *LimitError
	switch {
	case errors.As(err, &se):
		if se.Line < 1 || se.Column < 0 || se.Msg == "" || strings.ContainsAny(se.Msg, "\n\r") || !utf8.ValidString(se.Msg) {
			t.Fatalf("malformed SyntaxError %#v", se)
		}
	case errors.As(err, &le):
	default:
		t.Fatalf("error %v of type %T", err, err)
	}
}

// checkLimits walks a decoded value and fails if it exceeds lim.
func checkLimits(t *testing.T, v any, lim Limits) {
	t.Helper()
	count := 0
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		count++
		switch x := v.(type) {
		case string:
			if len(x) > lim.MaxStringBytes || !utf8.ValidString(x) {
				t.Fatalf("string of %d bytes (valid UTF-8: %v) got through", len(x), utf8.ValidString(x))
			}
		case []byte:
			if len(x) > lim.MaxStringBytes {
				t.Fatalf("base64 of %d bytes got through", len(x))
			}
		case []any:
			if depth+1 > lim.MaxDepth {
				t.Fatalf("nesting %d got through", depth+1)
			}
			for _, e := range x {
				walk(e, depth+1)
			}
		case map[string]any:
			if depth+1 > lim.MaxDepth {
				t.Fatalf("nesting %d got through", depth+1)
			}
			for k, e := range x {
				if len(k) > lim.MaxStringBytes {
					t.Fatalf("name of %d bytes got through", len(k))
				}
				walk(e, depth+1)
			}
		}
	}
	walk(v, 0)
	if count > lim.MaxElements {
		t.Fatalf("%d values got through", count)
	}
}

func FuzzDecodeCall(f *testing.F) {
	addSeeds(f, false)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := DecodeCall(body, fuzzLimits)
		if err != nil {
			checkError(t, err)
			return
		}
		params := anySlice(c.Params)
		checkLimits(t, params, Limits{MaxDepth: fuzzLimits.MaxDepth + 1, MaxElements: fuzzLimits.MaxElements + 1, MaxStringBytes: fuzzLimits.MaxStringBytes})
		out, err := AppendCall(nil, c.Method, c.Params...)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		again, err := DecodeCall(out, fuzzLimits)
		if err != nil {
			t.Fatalf("re-encoded call does not decode: %v\n%q", err, out)
		}
		if again.Method != sanitized(c.Method) || !codectest.Equal(anySlice(again.Params), callView(params)) {
			t.Fatalf("round trip changed the call:\n%q %s\n%q %s", c.Method, codectest.Show(params), again.Method, codectest.Show(again.Params))
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	addSeeds(f, true)
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := DecodeResponse(body, fuzzLimits)
		var fault *Fault
		if errors.As(err, &fault) {
			checkFaultRoundTrip(t, fault)
			return
		}
		if err != nil {
			checkError(t, err)
			return
		}
		checkLimits(t, v, fuzzLimits)
		// Encode as a client does so that []byte and time.Time survive.
		out := []byte(responseHead)
		if out, err = appendValue(out, v, asClient, 0); err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		out = append(out, responseTail...)
		again, err := DecodeResponse(out, fuzzLimits)
		if err != nil {
			t.Fatalf("re-encoded response does not decode: %v\n%q", err, out)
		}
		if !codectest.Equal(again, callView(v)) {
			t.Fatalf("round trip changed the value:\n%s\n%s", codectest.Show(v), codectest.Show(again))
		}
		// The server encoding must at least be readable.
		if out, err = AppendResponse(nil, v); err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeResponse(out, fuzzLimits); err != nil {
			t.Fatalf("AppendResponse output does not decode: %v\n%q", err, out)
		}
	})
}

func checkFaultRoundTrip(t *testing.T, f *Fault) {
	t.Helper()
	switch f.Code.(type) {
	case int64, string:
	default:
		return // a fault code Odoo never sends; AppendFault writes it as a string
	}
	_, err := DecodeResponse(AppendFault(nil, f.Code, f.String), fuzzLimits)
	var again *Fault
	if !errors.As(err, &again) {
		t.Fatalf("re-encoded fault decodes to %v", err)
	}
	wantCode := f.Code
	if s, ok := wantCode.(string); ok {
		wantCode = sanitized(s)
	}
	if !codectest.Equal(again.Code, wantCode) || again.String != sanitized(f.String) {
		t.Fatalf("fault round trip: %#v became %#v", f, again)
	}
}
