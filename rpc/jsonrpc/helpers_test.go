package jsonrpc

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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
