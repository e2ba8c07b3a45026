package xmlrpc

import (
	"errors"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/internal/codectest"
)

// The recordings are real Odoo 16.0–19.0 exchanges. Every request was
// written by Python's xmlrpc.client and every response by Odoo, so
// re-encoding what they carry must give their bytes back exactly.

// malformedBodies are the recordings whose request Odoo refused, with the
// expat message it quoted in the fault.
var malformedBodies = map[string]bool{
	"xmlrpc_malformed_xml.json": true,
	"xmlrpc_empty_body.json":    true,
}

func isMalformed(r codectest.Recording) bool {
	return malformedBodies[r.Name[strings.IndexByte(r.Name, '/')+1:]]
}

// layoutOf is the layout of a recording's version: Python's up to 17.
func layoutOf(r codectest.Recording) Layout {
	if strings.HasPrefix(r.Name, "16.") || strings.HasPrefix(r.Name, "17.") {
		return LayoutPython
	}
	return LayoutOdoo
}

func TestGoldenRequests(t *testing.T) {
	for _, r := range codectest.LoadRecordings(t, "xmlrpc_") {
		t.Run(r.Name, func(t *testing.T) {
			if isMalformed(r) {
				return // see TestGoldenMalformed
			}
			method, params, _, err := refDocument(r.Request.Body)
			if err != nil {
				t.Fatalf("reference decoder: %v", err)
			}
			call, err := DecodeCall([]byte(r.Request.Body), DefaultLimits)
			if err != nil {
				t.Fatalf("DecodeCall: %v", err)
			}
			if call.Method != method {
				t.Errorf("method = %q, want %q", call.Method, method)
			}
			if want := codectest.Plain(params); !codectest.Equal(anySlice(call.Params), anySlice(want.([]any))) {
				t.Errorf("params =\n%s\nwant\n%s", codectest.Show(anySlice(call.Params)), codectest.Show(want))
			}
			out, err := AppendCall(nil, method, params...)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != r.Request.Body {
				t.Errorf("AppendCall differs from xmlrpc.client's body: %s", codectest.FirstDiff(string(out), r.Request.Body))
			}
		})
	}
}

// anySlice makes nil and empty parameter lists compare equal.
func anySlice(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func TestGoldenResponses(t *testing.T) {
	seen := 0
	for _, r := range codectest.LoadRecordings(t, "xmlrpc_") {
		if !strings.HasPrefix(r.Response.Body, "<?xml") {
			continue
		}
		seen++
		t.Run(r.Name, func(t *testing.T) {
			_, params, isFault, err := refDocument(r.Response.Body)
			if err != nil || len(params) != 1 {
				t.Fatalf("reference decoder: %v, %d values", err, len(params))
			}
			got, err := DecodeResponse([]byte(r.Response.Body), DefaultLimits)
			if isFault {
				checkGoldenFault(t, r, params[0], err)
				return
			}
			if err != nil {
				t.Fatalf("DecodeResponse: %v", err)
			}
			if want := codectest.Plain(params[0]); !codectest.Equal(got, want) {
				t.Errorf("value =\n%s\nwant\n%s", codectest.Show(got), codectest.Show(want))
			}
			out, err := layoutOf(r).AppendResponse(nil, params[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != r.Response.Body {
				t.Errorf("AppendResponse differs from Odoo's body: %s", codectest.FirstDiff(string(out), r.Response.Body))
			}
		})
	}
	// version(), an int, a list of records, fields_get and faults must all
	// be among them.
	if seen < 80 {
		t.Errorf("only %d XML-RPC responses checked", seen)
	}
}

func checkGoldenFault(t *testing.T, r codectest.Recording, ref any, err error) {
	t.Helper()
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("DecodeResponse error = %v, want a *Fault", err)
	}
	m := codectest.Plain(ref).(map[string]any)
	if !codectest.Equal(f.Code, m["faultCode"]) || f.String != m["faultString"] {
		t.Errorf("fault = %#v, want %s", f, codectest.Show(m))
	}
	out := layoutOf(r).AppendFault(nil, f.Code, f.String)
	if string(out) != r.Response.Body {
		t.Errorf("AppendFault differs from Odoo's body: %s", codectest.FirstDiff(string(out), r.Response.Body))
	}
}

// TestGoldenMalformed checks that the bodies Odoo refused are refused with
// the expat message Odoo quoted in its fault.
func TestGoldenMalformed(t *testing.T) {
	n := 0
	for _, r := range codectest.LoadRecordings(t, "xmlrpc_") {
		if !isMalformed(r) {
			continue
		}
		n++
		t.Run(r.Name, func(t *testing.T) {
			_, err := DecodeCall([]byte(r.Request.Body), DefaultLimits)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			fs, _ := r.ClientView["faultString"].(string)
			want := fs[strings.LastIndex(fs, "ExpatError: ")+len("ExpatError: "):]
			if se.Error() != want {
				t.Errorf("error = %q, want %q", se.Error(), want)
			}
		})
	}
	if n != 2*len(codectest.CodecVersions) {
		t.Errorf("%d malformed recordings, want two per version", n)
	}
}

// TestRecordedMismatchedTag pins the exact case the brief quotes.
func TestRecordedMismatchedTag(t *testing.T) {
	body := `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value><string>oops</value></params>`
	_, err := DecodeCall([]byte(body), DefaultLimits)
	if err == nil || err.Error() != "mismatched tag: line 1, column 104" {
		t.Fatalf("error = %v", err)
	}
	if _, err := DecodeCall(nil, DefaultLimits); err == nil || err.Error() != "no element found: line 1, column 0" {
		t.Fatalf("empty body: error = %v", err)
	}
}
