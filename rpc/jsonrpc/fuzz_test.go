package jsonrpc

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/okapi-erp/okapi/internal/codectest"
)

// fuzzLimits are small so that the fuzzer reaches every limit quickly.
var fuzzLimits = Limits{MaxDepth: 12, MaxElements: 500, MaxStringBytes: 1 << 10}

// addSeeds seeds a fuzz target with every recorded JSON body, the syntax
// table and the encoder's test values.
func addSeeds(f *testing.F) {
	for _, prefix := range []string{"jsonrpc_", "json2_", "json_", "web_"} {
		for _, r := range codectest.LoadRecordings(f, prefix) {
			f.Add([]byte(r.Request.Body))
			if len(r.Response.Body) < 8<<10 {
				f.Add([]byte(r.Response.Body))
			}
		}
	}
	for _, c := range syntaxCases {
		f.Add([]byte(c.in))
	}
	for _, v := range pyValues() {
		if b, err := AppendValue(nil, v); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id": [1, {"a": "\ud83d\ude00"}], "params": {"x": -0.0e-0}, "method": "\u0000"}`))
}

// checkError insists on the two documented error types with sane fields.
func checkError(t *testing.T, body []byte, err error) {
	t.Helper()
	var se *SyntaxError
	var le *LimitError
	switch {
	case errors.As(err, &se):
		if se.Line < 1 || se.Column < 1 || se.Offset < 0 || se.Offset > len(body) || se.Msg == "" || strings.ContainsAny(se.Msg, "\n\r") {
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
				if len(k) > lim.MaxStringBytes || !utf8.ValidString(k) {
					t.Fatalf("key of %d bytes got through", len(k))
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

// roundTrip re-encodes v and checks it decodes to an equal value.
func roundTrip(t *testing.T, v any) {
	t.Helper()
	out, err := AppendValue(nil, v)
	if err != nil {
		t.Fatalf("decoded value does not encode: %v", err)
	}
	again, err := Decode(out, fuzzLimits)
	if err != nil {
		t.Fatalf("re-encoded value does not decode: %v\n%s", err, out)
	}
	if !codectest.Equal(again, v) {
		t.Fatalf("round trip changed the value:\n%s\n%s", codectest.Show(v), codectest.Show(again))
	}
}

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := Decode(body, fuzzLimits)
		if err != nil {
			checkError(t, body, err)
			return
		}
		if !utf8.Valid(body) {
			t.Fatal("accepted invalid UTF-8")
		}
		checkLimits(t, v, fuzzLimits)
		roundTrip(t, v)
	})
}

func FuzzDecodeRequest(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRequest(body, fuzzLimits)
		if err != nil {
			checkError(t, body, err)
			return
		}
		// A request is a valid document, and its id is one of its values.
		if _, err := Decode(body, fuzzLimits); err != nil {
			t.Fatalf("DecodeRequest accepted what Decode refuses: %v", err)
		}
		if req.ID != nil {
			id, err := Decode(req.ID, fuzzLimits)
			if err != nil {
				t.Fatalf("id %q is not a JSON value: %v", req.ID, err)
			}
			roundTrip(t, id)
		}
		if req.HasParams != (req.Params != nil) {
			t.Fatalf("HasParams %v with Params %v", req.HasParams, req.Params)
		}
		checkLimits(t, req.Params, fuzzLimits)
		roundTrip(t, req.Params)
		out, err := AppendResult(nil, req.ID, req.Params)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(out, DefaultLimits); err != nil {
			t.Fatalf("AppendResult output does not decode: %v\n%s", err, out)
		}
	})
}
