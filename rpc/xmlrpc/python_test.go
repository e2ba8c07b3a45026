package xmlrpc

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/internal/codectest"
)

// These tests run the real client, Python's xmlrpc.client, against the
// codec in both directions, values crossing the process boundary in
// internal/pycanon's tagged form.

// TestPythonDumpsDecodes feeds what xmlrpc.client.dumps writes to
// DecodeCall and compares with what xmlrpc.client.loads reads back.
func TestPythonDumpsDecodes(t *testing.T) {
	script := codectest.PyScript + `
values = [
    None, True, False, 0, 1, -1, 2**31 - 1, -2**31, 1.5, 0.1, 1e16, -0.0, 1e-300,
    float("inf"), float("-inf"), float("nan"),
    "", "plain", "héllo wörld", "日本語", "emoji 😀 pair", "a&b<c>d]]>e'\"",
    "tab\tnl\ncr\rcrlf\r\n", "  spaced  ", "\u00a0nbsp\u2028ls",
    b"", b"\x00\x01binary\xff" * 10, bytes(range(256)), x.Binary(b"binary object"),
    datetime.datetime(2026, 1, 26, 14, 7, 43), datetime.datetime(1999, 12, 31, 23, 59, 59),
    [], [1, "two", [3.0, [None]]], {}, {"": ""},
    {"a": 1, "nested": {"list": [{"deep": {"x": [True]}}], "é": "ü"}},
    ["anchor", 6, "0123456789abcdef0123456789abcdef01234567", "res.partner", "search_read",
     [[["name", "ilike", "A&B"], "|", ["id", "in", [1, 2, 3]]]], {"fields": ["name"], "limit": 5}],
]
out = []
for v in values:
    body = x.dumps((v,), "method.name", allow_none=True)
    params, method = x.loads(body, use_builtin_types=True)
    out.append({"body": body, "method": method, "params": canon(list(params))})
body = x.dumps(tuple(values), "many", allow_none=True)
params, method = x.loads(body, use_builtin_types=True)
out.append({"body": body, "method": method, "params": canon(list(params))})
print(json.dumps(out))
`
	var cases []struct {
		Body, Method string
		Params       json.RawMessage
	}
	if err := json.Unmarshal(codectest.Python(t, script, nil), &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got, err := DecodeCall([]byte(c.Body), DefaultLimits)
		if err != nil {
			t.Errorf("DecodeCall(%q): %v", c.Body, err)
			continue
		}
		want := codectest.Plain(codectest.FromPy(t, c.Params))
		if got.Method != c.Method || !codectest.Equal(anySlice(got.Params), want) {
			t.Errorf("DecodeCall(%q)\n got %s\nwant %s", c.Body, codectest.Show(got.Params), codectest.Show(want))
		}
	}
}

