package jsonrpc

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/internal/codectest"
)

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{`true`, true},
		{`false`, false},
		{` 0 `, int64(0)},
		{`-0`, int64(0)},
		{`42`, int64(42)},
		{`-42`, int64(-42)},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, 9223372036854775808.0},
		{`12345678901234567890123`, 1.2345678901234568e22},
		{`1.0`, 1.0},
		{`-0.0`, math.Copysign(0, -1)},
		{`1.5e3`, 1500.0},
		{`1E5`, 100000.0},
		{`1e-5`, 1e-5},
		{`2.5E+2`, 250.0},
		{`""`, ""},
		{`"abc"`, "abc"},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{`"\u00e9\u00E9"`, "éé"},
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud800"`, "\uFFFD"},
		{`"\udc00x"`, "\uFFFDx"},
		{`"\ud800\u0041"`, "\uFFFDA"},
		{`"\ud800\ud800\udc00"`, "\uFFFD𐀀"},
		{`"\u0000"`, "\x00"},
		{"\"h\u00e9llo \U0001F600 \x7f\"", "héllo 😀 \x7f"},
		{`[]`, []any{}},
		{`[ 1 , "a" , [ ] ]`, []any{int64(1), "a", []any{}}},
		{`{}`, map[string]any{}},
		{"{\n\t\"a\" : 1 ,\r\n \"b\":[null]}", map[string]any{"a": int64(1), "b": []any{nil}}},
		{`{"a": 1, "a": 2}`, map[string]any{"a": int64(2)}},
		{`{"": ""}`, map[string]any{"": ""}},
		{`{"\u00e9": {"x": {}}}`, map[string]any{"é": map[string]any{"x": map[string]any{}}}},
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.in), DefaultLimits)
		if err != nil {
			t.Errorf("Decode(%q): %v", tt.in, err)
			continue
		}
		if !codectest.Equal(got, tt.want) {
			t.Errorf("Decode(%q) = %s, want %s", tt.in, codectest.Show(got), codectest.Show(tt.want))
		}
	}
}

