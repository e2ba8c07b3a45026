package jsonrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/internal/codectest"
)

// The recordings are real Odoo 16.0–19.0 exchanges: every JSON answer
// was written by Python's json.dumps, so re-encoding what it carries must
// give its bytes back exactly — but for one known difference: Odoo 16
// wrote non-ASCII text raw (the € of 16.0's session info), where this
// encoder escapes it as json.dumps(ensure_ascii=True) does; both are the
// same JSON to every client, so the recorded body is compared in its
// escaped form (asciiEscaped).

// asciiEscaped writes the non-ASCII characters of a JSON text as \uXXXX
// escapes (surrogate pairs beyond the BMP), as ensure_ascii would have.
func asciiEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, "\\u%04x\\u%04x", 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

func jsonRecordings(t *testing.T) []codectest.Recording {
	var out []codectest.Recording
	for _, prefix := range []string{"jsonrpc_", "json2_", "json_", "web_"} {
		out = append(out, codectest.LoadRecordings(t, prefix)...)
	}
	return out
}

func TestGoldenValues(t *testing.T) {
	n := 0
	for _, r := range jsonRecordings(t) {
		if !strings.HasPrefix(r.ContentType(), "application/json") {
			continue
		}
		n++
		t.Run(r.Name, func(t *testing.T) {
			ref, err := refDecode(r.Response.Body)
			if err != nil {
				t.Fatalf("reference decoder: %v", err)
			}
			got, err := Decode([]byte(r.Response.Body), DefaultLimits)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !codectest.Equal(got, codectest.Plain(ref)) {
				t.Errorf("Decode =\n%s\nwant\n%s", codectest.Show(got), codectest.Show(codectest.Plain(ref)))
			}
			out, err := AppendValue(nil, ref)
			if err != nil {
				t.Fatal(err)
			}
			if want := asciiEscaped(r.Response.Body); string(out) != want {
				t.Errorf("AppendValue differs from Odoo's body: %s", codectest.FirstDiff(string(out), want))
			}
		})
	}
	if n < 60 {
		t.Errorf("only %d JSON bodies checked", n)
	}
}

// TestGoldenEnvelopes rebuilds every /jsonrpc and /web answer with
// AppendResult or AppendError.
func TestGoldenEnvelopes(t *testing.T) {
	n := 0
	for _, r := range jsonRecordings(t) {
		body := r.Response.Body
		if !strings.HasPrefix(body, `{"jsonrpc": "2.0"`) {
			continue
		}
		n++
		t.Run(r.Name, func(t *testing.T) {
			var raw struct{ ID json.RawMessage }
			if err := json.Unmarshal([]byte(body), &raw); err != nil {
				t.Fatal(err)
			}
			id := RawID(raw.ID)
			if string(id) == "null" {
				id = nil // absent in the request
			}
			ref, err := refDecode(body)
			if err != nil {
				t.Fatal(err)
			}
			env := ref.(okapi.Struct)
			var out []byte
			if result, ok := env.Get("result"); ok {
				out, err = AppendResult(nil, id, result)
			} else {
				e, _ := env.Get("error")
				code, _ := e.(okapi.Struct).Get("code")
				msg, _ := e.(okapi.Struct).Get("message")
				data, _ := e.(okapi.Struct).Get("data")
				out, err = AppendError(nil, id, int(code.(int64)), msg.(string), data)
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := asciiEscaped(body); string(out) != want {
				t.Errorf("envelope differs from Odoo's: %s", codectest.FirstDiff(string(out), want))
			}
		})
	}
	if n < 40 {
		t.Errorf("only %d envelopes checked", n)
	}
}

func TestGoldenRequests(t *testing.T) {
	for _, r := range jsonRecordings(t) {
		if r.Request.Method != "POST" || r.Request.Body == "" {
			continue
		}
		t.Run(r.Name, func(t *testing.T) {
			body := []byte(r.Request.Body)
			ref, refErr := refDecode(r.Request.Body)
			got, err := Decode(body, DefaultLimits)
			if refErr != nil {
				if err == nil {
					t.Fatalf("Decode accepted what encoding/json refused: %v", refErr)
				}
				return
			}
			if err != nil || !codectest.Equal(got, codectest.Plain(ref)) {
				t.Fatalf("Decode = %s, %v; want %s", codectest.Show(got), err, codectest.Show(codectest.Plain(ref)))
			}
			if !strings.Contains(r.Request.URL, "/jsonrpc") && !strings.Contains(r.Request.URL, "/web/") {
				return
			}
			req, err := DecodeRequest(body, DefaultLimits)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			var raw struct {
				ID     json.RawMessage
				Method string
			}
			_ = json.Unmarshal(body, &raw)
			params, _ := ref.(okapi.Struct).Get("params")
			if string(req.ID) != string(raw.ID) || req.Method != raw.Method || !req.HasParams || !codectest.Equal(req.Params, codectest.Plain(params)) {
				t.Errorf("DecodeRequest = %+v", req)
			}
			if raw.ID == nil && req.ID != nil {
				t.Errorf("absent id decoded as %q", req.ID)
			}
		})
	}
}

// TestGoldenParseError checks the message Odoo puts in JSON-2's 400 answer
// for the recorded malformed body.
func TestGoldenParseError(t *testing.T) {
	n := 0
	for _, r := range codectest.LoadRecordings(t, "json2_malformed_json") {
		n++
		_, err := Decode([]byte(r.Request.Body), DefaultLimits)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("%s: error = %v", r.Name, err)
		}
		if want := "could not parse the body as json: " + se.Error(); !strings.Contains(r.Response.Body, `"message": "`+want+`"`) {
			t.Errorf("%s: %q is not in the recorded answer %s", r.Name, want, r.Response.Body)
		}
	}
	if n == 0 {
		t.Fatal("no json2_malformed_json codectest.Recording")
	}
}