// TestPythonLoadsHandWritten compares both decoders on bodies no Python
// client writes but other clients and hand-rolled requests do.
func TestPythonLoadsHandWritten(t *testing.T) {
	bodies := []string{
		wrapValue("<value><i8>9223372036854775807</i8></value>"),
		wrapValue("<value><i8>-9223372036854775808</i8></value>"),
		wrapValue("<value><int>4294967296</int></value>"),
		wrapValue("<value><i4> 42 </i4></value>"),
		wrapValue("<value>untyped &amp; text</value>"),
		wrapValue("<value></value>"),
		wrapValue("<value/>"),
		wrapValue("<value>\n  <string>typed</string>\n</value>"),
		wrapValue("<value><string><![CDATA[<raw> & ]]>tail</string></value>"),
		wrapValue("<value><string>a<!-- comment -->b</string></value>"),
		wrapValue("<value><string>&#60;&#x3E;&#233;&#x1F600;&quot;&apos;</string></value>"),
		wrapValue("<value><dateTime.iso8601>20260126T14:07:43</dateTime.iso8601></value>"),
		wrapValue("<value><base64>\n aGVs\n bG8=\n</base64></value>"),
		wrapValue("<value><double>1_000.5</double></value>"),
		wrapValue("<value><double>-nan</double></value>"),
		wrapValue("<value><double> 1E3 </double></value>"),
		wrapValue("<value><int>0_7</int></value>"),
		wrapValue("<value><nil/></value>"),
		wrapValue("<value><struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct></value>"),
		"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><methodCall><methodName>caf\xe9</methodName><params><param><value>na\xefve</value></param></params></methodCall>",
		"\xef\xbb\xbf<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param><value><string>bom</string></value></param></params></methodCall>",
		"<methodCall xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\"><methodName>m</methodName><params><param><value><ex:nil/></value></param></params></methodCall>",
		"<methodCall>\r\n<methodName>m</methodName>\r\n<params><param><value><string>a\r\nb\rc</string></value></param></params></methodCall>",
	}
	script := codectest.PyScript + `
out = []
for body in json.load(sys.stdin):
    params, method = x.loads(base64.b64decode(body), use_builtin_types=True)
    out.append({"method": method, "params": canon(list(params))})
print(json.dumps(out))
`
	encoded := make([]string, len(bodies))
	for i, b := range bodies {
		encoded[i] = base64.StdEncoding.EncodeToString([]byte(b))
	}
	in, _ := json.Marshal(encoded)
	var want []struct {
		Method string
		Params json.RawMessage
	}
	if err := json.Unmarshal(codectest.Python(t, script, in), &want); err != nil {
		t.Fatal(err)
	}
	for i, body := range bodies {
		got, err := DecodeCall([]byte(body), DefaultLimits)
		if err != nil {
			t.Errorf("DecodeCall(%q): %v", body, err)
			continue
		}
		w := codectest.Plain(codectest.FromPy(t, want[i].Params))
		if got.Method != want[i].Method || !codectest.Equal(anySlice(got.Params), w) {
			t.Errorf("DecodeCall(%q)\n got %q %s\nwant %q %s", body, got.Method, codectest.Show(got.Params), want[i].Method, codectest.Show(w))
		}
	}
}

// pyValues are Go values for the encoder direction: every type of the
// value model, with okapi.Struct where order is part of the check.
func pyValues() []any {
	return []any{
		nil, true, false, int64(0), int64(-7), int64(math.MaxInt32), int64(math.MinInt32),
		1.0, 0.1, 1e16, 1e-5, math.Copysign(0, -1), 123456.789, math.Inf(1), math.NaN(),
		"", "plain", "héllo 😀 日本", "a&b<c>d]]>e'\"", "tab\tnl\ncr\rend", "  spaced  ",
		[]byte("bytes \x00\x01\xff"), []byte{}, []byte(string(make([]byte, 200))),
		time.Date(2026, 1, 26, 14, 7, 43, 0, time.UTC),
		[]any{}, []any{int64(1), "two", []any{3.5, []any{nil}}},
		okapi.Struct{}, okapi.Struct{{Name: "z", Value: int64(1)}, {Name: "a", Value: okapi.Struct{{Name: "é", Value: []any{true}}}}},
		map[string]any{"b": "x", "a": []any{}},
	}
}

// TestPythonLoadsEncoded feeds AppendCall, AppendResponse and AppendFault
// output to xmlrpc.client.loads, and checks AppendCall byte for byte
// against xmlrpc.client.dumps.
func TestPythonLoadsEncoded(t *testing.T) {
	type item struct {
		Call     string `json:"call"`
		Response string `json:"response"`
		Value    any    `json:"value"`
	}
	var items []item
	values := pyValues()
	for _, v := range values {
		call, err := AppendCall(nil, "method.name", v)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := AppendResponse(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{Call: string(call), Response: string(resp), Value: codectest.ToPy(v)})
	}
	in, _ := json.Marshal(items)
	script := codectest.PyScript + `
out = []
for it in json.load(sys.stdin):
    params, method = x.loads(it["call"].encode(), use_builtin_types=True)
    resp, _ = x.loads(it["response"].encode(), use_builtin_types=True)
    dumped = x.dumps((uncanon(it["value"]),), "method.name", allow_none=True)
    out.append({"method": method, "call": canon(params[0]), "response": canon(resp[0]), "dumps": dumped})
print(json.dumps(out))
`
	var got []struct {
		Method         string
		Call, Response json.RawMessage
		Dumps          string
	}
	if err := json.Unmarshal(codectest.Python(t, script, in), &got); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		g := got[i]
		if c := codectest.FromPy(t, g.Call); g.Method != "method.name" || !codectest.Equal(codectest.Plain(c), callView(codectest.Plain(v))) {
			t.Errorf("loads(AppendCall(%s)) = %s", codectest.Show(v), codectest.Show(codectest.Plain(c)))
		}
		if r := codectest.FromPy(t, g.Response); !codectest.Equal(codectest.Plain(r), serverView(codectest.Plain(v))) {
			t.Errorf("loads(AppendResponse(%s)) = %s, want %s", codectest.Show(v), codectest.Show(codectest.Plain(r)), codectest.Show(serverView(codectest.Plain(v))))
		}
		if g.Dumps != items[i].Call {
			t.Errorf("AppendCall(%s) differs from xmlrpc.client.dumps: %s", codectest.Show(v), codectest.FirstDiff(items[i].Call, g.Dumps))
		}
	}
}