// syntaxCases are documents every conforming decoder must refuse. python
// marks the ones whose message json.loads gives identically; the others are
// refused on purpose where Python would have accepted them.
var syntaxCases = []struct {
	in, want string
	python   bool
}{
	{``, "Expecting value: line 1 column 1 (char 0)", true},
	{`  `, "Expecting value: line 1 column 3 (char 2)", true},
	{`{"limit": `, "Expecting value: line 1 column 11 (char 10)", true},
	{`[1 2]`, "Expecting ',' delimiter: line 1 column 4 (char 3)", true},
	{`[1`, "Expecting ',' delimiter: line 1 column 3 (char 2)", true},
	{`[[[]]`, "Expecting ',' delimiter: line 1 column 6 (char 5)", true},
	{"[1,\n 2 x]", "Expecting ',' delimiter: line 2 column 4 (char 7)", true},
	{`{"a" 1}`, "Expecting ':' delimiter: line 1 column 6 (char 5)", true},
	{`{"a"`, "Expecting ':' delimiter: line 1 column 5 (char 4)", true},
	{`{"a":1 "b":2}`, "Expecting ',' delimiter: line 1 column 8 (char 7)", true},
	{`{"a":1,}`, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)", true},
	{`{"a":1,`, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)", true},
	{`{1:2}`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", true},
	{`{'a':1}`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", true},
	{`{`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", true},
	{`[1,]`, "Expecting value: line 1 column 4 (char 3)", true},
	{`[`, "Expecting value: line 1 column 2 (char 1)", true},
	{`[-]`, "Expecting value: line 1 column 2 (char 1)", true},
	{"[\n\n  x]", "Expecting value: line 3 column 3 (char 5)", true},
	{`[1] x`, "Extra data: line 1 column 5 (char 4)", true},
	{`{"a":1}{"b":2}`, "Extra data: line 1 column 8 (char 7)", true},
	{`01`, "Extra data: line 1 column 2 (char 1)", true},
	{`1.`, "Extra data: line 1 column 2 (char 1)", true},
	{`1.e3`, "Extra data: line 1 column 2 (char 1)", true},
	{`1e`, "Extra data: line 1 column 2 (char 1)", true},
	{`true1`, "Extra data: line 1 column 5 (char 4)", true},
	{`"éé" x`, "Extra data: line 1 column 6 (char 5)", true},
	{`.5`, "Expecting value: line 1 column 1 (char 0)", true},
	{`-`, "Expecting value: line 1 column 1 (char 0)", true},
	{`tru`, "Expecting value: line 1 column 1 (char 0)", true},
	{`nul`, "Expecting value: line 1 column 1 (char 0)", true},
	{`"abc`, "Unterminated string starting at: line 1 column 1 (char 0)", true},
	{`["a", "b`, "Unterminated string starting at: line 1 column 7 (char 6)", true},
	{`"\`, "Unterminated string starting at: line 1 column 1 (char 0)", true},
	{`"\ud800\"`, "Unterminated string starting at: line 1 column 1 (char 0)", true},
	{"\"a\x01\"", "Invalid control character at: line 1 column 3 (char 2)", true},
	{"\"a\nb\"", "Invalid control character at: line 1 column 3 (char 2)", true},
	{`"\x"`, "Invalid \\escape: line 1 column 2 (char 1)", true},
	{`"\ud800\x"`, "Invalid \\escape: line 1 column 8 (char 7)", true},
	{`"\u12"`, "Invalid \\uXXXX escape: line 1 column 3 (char 2)", true},
	{`"\u12zz"`, "Invalid \\uXXXX escape: line 1 column 3 (char 2)", true},
	{`"\u`, "Invalid \\uXXXX escape: line 1 column 3 (char 2)", true},
	{`"\u00e9`, "Invalid \\uXXXX escape: line 1 column 3 (char 2)", true},
	{`"\ud800\u12zz"`, "Invalid \\uXXXX escape: line 1 column 9 (char 8)", true},
	{`"\ud800\udc00`, "Invalid \\uXXXX escape: line 1 column 9 (char 8)", true},
	{"\ufeff[1]", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)", false},
	// Refused on purpose, where Python would have accepted them.
	{`NaN`, "Expecting value: line 1 column 1 (char 0)", false},
	{`[Infinity]`, "Expecting value: line 1 column 2 (char 1)", false},
	{`-Infinity`, "Expecting value: line 1 column 1 (char 0)", false},
	{`1e400`, "Number out of range: line 1 column 1 (char 0)", false},
	{`[-1e400]`, "Number out of range: line 1 column 2 (char 1)", false},
	{"\"\xff\"", "Invalid UTF-8 byte: line 1 column 2 (char 1)", false},
	{"[1 \xff]", "Invalid UTF-8 byte: line 1 column 4 (char 3)", false},
	{"[1, 2] \xc3", "Invalid UTF-8 byte: line 1 column 8 (char 7)", false},
	{"\"\xed\xa0\x80\"", "Invalid UTF-8 byte: line 1 column 2 (char 1)", false},
}

func TestDecodeSyntaxErrors(t *testing.T) {
	for _, tt := range syntaxCases {
		_, err := Decode([]byte(tt.in), DefaultLimits)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q): error = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Error() != tt.want {
			t.Errorf("Decode(%q): error = %q, want %q", tt.in, se.Error(), tt.want)
		}
	}
}

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name, in  string
		id        RawID
		method    string
		params    map[string]any
		hasParams bool
		err       string
	}{
		{"full", `{"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}, "id": 1}`,
			RawID("1"), "call", map[string]any{"service": "common", "method": "version", "args": []any{}}, true, ""},
		{"no id", `{"jsonrpc": "2.0", "method": "call", "params": {}}`, nil, "call", map[string]any{}, true, ""},
		{"null id", `{"params": {}, "id": null}`, RawID("null"), "", map[string]any{}, true, ""},
		{"string id kept as sent", `{"id": "a\u00e9b", "params": {}}`, RawID(`"a\u00e9b"`), "", map[string]any{}, true, ""},
		{"float id kept as sent", `{"id": 1.50, "params": {}}`, RawID(`1.50`), "", map[string]any{}, true, ""},
		{"object id", `{"id": {"b": [1, 2]}}`, RawID(`{"b": [1, 2]}`), "", nil, false, ""},
		{"no params", `{"jsonrpc": "2.0", "method": "call", "id": 7}`, RawID("7"), "call", nil, false, ""},
		{"empty object", ` { } `, nil, "", nil, false, ""},
		{"unknown members ignored", `{"x": [1, {"y": null}], "id": 2, "params": {"a": 1}}`, RawID("2"), "", map[string]any{"a": int64(1)}, true, ""},
		{"last duplicate wins", `{"id": 1, "id": 2, "params": {"a": 1}, "params": {"b": 2}}`, RawID("2"), "", map[string]any{"b": int64(2)}, true, ""},
		{"params must be an object", `{"params": [1, 2], "id": 1}`, nil, "", nil, false, "params must be a JSON object: line 1 column 12 (char 11)"},
		{"null params", `{"params": null}`, nil, "", nil, false, "params must be a JSON object: line 1 column 12 (char 11)"},
		{"method must be a string", `{"method": 5}`, nil, "", nil, false, "method must be a string: line 1 column 12 (char 11)"},
		{"array body", `[1, 2]`, nil, "", nil, false, "Expecting a JSON-RPC request object: line 1 column 1 (char 0)"},
		{"string body", `  "x"`, nil, "", nil, false, "Expecting a JSON-RPC request object: line 1 column 3 (char 2)"},
		{"syntax error first", `[1, 2`, nil, "", nil, false, "Expecting ',' delimiter: line 1 column 6 (char 5)"},
		{"syntax error inside", `{"id": 1, "params": {"a": }}`, nil, "", nil, false, "Expecting value: line 1 column 27 (char 26)"},
		{"extra data", `{"id": 1} {}`, nil, "", nil, false, "Extra data: line 1 column 11 (char 10)"},
		{"JSON error before shape error", `{"params": [], "id": }`, nil, "", nil, false, "Expecting value: line 1 column 22 (char 21)"},
		{"first shape error wins", `{"params": [], "method": 1}`, nil, "", nil, false, "params must be a JSON object: line 1 column 12 (char 11)"},
		{"empty body", ``, nil, "", nil, false, "Expecting value: line 1 column 1 (char 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(tt.in), DefaultLimits)
			if tt.err != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(req.ID) != string(tt.id) || (req.ID == nil) != (tt.id == nil) {
				t.Errorf("ID = %q, want %q", req.ID, tt.id)
			}
			if req.Method != tt.method || req.HasParams != tt.hasParams {
				t.Errorf("Method, HasParams = %q, %v", req.Method, req.HasParams)
			}
			if (req.Params == nil) != (tt.params == nil) || tt.params != nil && !codectest.Equal(req.Params, tt.params) {
				t.Errorf("Params = %s, want %s", codectest.Show(req.Params), codectest.Show(tt.params))
			}
		})
	}
}

