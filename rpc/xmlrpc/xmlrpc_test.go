package xmlrpc

import (
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/internal/codectest"
)

// wrapValue puts one <value> into a call, the way every table below feeds
// the decoder.
func wrapValue(v string) string {
	return "<methodCall><methodName>m</methodName><params><param>" + v + "</param></params></methodCall>"
}

func decodeOne(t *testing.T, body string) (any, error) {
	t.Helper()
	c, err := DecodeCall([]byte(body), DefaultLimits)
	if err != nil {
		return nil, err
	}
	if len(c.Params) != 1 {
		t.Fatalf("%d params, want 1", len(c.Params))
	}
	return c.Params[0], nil
}

func TestDecodeValues(t *testing.T) {
	day := time.Date(2026, 1, 26, 14, 7, 43, 0, time.UTC)
	tests := []struct {
		name, value string
		want        any
	}{
		{"string", "<value><string>abc</string></value>", "abc"},
		{"empty string", "<value><string></string></value>", ""},
		{"self-closed string", "<value><string/></value>", ""},
		{"untyped", "<value>abc</value>", "abc"},
		{"untyped keeps spaces", "<value>  a b  </value>", "  a b  "},
		{"untyped empty", "<value></value>", ""},
		{"self-closed value", "<value/>", ""},
		{"spaces around typed", "<value>\n  <int>7</int>\n</value>", int64(7)},
		{"int", "<value><int>42</int></value>", int64(42)},
		{"i4", "<value><i4>-42</i4></value>", int64(-42)},
		{"i8 max", "<value><i8>9223372036854775807</i8></value>", int64(math.MaxInt64)},
		{"i8 min", "<value><i8>-9223372036854775808</i8></value>", int64(math.MinInt64)},
		{"int spaces and plus", "<value><int> +7 </int></value>", int64(7)},
		{"int underscores", "<value><int>1_000</int></value>", int64(1000)},
		{"int leading zeros", "<value><int>007</int></value>", int64(7)},
		{"boolean 0", "<value><boolean>0</boolean></value>", false},
		{"boolean 1", "<value><boolean>1</boolean></value>", true},
		{"double", "<value><double>1.5</double></value>", 1.5},
		{"double exponent", "<value><double>1e+16</double></value>", 1e16},
		{"double integral", "<value><double>3</double></value>", 3.0},
		{"double negative zero", "<value><double>-0.0</double></value>", math.Copysign(0, -1)},
		{"double inf", "<value><double>-inf</double></value>", math.Inf(-1)},
		{"double overflow is inf, as float()", "<value><double>1e400</double></value>", math.Inf(1)},
		{"dateTime compact", "<value><dateTime.iso8601>20260126T14:07:43</dateTime.iso8601></value>", day},
		{"dateTime dashed", "<value><dateTime.iso8601>2026-01-26T14:07:43</dateTime.iso8601></value>", day},
		{"dateTime Z", "<value><dateTime.iso8601>20260126T14:07:43Z</dateTime.iso8601></value>", day},
		{"base64", "<value><base64>aGVsbG8=</base64></value>", []byte("hello")},
		{"base64 wrapped", "<value><base64>\naGVs\nbG8=\n</base64></value>", []byte("hello")},
		{"base64 unpadded", "<value><base64>aGVsbG8</base64></value>", []byte("hello")},
		{"base64 empty", "<value><base64></base64></value>", []byte{}},
		{"nil", "<value><nil/></value>", nil},
		{"ex:nil", "<value><ex:nil/></value>", nil},
		{"nil open-close", "<value><nil></nil></value>", nil},
		{"array", "<value><array><data><value><int>1</int></value><value>x</value></data></array></value>", []any{int64(1), "x"}},
		{"empty array", "<value><array><data></data></array></value>", []any{}},
		{"empty data", "<value><array><data/></array></value>", []any{}},
		{"nested arrays", "<value><array><data><value><array><data/></array></value></data></array></value>", []any{[]any{}}},
		{"struct", "<value><struct><member><name>id</name><value><int>1</int></value></member><member><name>n</name><value>x</value></member></struct></value>", map[string]any{"id": int64(1), "n": "x"}},
		{"empty struct", "<value><struct>\n</struct></value>", map[string]any{}},
		{"self-closed struct", "<value><struct/></value>", map[string]any{}},
		{"duplicate member: last wins", "<value><struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct></value>", map[string]any{"a": "2"}},
		{"empty member name", "<value><struct><member><name/><value>1</value></member></struct></value>", map[string]any{"": "1"}},
		{"predefined entities", "<value><string>&lt;&gt;&amp;&quot;&apos;</string></value>", `<>&"'`},
		{"character references", "<value><string>&#10;&#x41;&#233;&#x1F600;</string></value>", "\nAé😀"},
		{"CDATA", "<value><string><![CDATA[<b>&amp;</b>]]></string></value>", "<b>&amp;</b>"},
		{"CDATA in untyped", "<value>a<![CDATA[<]]>b</value>", "a<b"},
		{"comment inside text", "<value><string>a<!-- x -->b</string></value>", "ab"},
		{"processing instruction inside text", "<value><string>a<?pi x?>b</string></value>", "ab"},
		{"CRLF becomes LF", "<value><string>a\r\nb\rc</string></value>", "a\nb\nc"},
		{"character reference keeps CR", "<value><string>a&#13;b</string></value>", "a\rb"},
		{"unicode", "<value><string>héllo 😀 €</string></value>", "héllo 😀 €"},
		{"entity in name", "<value><struct><member><name>a&amp;b</name><value/></member></struct></value>", map[string]any{"a&b": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeOne(t, wrapValue(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			if !codectest.Equal(got, tt.want) {
				t.Errorf("got %s, want %s", codectest.Show(got), codectest.Show(tt.want))
			}
		})
	}
}

func TestDecodeCallShapes(t *testing.T) {
	tests := []struct {
		name, body string
		method     string
		params     int
	}{
		{"declaration", `<?xml version="1.0"?><methodCall><methodName>m</methodName></methodCall>`, "m", 0},
		{"python's declaration", "<?xml version='1.0'?>\n<methodCall>\n<methodName>version</methodName>\n<params>\n</params>\n</methodCall>\n", "version", 0},
		{"declaration with encoding", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><methodCall><methodName>m</methodName></methodCall>`, "m", 0},
		{"no declaration", `<methodCall><methodName>m</methodName><params/></methodCall>`, "m", 0},
		{"BOM", "\xEF\xBB\xBF<methodCall><methodName>m</methodName></methodCall>", "m", 0},
		{"comments and PIs around", "<!-- a --><?pi?>\n<methodCall><!--b--><methodName>m</methodName><!--c--></methodCall>\n<!-- d -->\n", "m", 0},
		{"attributes on root", `<methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"><methodName>m</methodName></methodCall>`, "m", 0},
		{"spaces in tags", "<methodCall ><methodName\n>m</methodName ></methodCall\t>", "m", 0},
		{"empty method name", `<methodCall><methodName/></methodCall>`, "", 0},
		{"two params", `<methodCall><methodName>m</methodName><params><param><value>a</value></param><param><value>b</value></param></params></methodCall>`, "m", 2},
		{"latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall><methodName>caf\xe9</methodName></methodCall>", "café", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeCall([]byte(tt.body), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if c.Method != tt.method || len(c.Params) != tt.params {
				t.Errorf("got %q with %d params, want %q with %d", c.Method, len(c.Params), tt.method, tt.params)
			}
			if tt.params == 0 && c.Params != nil {
				t.Errorf("Params = %#v, want nil", c.Params)
			}
		})
	}
}

// syntaxCases are bodies every conforming decoder must refuse. expat marks
// the ones whose message and position Python's expat gives identically;
// TestExpatAgreement checks those against the real expat.
var syntaxCases = []struct {
	name, body, want string
	expat            bool
}{
	{"empty", "", "no element found: line 1, column 0", true},
	{"blank", "  \n ", "no element found: line 2, column 1", true},
	{"recorded mismatch", `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value><string>oops</value></params>`, "mismatched tag: line 1, column 104", true},
	{"mismatch after multibyte", "<a>éé<b></c></a>", "mismatched tag: line 1, column 10", true},
	{"mismatch on line 2", "<a>\n  <b></c></a>", "mismatched tag: line 2, column 7", true},
	{"mismatch after CRLF", "<a>\r\n<b></c>", "mismatched tag: line 2, column 5", true},
	{"unclosed at EOF", "<a><b>", "no element found: line 1, column 6", true},
	{"unclosed after CR", "<a>\r", "no element found: line 1, column 3", true},
	{"unclosed start tag", "<a><b", "unclosed token: line 1, column 3", true},
	{"unclosed end tag", "<a></a", "unclosed token: line 1, column 3", true},
	{"lone <", "<", "unclosed token: line 1, column 0", true},
	{"junk after root", "<a></a>junk", "junk after document element: line 1, column 7", true},
	{"second root", "<a></a><b/>", "junk after document element: line 1, column 7", true},
	{"junk on next line", "<a>x</a>\n junk", "junk after document element: line 2, column 1", true},
	{"end tag after root", "<a/></a>", "not well-formed (invalid token): line 1, column 5", true},
	{"text before root", "junk", "syntax error: line 1, column 0", true},
	{"end tag first", "</a>", "not well-formed (invalid token): line 1, column 1", true},
	{"invalid UTF-8", "<a>\xff</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"truncated UTF-8 inside", "<a>\xc3</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"truncated UTF-8 at end", "<a>\xc3", "partial character: line 1, column 3", true},
	{"surrogate in UTF-8", "<a>\xed\xa0\x80</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"overlong UTF-8", "<a>\xc0\x80</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"U+FFFF", "<a>\xef\xbf\xbf</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"control character", "<a>\x01</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"NUL", "<a>\x00</a>", "not well-formed (invalid token): line 1, column 3", true},
	{"undefined entity", "<a>&foo;</a>", "undefined entity: line 1, column 3", true},
	{"entity in upper case", "<a>&AMP;</a>", "undefined entity: line 1, column 3", true},
	{"undefined entity in attribute", `<a x="&foo;"/>`, "undefined entity: line 1, column 0", true},
	{"char ref to NUL", "<a>&#0;</a>", "reference to invalid character number: line 1, column 3", true},
	{"char ref to surrogate", "<a>&#xD800;</a>", "reference to invalid character number: line 1, column 3", true},
	{"char ref to control", "<a>&#x0A;&#13;&#9;&#x20;&#x1F;</a>", "reference to invalid character number: line 1, column 24", true},
	{"char ref beyond Unicode", "<a>&#x110000;</a>", "reference to invalid character number: line 1, column 3", true},
	{"huge char ref", "<a>&#99999999999999999999;</a>", "reference to invalid character number: line 1, column 3", true},
	{"char ref with X", "<a>&#X41;</a>", "not well-formed (invalid token): line 1, column 5", true},
	{"empty hex char ref", "<a>&#x;</a>", "not well-formed (invalid token): line 1, column 6", true},
	{"bad digit in char ref", "<a>&#12a;</a>", "not well-formed (invalid token): line 1, column 7", true},
	{"bare ampersand", "<a>&</a>", "not well-formed (invalid token): line 1, column 4", true},
	{"entity without semicolon", "<a>&amp</a>", "not well-formed (invalid token): line 1, column 7", true},
	{"entity cut by EOF", "<a>&lt", "unclosed token: line 1, column 3", true},
	{"]]> in text", "<a>x]]]></a>", "not well-formed (invalid token): line 1, column 7", true},
	{"unclosed CDATA", "<a><![CDATA[x</a>", "unclosed CDATA section: line 1, column 17", true},
	{"lower-case CDATA", "<a><![cdata[x]]></a>", "not well-formed (invalid token): line 1, column 6", true},
	{"unclosed comment", "<a><!-- x</a>", "unclosed token: line 1, column 3", true},
	{"double dash in comment", "<a><!--a--b--></a>", "not well-formed (invalid token): line 1, column 10", true},
	{"DOCTYPE inside", "<a><!DOCTYPE x></a>", "not well-formed (invalid token): line 1, column 5", true},
	{"duplicate attribute", `<a b="1"` + "\n" + ` b="2"/>`, "duplicate attribute: line 2, column 1", true},
	{"unquoted attribute", "<a x=1/>", "not well-formed (invalid token): line 1, column 5", true},
	{"< in attribute", `<a x="<"/>`, "not well-formed (invalid token): line 1, column 6", true},
	{"attributes not separated", `<a b="1"c="2"/>`, "not well-formed (invalid token): line 1, column 8", true},
	{"space after slash", "<a/ >", "not well-formed (invalid token): line 1, column 3", true},
	{"space in end tag", "<a></ a>", "not well-formed (invalid token): line 1, column 5", true},
	{"name starting with digit", "<1a/>", "not well-formed (invalid token): line 1, column 1", true},
	{"misplaced declaration", "\n<?xml version=\"1.0\"?><a/>", "XML or text declaration not at start of entity: line 2, column 0", true},
	{"declaration inside", `<a><?xml version="1.0"?></a>`, "XML or text declaration not at start of entity: line 1, column 3", true},
	{"declaration without version", "<?xml?><a/>", "XML declaration not well-formed: line 1, column 5", true},
	{"encoding before version", `<?xml encoding="utf-8"?><a/>`, "XML declaration not well-formed: line 1, column 6", true},
	{"bad standalone", `<?xml version="1.0" standalone="maybe"?><a/>`, "XML declaration not well-formed: line 1, column 32", true},
	{"unknown declaration attribute", `<?xml version="1.0" foo="bar"?><a/>`, "XML declaration not well-formed: line 1, column 20", true},
	{"PI cut by tag", "<a><?pi</a>", "not well-formed (invalid token): line 1, column 7", true},
	{"unclosed PI", "<?pi", "unclosed token: line 1, column 0", true},
	// Refused on purpose, where expat would have gone on.
	{"DOCTYPE", `<!DOCTYPE methodCall [<!ENTITY x "y">]><methodCall/>`, "DOCTYPE declarations are not allowed: line 1, column 0", false},
	{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><methodCall><methodName>&lol2;</methodName></methodCall>`, "DOCTYPE declarations are not allowed: line 1, column 21", false},
	{"external entity", `<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>`, "DOCTYPE declarations are not allowed: line 1, column 0", false},
	{"unknown encoding", `<?xml version="1.0" encoding="koi8-r"?><a/>`, "unknown encoding: line 1, column 30", false},
}

func TestDecodeSyntaxErrors(t *testing.T) {
	for _, tt := range syntaxCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, decode := range []func([]byte, Limits) error{
				func(b []byte, l Limits) error { _, err := DecodeCall(b, l); return err },
				func(b []byte, l Limits) error { _, err := DecodeResponse(b, l); return err },
			} {
				err := decode([]byte(tt.body), DefaultLimits)
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("error = %v, want a *SyntaxError", err)
				}
				if se.Error() != tt.want {
					t.Errorf("error = %q, want %q", se.Error(), tt.want)
				}
			}
		})
	}
}

// TestDecodeGrammarErrors covers well-formed XML that is not XML-RPC.
func TestDecodeGrammarErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"wrong root", "<methodResponse/>", "unexpected element <methodResponse>, expected <methodCall>: line 1, column 0"},
		{"no method name", "<methodCall><params/></methodCall>", "missing <methodName> in <methodCall>: line 1, column 12"},
		{"self-closed call", "<methodCall/>", "missing <methodName> in <methodCall>: line 1, column 13"},
		{"unknown type", wrapValue("<value><foo>1</foo></value>"), "unknown type <foo> in <value>: line 1, column 60"},
		{"bad boolean", wrapValue("<value><boolean>2</boolean></value>"), "bad boolean value: line 1, column 60"},
		{"boolean with spaces", wrapValue("<value><boolean> 1</boolean></value>"), "bad boolean value: line 1, column 60"},
		{"bad int", wrapValue("<value><int>1.5</int></value>"), "invalid <int> value: line 1, column 60"},
		{"empty int", wrapValue("<value><int/></value>"), "invalid <int> value: line 1, column 60"},
		{"int overflow", wrapValue("<value><i8>9223372036854775808</i8></value>"), "invalid <i8> value: line 1, column 60"},
		{"int underflow", wrapValue("<value><int>-9223372036854775809</int></value>"), "invalid <int> value: line 1, column 60"},
		{"int double underscore", wrapValue("<value><int>1__0</int></value>"), "invalid <int> value: line 1, column 60"},
		{"bad double", wrapValue("<value><double>abc</double></value>"), "invalid <double> value: line 1, column 60"},
		{"hex double", wrapValue("<value><double>0x1p3</double></value>"), "invalid <double> value: line 1, column 60"},
		{"bad date", wrapValue("<value><dateTime.iso8601>20261326T14:07:43</dateTime.iso8601></value>"), "invalid <dateTime.iso8601> value: line 1, column 60"},
		{"bad base64", wrapValue("<value><base64>a$b=</base64></value>"), "invalid <base64> value: line 1, column 60"},
		{"text in nil", wrapValue("<value><nil>x</nil></value>"), "unexpected text in <nil>: line 1, column 60"},
		{"element in string", wrapValue("<value><string>a<b/></string></value>"), "unexpected element <b> in <string>: line 1, column 69"},
		{"text before typed", wrapValue("<value>x<int>1</int></value>"), "unexpected text in <value>: line 1, column 60"},
		{"two typed", wrapValue("<value><int>1</int><int>2</int></value>"), "unexpected element <int> in <value>: line 1, column 72"},
		{"array without data", wrapValue("<value><array></array></value>"), "<array> has no <data>: line 1, column 60"},
		{"self-closed array", wrapValue("<value><array/></value>"), "<array> has no <data>: line 1, column 60"},
		{"text in data", wrapValue("<value><array><data>x</data></array></value>"), "unexpected text in <data>: line 1, column 73"},
		{"member without value", wrapValue("<value><struct><member><name>a</name></member></struct></value>"), "<member> has no <value>: line 1, column 90"},
		{"member without name", wrapValue("<value><struct><member><value>1</value></member></struct></value>"), "<member> has no <name>: line 1, column 76"},
		{"empty member", wrapValue("<value><struct><member/></struct></value>"), "<member> has no <name>: line 1, column 68"},
		{"value in struct", wrapValue("<value><struct><value/></struct></value>"), "unexpected element <value> in <struct>: line 1, column 68"},
		{"empty param", "<methodCall><methodName>m</methodName><params><param/></params></methodCall>", "<param> has no <value>: line 1, column 46"},
		{"param without value", "<methodCall><methodName>m</methodName><params><param></param></params></methodCall>", "<param> has no <value>: line 1, column 53"},
		{"text in params", "<methodCall><methodName>m</methodName><params>x</params></methodCall>", "unexpected text in <params>: line 1, column 46"},
		{"element in method name", "<methodCall><methodName>m<b/></methodName></methodCall>", "unexpected element <b> in <methodName>: line 1, column 25"},
		{"long element name is clipped", wrapValue("<value><" + strings.Repeat("x", 50) + "/></value>"), "unknown type <" + strings.Repeat("x", 40) + "...> in <value>: line 1, column 60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCall([]byte(tt.body), DefaultLimits)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			if se.Error() != tt.want {
				t.Errorf("error = %q, want %q", se.Error(), tt.want)
			}
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name, body string
		want       any
		fault      *Fault
		err        string
	}{
		{"int", "<methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>", int64(5), nil, ""},
		{"fault", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>3</int></value></member><member><name>faultString</name><value><string>Access Denied</string></value></member></struct></value></fault></methodResponse>", nil, &Fault{Code: int64(3), String: "Access Denied"}, ""},
		{"legacy fault", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><string>AccessDenied</string></value></member><member><name>faultString</name><value>Access Denied</value></member></struct></value></fault></methodResponse>", nil, &Fault{Code: "AccessDenied", String: "Access Denied"}, ""},
		{"no param", "<methodResponse><params></params></methodResponse>", nil, nil, "<params> of a response must hold exactly one <param>: line 1, column 16"},
		{"two params", "<methodResponse><params><param><value/></param><param><value/></param></params></methodResponse>", nil, nil, "<params> of a response must hold exactly one <param>: line 1, column 16"},
		{"empty response", "<methodResponse></methodResponse>", nil, nil, "empty <methodResponse>: line 1, column 16"},
		{"fault without string", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>3</int></value></member></struct></value></fault></methodResponse>", nil, nil, "<fault> must hold a struct with faultCode and faultString: line 1, column 16"},
		{"fault not a struct", "<methodResponse><fault><value>x</value></fault></methodResponse>", nil, nil, "<fault> must hold a struct with faultCode and faultString: line 1, column 16"},
		{"wrong root", "<methodCall/>", nil, nil, "unexpected element <methodCall>, expected <methodResponse>: line 1, column 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeResponse([]byte(tt.body), DefaultLimits)
			switch {
			case tt.fault != nil:
				var f *Fault
				if !errors.As(err, &f) || !codectest.Equal(f.Code, tt.fault.Code) || f.String != tt.fault.String {
					t.Fatalf("error = %#v, want %#v", err, tt.fault)
				}
			case tt.err != "":
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
			default:
				if err != nil || !codectest.Equal(got, tt.want) {
					t.Fatalf("got %s, %v; want %s", codectest.Show(got), err, codectest.Show(tt.want))
				}
			}
		})
	}
}

func TestFaultError(t *testing.T) {
	if got := (&Fault{Code: int64(3), String: "Access Denied"}).Error(); got != `<Fault 3: "Access Denied">` {
		t.Errorf("got %s", got)
	}
	if got := (&Fault{Code: "AccessDenied", String: "x"}).Error(); got != `<Fault "AccessDenied": "x">` {
		t.Errorf("got %s", got)
	}
}

func TestLimits(t *testing.T) {
	nest := func(n int) string {
		return wrapValue(strings.Repeat("<value><array><data>", n) + strings.Repeat("</data></array></value>", n))
	}
	values := func(n int) string {
		return wrapValue("<value><array><data>" + strings.Repeat("<value/>", n) + "</data></array></value>")
	}
	tests := []struct {
		name string
		body string
		lim  Limits
		ok   bool
	}{
		{"depth at limit", nest(64), Limits{}, true},
		{"depth beyond limit", nest(65), Limits{}, false},
		{"depth custom", nest(3), Limits{MaxDepth: 2}, false},
		{"structs count too", wrapValue(strings.Repeat("<value><struct><member><name>a</name>", 3) + "<value/>" + strings.Repeat("</member></struct></value>", 3)), Limits{MaxDepth: 2}, false},
		{"elements at limit", values(9), Limits{MaxElements: 10}, true},
		{"elements beyond limit", values(10), Limits{MaxElements: 10}, false},
		{"string at limit", wrapValue("<value><string>" + strings.Repeat("a", 8) + "</string></value>"), Limits{MaxStringBytes: 8}, true},
		{"string beyond limit", wrapValue("<value><string>" + strings.Repeat("a", 9) + "</string></value>"), Limits{MaxStringBytes: 8}, false},
		{"decoded size counts", wrapValue("<value><string>" + strings.Repeat("&amp;", 8) + "</string></value>"), Limits{MaxStringBytes: 8}, true},
		{"entities beyond limit", wrapValue("<value><string>" + strings.Repeat("&amp;", 9) + "</string></value>"), Limits{MaxStringBytes: 8}, false},
		{"CDATA beyond limit", wrapValue("<value><string>&amp;<![CDATA[" + strings.Repeat("a", 8) + "]]></string></value>"), Limits{MaxStringBytes: 8}, false},
		{"untyped beyond limit", wrapValue("<value>" + strings.Repeat("a", 9) + "</value>"), Limits{MaxStringBytes: 8}, false},
		{"name beyond limit", wrapValue("<value><struct><member><name>" + strings.Repeat("a", 9) + "</name><value/></member></struct></value>"), Limits{MaxStringBytes: 8}, false},
		{"base64 beyond limit", wrapValue("<value><base64>" + strings.Repeat("QUFB", 3) + "</base64></value>"), Limits{MaxStringBytes: 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCall([]byte(tt.body), tt.lim)
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

// TestLimitBeforeAllocation refuses a string far beyond the limit without
// allocating anything near its size.
func TestLimitBeforeAllocation(t *testing.T) {
	for _, text := range []string{strings.Repeat("a", 8<<20), "&amp;" + strings.Repeat("a", 8<<20)} {
		body := []byte(wrapValue("<value><string>" + text + "</string></value>"))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeCall(body, Limits{MaxStringBytes: 1 << 20})
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

func TestAppendResponseLayout(t *testing.T) {
	wrap := func(v string) string {
		return "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n" + v + "</param>\n</params>\n\n</methodResponse>\n"
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"int", 5, "<value><int>5</int></value>\n"},
		{"int64", int64(-5), "<value><int>-5</int></value>\n"},
		{"uint64", uint64(math.MaxUint64), "<value><int>18446744073709551615</int></value>\n"},
		{"int8", int8(-8), "<value><int>-8</int></value>\n"},
		{"false", false, "<value><boolean>0</boolean></value>\n"},
		{"true", true, "<value><boolean>1</boolean></value>\n"},
		{"nil", nil, "<value><nil/></value>"},
		{"string", "a&b<c>d\"e'f", "<value><string>a&amp;b&lt;c&gt;d\"e'f</string></value>\n"},
		{"control characters dropped", "a\x00b\x01c\td\ne\rf\x1fg\x7f", "<value><string>abc\td\ne\rfg\x7f</string></value>\n"},
		{"invalid UTF-8 replaced", "a\xffb", "<value><string>a\uFFFDb</string></value>\n"},
		{"non-characters dropped", "a\uFFFEb\uFFFFc\uFFFDd", "<value><string>abc\uFFFDd</string></value>\n"},
		{"unicode kept", "héllo 😀", "<value><string>héllo 😀</string></value>\n"},
		{"bytes as string", []byte("a<b"), "<value><string>a&lt;b</string></value>\n"},
		{"time as string", time.Date(2026, 11, 26, 14, 8, 13, 0, time.FixedZone("CET", 3600)), "<value><string>2026-11-26 13:08:13</string></value>\n"},
		{"double", 1.0, "<value><double>1.0</double></value>\n"},
		{"empty array", []any{}, "<value><array><data>\n</data></array></value>\n"},
		{"array", []any{int64(1), "a"}, "<value><array><data>\n<value><int>1</int></value>\n<value><string>a</string></value>\n</data></array></value>\n"},
		{"[]int64", []int64{12, 13}, "<value><array><data>\n<value><int>12</int></value>\n<value><int>13</int></value>\n</data></array></value>\n"},
		{"[]string", []string{"x"}, "<value><array><data>\n<value><string>x</string></value>\n</data></array></value>\n"},
		{"empty struct", okapi.Struct{}, "<value><struct>\n</struct></value>\n"},
		{"empty map", map[string]any{}, "<value><struct>\n</struct></value>\n"},
		{"struct in order", okapi.Struct{{Name: "z", Value: 1}, {Name: "a&", Value: false}}, "<value><struct>\n<member>\n<name>z</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>a&amp;</name>\n<value><boolean>0</boolean></value>\n</member>\n</struct></value>\n"},
		{"map sorted", map[string]any{"b": 2, "a": 1}, "<value><struct>\n<member>\n<name>a</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>b</name>\n<value><int>2</int></value>\n</member>\n</struct></value>\n"},
		{"[]okapi.Struct", []okapi.Struct{{{Name: "id", Value: 1}}}, "<value><array><data>\n<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>\n</struct></value>\n</data></array></value>\n"},
		{"[]map", []map[string]any{{"id": 1}}, "<value><array><data>\n<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>\n</struct></value>\n</data></array></value>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendResponse(nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != wrap(tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, wrap(tt.want))
			}
		})
	}
}

func TestAppendFloatRepr(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1.0, "1.0"}, {0.1, "0.1"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
		{123456789.125, "123456789.125"}, {1.5e16, "1.5e+16"}, {0.0001, "0.0001"},
		{0.00001, "1e-05"}, {1.5e-7, "1.5e-07"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"},
		{-2.5, "-2.5"}, {1e100, "1e+100"}, {math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5e-324"}, {9999999999999998, "9999999999999998.0"}, {1.0 / 3, "0.3333333333333333"},
		{math.NaN(), "nan"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.f)); got != tt.want {
			t.Errorf("appendFloat(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

func TestAppendFault(t *testing.T) {
	want := "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>3</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>Access Denied</string></value>\n</member>\n</struct></value>\n</fault>\n\n</methodResponse>\n"
	for _, code := range []any{3, int64(3), int32(3), uint8(3)} {
		if got := string(AppendFault(nil, code, "Access Denied")); got != want {
			t.Errorf("code %T: got %q", code, got)
		}
	}
	if n := len(want); n != 269 {
		t.Errorf("fault body is %d bytes, Odoo's Content-Length is 269", n)
	}
	got := string(AppendFault(nil, "warning -- UserError\n\nx<y", ""))
	if !strings.Contains(got, "<value><string>warning -- UserError\n\nx&lt;y</string></value>") {
		t.Errorf("string code: got %q", got)
	}
}

func TestAppendCallLayout(t *testing.T) {
	got, err := AppendCall(nil, "m", []byte(strings.Repeat("x", 60)), time.Date(2026, 1, 26, 14, 7, 43, 0, time.UTC), map[string]any{}, nil, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	want := "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n" +
		"<param>\n<value><base64>\neHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\neHh4\n</base64></value>\n</param>\n" +
		"<param>\n<value><dateTime.iso8601>20260126T14:07:43</dateTime.iso8601></value>\n</param>\n" +
		"<param>\n<value><struct>\n</struct></value>\n</param>\n" +
		"<param>\n<value><nil/></value></param>\n" +
		"<param>\n<value><double>2.5</double></value>\n</param>\n" +
		"</params>\n</methodCall>\n"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	got, _ = AppendCall(nil, "version")
	if string(got) != "<?xml version='1.0'?>\n<methodCall>\n<methodName>version</methodName>\n<params>\n</params>\n</methodCall>\n" {
		t.Errorf("no params: got %q", got)
	}
}

func TestAppendUnsupported(t *testing.T) {
	dst := []byte("keep")
	for _, v := range []any{struct{}{}, []int{1}, map[string]int{}, float32(1), okapi.Struct{{Name: "a", Value: make(chan int)}}, []any{func() {}}} {
		got, err := AppendResponse(dst, v)
		if err == nil || string(got) != "keep" {
			t.Errorf("%T: got %q, %v; want the error and dst unchanged", v, got, err)
		}
		got, err = AppendCall(dst, "m", v)
		if err == nil || string(got) != "keep" {
			t.Errorf("AppendCall %T: got %q, %v", v, got, err)
		}
	}
	cyclic := []any{nil}
	cyclic[0] = cyclic
	if _, err := AppendResponse(nil, cyclic); err == nil {
		t.Error("a value containing itself must be refused, not overflow the stack")
	}
}

// TestRoundTrip encodes values and decodes them back: AppendCall keeps every
// type, AppendResponse turns []byte and time.Time into strings as Odoo does.
func TestRoundTrip(t *testing.T) {
	when := time.Date(2026, 1, 26, 14, 7, 43, 0, time.UTC)
	values := []any{
		nil, true, false, int64(0), int64(math.MaxInt64), int64(math.MinInt64), 1.5, math.Inf(-1), math.NaN(),
		"", "plain", "a&b<c>d]]>e", "héllo 😀", "tab\tnew\nline", "  spaces  ",
		[]byte{0, 1, 2, 0xff}, []byte{}, when,
		[]any{}, []any{int64(1), []any{"x", map[string]any{}}},
		map[string]any{"": "empty", "a": int64(1), "nested": map[string]any{"list": []any{nil, 2.5}}},
	}
	for _, v := range values {
		body, err := AppendCall(nil, "method.name", v)
		if err != nil {
			t.Fatal(err)
		}
		c, err := DecodeCall(body, DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if c.Method != "method.name" || len(c.Params) != 1 || !codectest.Equal(c.Params[0], callView(v)) {
			t.Errorf("call round trip of %s gave %s", codectest.Show(v), codectest.Show(c.Params))
		}

		body, err = AppendResponse(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeResponse(body, DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if want := serverView(v); !codectest.Equal(got, want) {
			t.Errorf("response round trip of %s gave %s", codectest.Show(want), codectest.Show(got))
		}
	}
	for _, code := range []any{int64(3), "AccessDenied"} {
		_, err := DecodeResponse(AppendFault(nil, code, "Access\nDenied & more"), DefaultLimits)
		var f *Fault
		if !errors.As(err, &f) || !codectest.Equal(f.Code, code) || f.String != "Access\nDenied & more" {
			t.Errorf("fault round trip: %v", err)
		}
	}
}

// serverView is what a client decodes after AppendResponse wrote v.
func serverView(v any) any {
	switch x := v.(type) {
	case string:
		return sanitized(x)
	case []byte:
		return sanitized(string(x))
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = serverView(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[sanitized(k)] = serverView(e)
		}
		return out
	}
	return v
}

// callView is what a server decodes after AppendCall wrote v.
func callView(v any) any {
	switch x := v.(type) {
	case string:
		return sanitized(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = callView(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[sanitized(k)] = callView(e)
		}
		return out
	}
	return v
}

// sanitized is s as it reads back from the encoder's XML: control
// characters and non-characters dropped, invalid UTF-8 replaced, line ends
// normalized by the reader.
func sanitized(s string) string {
	var b strings.Builder
	for _, r := range s { // one U+FFFD per invalid byte, as the encoder writes
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			continue
		}
		b.WriteRune(r)
	}
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(b.String())
}

func TestAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented builds allocate")
	}
	body := authenticateBody()
	if n := testing.AllocsPerRun(100, func() {
		if _, err := DecodeCall(body, DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}); n > 8 {
		t.Errorf("DecodeCall(authenticate) allocates %v times, want at most 8", n)
	}
	var records any = sampleRecords(10) // boxed once: boxing is the caller's cost
	dst := make([]byte, 0, 64<<10)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := AppendResponse(dst[:0], records); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("AppendResponse allocates %v times with room in dst, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		_ = AppendFault(dst[:0], 3, "Access Denied")
	}); n != 0 {
		t.Errorf("AppendFault allocates %v times with room in dst, want 0", n)
	}
}

// TestManyAttributesStayLinear guards the duplicate-attribute check: a
// start tag with 100,000 attributes must not cost 5e9 comparisons.
func TestManyAttributesStayLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("<methodCall")
	for i := range 100_000 {
		b.WriteString(" a")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`=""`)
	}
	b.WriteString("><methodName>m</methodName></methodCall>")
	start := time.Now()
	if _, err := DecodeCall([]byte(b.String()), DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	dup := strings.Replace(b.String(), "a99999=", "a5=", 1)
	if _, err := DecodeCall([]byte(dup), DefaultLimits); err == nil || !strings.HasPrefix(err.Error(), "duplicate attribute") {
		t.Errorf("duplicate among many: %v", err)
	}
}
