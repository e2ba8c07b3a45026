package jsonrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/internal/codectest"
)

// These tests run Python's json module, whose output and error messages
// Odoo sends, against the codec in both directions, values crossing the
// process boundary in internal/pycanon's tagged form.

// TestPythonDumpsDecodes feeds what json.dumps writes, in several styles,
// to Decode and compares with what json.loads reads back.
func TestPythonDumpsDecodes(t *testing.T) {
	script := codectest.PyScript + `
values = [
    None, True, False, 0, -1, 2**63 - 1, -2**63, 2**64, 10**30,
    1.5, 0.1, 1e16, -0.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.125,
    "", "plain", "héllo wörld", "日本語", "emoji 😀 pair", "quote\" backslash\\ slash/",
    "controls \x00\x01\x1f\x7f\b\f\n\r\t", "\u2028\u2029", "lone \ud800 surrogate", "\udc00\ud800",
    [], [1, "two", [3.0, [None]]], {}, {"": ""},
    {"a": 1, "nested": {"list": [{"deep": {"x": [True]}}], "é": "ü"}},
    {"jsonrpc": "2.0", "method": "call", "id": 3,
     "params": {"service": "object", "method": "execute_kw",
                "args": ["anchor", 6, "0123456789abcdef0123456789abcdef01234567", "res.partner", "search_read",
                         [[["name", "ilike", "A&B"], "|", ["id", "in", [1, 2, 3]]]], {"fields": ["name"], "limit": 5}]}},
]
out = []
for v in values:
    for body in (json.dumps(v), json.dumps(v, ensure_ascii=False), json.dumps(v, separators=(",", ":")), json.dumps(v, indent=2)):
        out.append({"body": base64.b64encode(body.encode("utf-8", "surrogatepass")).decode(), "value": canon(json.loads(body))})
print(json.dumps(out))
`
	var cases []struct {
		Body  string
		Value json.RawMessage
	}
	if err := json.Unmarshal(codectest.Python(t, script, nil), &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		body, _ := base64.StdEncoding.DecodeString(c.Body)
		got, err := Decode(body, DefaultLimits)
		if bytes.Contains(body, []byte("\xed\xa0\x80")) || bytes.Contains(body, []byte("\xed\xb0\x80")) {
			// ensure_ascii=False writes a lone surrogate as CESU bytes,
			// which are not UTF-8: refusing them is right.
			if err == nil {
				t.Errorf("Decode(%q) accepted a surrogate encoded in UTF-8", body)
			}
			continue
		}
		if err != nil {
			t.Errorf("Decode(%q): %v", body, err)
			continue
		}
		if want := codectest.Plain(codectest.FromPy(t, c.Value)); !codectest.Equal(got, want) {
			t.Errorf("Decode(%q)\n got %s\nwant %s", body, codectest.Show(got), codectest.Show(want))
		}
	}
}

// pyValues are values for the encoder direction, with okapi.Struct where
// order is part of the check.
func pyValues() []any {
	return []any{
		nil, true, false, int64(0), int64(math.MaxInt64), int64(math.MinInt64),
		1.0, 0.1, 1e16, 1e15, 1e-5, 0.0001, math.Copysign(0, -1), 123456.789, 5e-324, math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(),
		"", "plain", "héllo 😀 日本 \u2028", "quote\" backslash\\ slash/", "controls \x00\x01\x1f\x7f\b\f\n\r\t",
		[]any{}, []any{int64(1), "two", []any{3.5, []any{nil}}},
		okapi.Struct{}, okapi.Struct{{Name: "z", Value: int64(1)}, {Name: "a", Value: okapi.Struct{{Name: "é", Value: []any{true}}}}},
		map[string]any{"b": "x", "a": []any{}, "é": nil},
	}
}