// TestDecodeRequestCopiesID lets the server reuse its body buffer.
func TestDecodeRequestCopiesID(t *testing.T) {
	body := []byte(`{"id": 12345, "params": {}}`)
	req, err := DecodeRequest(body, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x'
	}
	if string(req.ID) != "12345" {
		t.Errorf("ID changed with the body: %q", req.ID)
	}
}

func TestLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name, in string
		lim      Limits
		ok       bool
	}{
		{"depth at limit", nest(64), Limits{}, true},
		{"depth beyond limit", nest(65), Limits{}, false},
		{"objects count", `{"a": {"b": {}}}`, Limits{MaxDepth: 2}, false},
		{"deep and malformed", nest(100000)[:100000], Limits{}, false},
		{"elements at limit", "[" + strings.Repeat("1,", 8) + "1]", Limits{MaxElements: 10}, true},
		{"elements beyond limit", "[" + strings.Repeat("1,", 9) + "1]", Limits{MaxElements: 10}, false},
		{"string at limit", `"` + strings.Repeat("a", 8) + `"`, Limits{MaxStringBytes: 8}, true},
		{"string beyond limit", `"` + strings.Repeat("a", 9) + `"`, Limits{MaxStringBytes: 8}, false},
		{"decoded size counts", `"` + strings.Repeat(`\n`, 8) + `"`, Limits{MaxStringBytes: 8}, true},
		{"escapes beyond limit", `"` + strings.Repeat(`\u00e9`, 5) + `"`, Limits{MaxStringBytes: 8}, false},
		{"key beyond limit", `{"` + strings.Repeat("a", 9) + `": 1}`, Limits{MaxStringBytes: 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in), tt.lim)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want a *LimitError", err)
			}
		})
	}
}

