package jsonrpc

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi"
)

// conformanceDir holds the recorded Odoo exchanges, relative to this
// package. CI has it too, so its absence is a failure, not a skip.
const conformanceDir = "../../../shared/conformance"

// recording is one recorded request/response pair.
type recording struct {
	Name    string // e.g. 19.0/jsonrpc_common_version.json
	Request struct {
		Method, URL string
		Body        string
	}
	Response struct {
		Status  int
		Headers [][2]string
		Body    string
	}
}

// contentType returns the response's Content-Type header.
func (r recording) contentType() string {
	for _, h := range r.Response.Headers {
		if strings.EqualFold(h[0], "Content-Type") {
			return h[1]
		}
	}
	return ""
}

var keyPlaceholder = regexp.MustCompile(`<KEY_[A-Z0-9_]+>`)

// realKey stands a deterministic 40-hex key in for a placeholder.
func realKey(placeholder []byte) []byte {
	sum := sha1.Sum(placeholder)
	return []byte(hex.EncodeToString(sum[:]))
}

// loadRecordings reads every recording whose file name starts with prefix,
// with key placeholders replaced by hex keys.
func loadRecordings(t testing.TB, prefix string) []recording {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*", prefix+"*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no recordings %s* under %s", prefix, conformanceDir)
	}
	var out []recording
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r recording
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r.Name = filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f))
		r.Request.Body = string(keyPlaceholder.ReplaceAllFunc([]byte(r.Request.Body), realKey))
		r.Response.Body = string(keyPlaceholder.ReplaceAllFunc([]byte(r.Response.Body), realKey))
		out = append(out, r)
	}
	return out
}

// refDecode decodes a document with encoding/json, keeping object member
// order in okapi.Struct: the independent reference of the golden tests.
func refDecode(body string) (any, error) {
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	v, err := refValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("extra data")
	}
	return v, nil
}

func refValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '[':
			out := []any{}
			for d.More() {
				v, err := refValue(d)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := d.Token()
			return out, err
		case '{':
			out := okapi.Struct{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := refValue(d)
				if err != nil {
					return nil, err
				}
				out = append(out, okapi.Member{Name: k.(string), Value: v})
			}
			_, err := d.Token()
			return out, err
		}
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return n, nil
			}
		}
		return strconv.ParseFloat(string(x), 64)
	}
	return tok, nil
}

// plain turns okapi.Struct values into the map[string]any the decoder
// returns, so reference values compare with decoded ones.
func plain(v any) any {
	switch x := v.(type) {
	case okapi.Struct:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Name] = plain(e.Value)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// equal is reflect.DeepEqual with NaN equal to NaN and -0 distinct from 0.
func equal(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return math.Float64bits(x) == math.Float64bits(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return reflect.DeepEqual(a, b)
}

// show prints a value compactly for failure messages.
func show(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: %s", k, show(x[k]))
		}
		b.WriteString("}")
		return b.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%#v", v)
}

// firstDiff points at the first differing byte of two documents.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-60)
	return fmt.Sprintf("first difference at byte %d:\n got: %q\nwant: %q", i, got[lo:min(len(got), i+60)], want[lo:min(len(want), i+60)])
}