// TestPythonLoadsEncoded feeds AppendValue output to json.loads and checks
// it byte for byte against json.dumps.
func TestPythonLoadsEncoded(t *testing.T) {
	type item struct {
		Body  string `json:"body"`
		Value any    `json:"value"`
	}
	var items []item
	values := pyValues()
	for _, v := range values {
		b, err := AppendValue(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{Body: string(b), Value: codectest.ToPy(v)})
	}
	in, _ := json.Marshal(items)
	script := codectest.PyScript + `
out = []
for it in json.load(sys.stdin):
    out.append({"loaded": canon(json.loads(it["body"])), "dumps": json.dumps(uncanon(it["value"]))})
print(json.dumps(out))
`
	var got []struct {
		Loaded json.RawMessage
		Dumps  string
	}
	if err := json.Unmarshal(codectest.Python(t, script, in), &got); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if l := codectest.FromPy(t, got[i].Loaded); !codectest.Equal(codectest.Plain(l), codectest.Plain(v)) {
			t.Errorf("json.loads(AppendValue(%s)) = %s", codectest.Show(v), codectest.Show(codectest.Plain(l)))
		}
		if got[i].Dumps != items[i].Body {
			t.Errorf("AppendValue(%s) differs from json.dumps: %s", codectest.Show(v), codectest.FirstDiff(items[i].Body, got[i].Dumps))
		}
	}
}

// TestPythonErrorAgreement checks the Python-compatible syntax errors
// against json.loads.
func TestPythonErrorAgreement(t *testing.T) {
	var docs []string
	for _, c := range syntaxCases {
		if c.python {
			docs = append(docs, c.in)
		}
	}
	in, _ := json.Marshal(docs)
	script := `
import json, sys
out = []
for doc in json.load(sys.stdin):
    try:
        json.loads(doc)
        out.append("OK")
    except json.JSONDecodeError as e:
        out.append(str(e))
print(json.dumps(out))
`
	var got []string
	if err := json.Unmarshal(codectest.Python(t, script, in), &got); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, c := range syntaxCases {
		if !c.python {
			continue
		}
		if got[i] != c.want {
			t.Errorf("%q: json.loads says %q, the table says %q", c.in, got[i], c.want)
		}
		i++
	}
}

// TestPythonFloatRepr compares appendFloat with Python's repr() over
// values of every magnitude, including the edges of the positional range.
func TestPythonFloatRepr(t *testing.T) {
	floats := reprSamples()
	hexes := make([]string, len(floats))
	for i, f := range floats {
		hexes[i] = strconv.FormatFloat(f, 'x', -1, 64)
	}
	in, _ := json.Marshal(hexes)
	script := `
import json, sys
print(json.dumps([json.dumps(float.fromhex(h)) for h in json.load(sys.stdin)]))
`
	var want []string
	if err := json.Unmarshal(codectest.Python(t, script, in), &want); err != nil {
		t.Fatal(err)
	}
	for i, f := range floats {
		if got := string(appendFloat(nil, f)); got != want[i] {
			t.Errorf("appendFloat(%v) = %s, Python writes %s", f, got, want[i])
		}
	}
}

// reprSamples are finite floats around every power of ten that matters
// to repr's choice of notation, plus pseudo-random ones.
func reprSamples() []float64 {
	var out []float64
	for e := -330; e <= 310; e++ {
		p := math.Pow(10, float64(e))
		out = append(out, p, -p, math.Nextafter(p, 0), math.Nextafter(p, math.Inf(1)), 1.5*p, 9.999999999999998*p, 1.2345678901234567*p)
	}
	x := uint64(0x9E3779B97F4A7C15)
	for range 3000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		if f := math.Float64frombits(x); !math.IsNaN(f) && !math.IsInf(f, 0) {
			out = append(out, f)
		}
		out = append(out, float64(x%1000000)/float64(x%97+1))
	}
	return append(out, 0, math.Copysign(0, -1), 5e-324, math.MaxFloat64, 0.1, 0.2, 0.30000000000000004, 1e16, 1e15, 1e-4, 1e-5, 123456789012345678)
}