// TestLimitBeforeAllocation refuses strings far beyond the limit without
// allocating anything near their size.
func TestLimitBeforeAllocation(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 8<<20), `\n` + strings.Repeat("a", 8<<20)} {
		body := []byte(`{"a": "` + s + `"}`)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(body, Limits{MaxStringBytes: 1 << 20})
		runtime.ReadMemStats(&after)
		var le *LimitError
		if !errors.As(err, &le) {
			t.Fatalf("error = %v, want a *LimitError", err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
			t.Errorf("allocated %d bytes refusing an 8 MiB string", n)
		}
	}
}

func TestAppendValue(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, `null`},
		{"true", true, `true`},
		{"false", false, `false`},
		{"int", 5, `5`},
		{"int64", int64(-5), `-5`},
		{"uint64", uint64(math.MaxUint64), `18446744073709551615`},
		{"int8", int8(-8), `-8`},
		{"float integral", 1.0, `1.0`},
		{"float", 0.1, `0.1`},
		{"float big", 1e16, `1e+16`},
		{"float small", 1e-5, `1e-05`},
		{"negative zero", math.Copysign(0, -1), `-0.0`},
		{"NaN", math.NaN(), `NaN`},
		{"Infinity", math.Inf(1), `Infinity`},
		{"-Infinity", math.Inf(-1), `-Infinity`},
		{"string", "plain", `"plain"`},
		{"escapes", "\"\\/\b\f\n\r\t", `"\"\\/\b\f\n\r\t"`},
		{"controls", "\x00\x1f\x7f", `"\u0000\u001f\u007f"`},
		{"ensure_ascii", "héllo €", `"h\u00e9llo \u20ac"`},
		{"surrogate pair", "😀", `"\ud83d\ude00"`},
		{"invalid UTF-8", "a\xffb", `"a\ufffdb"`},
		{"bytes", []byte("a\"b"), `"a\"b"`},
		{"time", time.Date(2026, 11, 26, 15, 8, 13, 0, time.FixedZone("CET", 3600)), `"2026-11-26 14:08:13"`},
		{"empty array", []any{}, `[]`},
		{"array", []any{int64(1), "a", nil}, `[1, "a", null]`},
		{"[]int64", []int64{1, 2}, `[1, 2]`},
		{"[]string", []string{"a", "b"}, `["a", "b"]`},
		{"empty struct", okapi.Struct{}, `{}`},
		{"struct in order", okapi.Struct{{Name: "z", Value: 1}, {Name: "a", Value: []any{}}}, `{"z": 1, "a": []}`},
		{"map sorted", map[string]any{"b": 2, "a": 1, "é": true}, `{"a": 1, "b": 2, "\u00e9": true}`},
		{"empty map", map[string]any{}, `{}`},
		{"[]okapi.Struct", []okapi.Struct{{{Name: "id", Value: 1}}, {}}, `[{"id": 1}, {}]`},
		{"[]map", []map[string]any{{"id": 1}}, `[{"id": 1}]`},
	}
	for _, tt := range tests {
		got, err := AppendValue([]byte("x"), tt.v)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got) != "x"+tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got[1:], tt.want)
		}
	}
}