// TestPythonLoadsFault checks that Python raises the Fault AppendFault
// describes.
func TestPythonLoadsFault(t *testing.T) {
	bodies := []string{
		string(AppendFault(nil, 3, "Access Denied")),
		string(AppendFault(nil, "warning -- UserError\n\nObject x doesn't exist", "")),
		string(AppendFault(nil, 1, "Traceback <most recent call last> & more")),
	}
	in, _ := json.Marshal(bodies)
	script := `
import json, sys, xmlrpc.client as x
out = []
for body in json.load(sys.stdin):
    try:
        x.loads(body.encode())
        out.append(None)
    except x.Fault as f:
        out.append([f.faultCode, f.faultString])
print(json.dumps(out))
`
	var got [][2]any
	if err := json.Unmarshal(codectest.Python(t, script, in), &got); err != nil {
		t.Fatal(err)
	}
	want := [][2]any{{3.0, "Access Denied"}, {"warning -- UserError\n\nObject x doesn't exist", ""}, {1.0, "Traceback <most recent call last> & more"}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("fault %d: Python read %v, want %v", i, got[i], want[i])
		}
	}
}

// TestExpatAgreement checks the expat-compatible syntax errors against the
// expat Python (and so Odoo) uses.
func TestExpatAgreement(t *testing.T) {
	var bodies []string
	for _, c := range syntaxCases {
		if c.expat {
			bodies = append(bodies, base64.StdEncoding.EncodeToString([]byte(c.body)))
		}
	}
	in, _ := json.Marshal(bodies)
	script := `
import base64, json, sys, xml.parsers.expat as E
out = []
for b in json.load(sys.stdin):
    p = E.ParserCreate()
    try:
        p.Parse(base64.b64decode(b), True)
        out.append("OK")
    except E.ExpatError as e:
        out.append(str(e))
print(json.dumps(out))
`
	var got []string
	if err := json.Unmarshal(codectest.Python(t, script, in), &got); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, c := range syntaxCases {
		if !c.expat {
			continue
		}
		if got[i] != c.want {
			t.Errorf("%s: expat says %q, the table says %q", c.name, got[i], c.want)
		}
		i++
	}
}

// TestPythonFloatRepr compares appendFloat with Python's repr() over
// values of every magnitude, including the edges of the positional range.
func TestPythonFloatRepr(t *testing.T) {
	var floats []float64
	for e := -330; e <= 310; e++ {
		p := math.Pow(10, float64(e))
		floats = append(floats, p, -p, math.Nextafter(p, 0), math.Nextafter(p, math.Inf(1)), 1.5*p, 9.999999999999998*p)
	}
	floats = append(floats, 0, math.Copysign(0, -1), 5e-324, math.MaxFloat64, 0.1, 1e16, 1e15, 1e-4, 1e-5)
	hexes := make([]string, len(floats))
	for i, f := range floats {
		hexes[i] = strconv.FormatFloat(f, 'x', -1, 64)
	}
	in, _ := json.Marshal(hexes)
	script := `
import json, sys
print(json.dumps([repr(float.fromhex(h)) for h in json.load(sys.stdin)]))
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