func TestAppendEnvelopes(t *testing.T) {
	got, err := AppendResult(nil, RawID("8"), okapi.Struct{{Name: "uid", Value: int64(6)}})
	if err != nil || string(got) != `{"jsonrpc": "2.0", "id": 8, "result": {"uid": 6}}` {
		t.Errorf("AppendResult = %s, %v", got, err)
	}
	got, _ = AppendResult(nil, nil, false)
	if string(got) != `{"jsonrpc": "2.0", "id": null, "result": false}` {
		t.Errorf("absent id: %s", got)
	}
	got, err = AppendError(nil, RawID(`"abc"`), 0, "Odoo Server Error", okapi.Struct{
		{Name: "name", Value: "odoo.exceptions.AccessDenied"},
		{Name: "message", Value: "Access Denied"},
		{Name: "arguments", Value: []any{"Access Denied"}},
		{Name: "context", Value: okapi.Struct{}},
		{Name: "debug", Value: "odoo.exceptions.AccessDenied: Access Denied\n"},
	})
	want := `{"jsonrpc": "2.0", "id": "abc", "error": {"code": 0, "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied", "arguments": ["Access Denied"], "context": {}, "debug": "odoo.exceptions.AccessDenied: Access Denied\n"}}}`
	if err != nil || string(got) != want {
		t.Errorf("AppendError = %s, %v", got, err)
	}
	got, _ = AppendError(nil, nil, 404, "404: Not Found", nil)
	if string(got) != `{"jsonrpc": "2.0", "id": null, "error": {"code": 404, "message": "404: Not Found", "data": null}}` {
		t.Errorf("nil data: %s", got)
	}
}

func TestAppendUnsupported(t *testing.T) {
	dst := []byte("keep")
	for _, v := range []any{struct{}{}, []int{1}, map[string]int{}, float32(1), okapi.Struct{{Name: "a", Value: make(chan int)}}, []any{func() {}}} {
		if got, err := AppendValue(dst, v); err == nil || string(got) != "keep" {
			t.Errorf("AppendValue(%T) = %q, %v; want the error and dst unchanged", v, got, err)
		}
		if got, err := AppendResult(dst, RawID("1"), v); err == nil || string(got) != "keep" {
			t.Errorf("AppendResult(%T) = %q, %v", v, got, err)
		}
		if got, err := AppendError(dst, RawID("1"), 0, "m", v); err == nil || string(got) != "keep" {
			t.Errorf("AppendError(%T) = %q, %v", v, got, err)
		}
	}
	cyclic := []any{nil}
	cyclic[0] = cyclic
	if _, err := AppendValue(nil, cyclic); err == nil {
		t.Error("a value containing itself must be refused, not overflow the stack")
	}
}

func TestRoundTrip(t *testing.T) {
	values := []any{
		nil, true, int64(math.MinInt64), int64(math.MaxInt64), 0.1, 1e300, 5e-324, math.Copysign(0, -1),
		"", "héllo 😀 \x00\x7f\"\\", []any{}, map[string]any{},
		[]any{int64(1), []any{"x", map[string]any{"k": []any{nil, 2.5, false}}}},
		map[string]any{"": "", "é": map[string]any{"a": []any{}}},
	}
	for _, v := range values {
		b, err := AppendValue(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b, DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !codectest.Equal(got, v) {
			t.Errorf("%s came back as %s", codectest.Show(v), codectest.Show(got))
		}
	}
}

func TestAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented builds allocate")
	}
	var records any = sampleRecords(10) // boxed once: boxing is the caller's cost
	dst := make([]byte, 0, 64<<10)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := AppendResult(dst[:0], RawID("3"), records); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("AppendResult allocates %v times with room in dst, want 0", n)
	}
	body := []byte(`{"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "authenticate", "args": ["anchor", "alice", "3f1c2b0e9d8a7f6e5d4c3b2a19081726354a5b6c", {}]}, "id": 1}`)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := DecodeRequest(body, DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}); n > 12 {
		t.Errorf("DecodeRequest(authenticate) allocates %v times, want at most 12", n)
	}
}
