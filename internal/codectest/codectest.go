// Package codectest holds what the XML-RPC and JSON-RPC codec tests share:
// a bridge to a real Python process (xmlrpc.client, json) and the
// comparison of decoded values.
//
// Values cross the process boundary in a tagged JSON form that keeps int,
// float, bytes, datetime and dict order apart: {"int": "42"},
// {"dict": [["k", …]]}, ….
package codectest

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
)

// PyScript is the Python half of the tagged form: canon(v) and uncanon(c).
// Scripts start with it and use x for xmlrpc.client.
const PyScript = `
import base64, datetime, json, sys, xmlrpc.client as x

def canon(v):
    if v is None: return {"nil": None}
    if isinstance(v, bool): return {"bool": v}
    if isinstance(v, int): return {"int": str(v)}
    if isinstance(v, float): return {"float": v.hex()}
    if isinstance(v, str): return {"str": v}
    if isinstance(v, (bytes, bytearray)): return {"bytes": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime): return {"dt": v.strftime("%Y-%m-%dT%H:%M:%S")}
    if isinstance(v, (list, tuple)): return {"list": [canon(e) for e in v]}
    if isinstance(v, dict): return {"dict": [[k, canon(e)] for k, e in v.items()]}
    raise TypeError(type(v))

def uncanon(c):
    (k, v), = c.items()
    if k == "nil": return None
    if k == "bool": return v
    if k == "int": return int(v)
    if k == "float": return float.fromhex(v)
    if k == "str": return v
    if k == "bytes": return base64.b64decode(v)
    if k == "dt": return datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S")
    if k == "list": return [uncanon(e) for e in v]
    if k == "dict": return {n: uncanon(e) for n, e in v}
    raise TypeError(k)
`

const dtLayout = "2006-01-02T15:04:05"

// Python runs script with stdin under python3 and returns its standard
// output. In CI (CI set) a missing python3 fails the test; elsewhere it
// skips.
func Python(t testing.TB, script string, stdin []byte) []byte {
	t.Helper()
	path, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is not on PATH")
		}
		t.Skip("python3 is not on PATH")
	}
	cmd := exec.Command(path, "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// FromPy turns the tagged form into the Go values the decoders return:
// dicts into okapi.Struct, lists into []any, integers into int64 (beyond
// int64, float64, as the JSON decoder gives them), datetimes into UTC
// time.Time.
func FromPy(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	var tagged map[string]json.RawMessage
	if err := json.Unmarshal(raw, &tagged); err != nil || len(tagged) != 1 {
		t.Fatalf("bad tagged value %s: %v", raw, err)
	}
	for k, v := range tagged {
		switch k {
		case "nil":
			return nil
		case "bool":
			var b bool
			_ = json.Unmarshal(v, &b)
			return b
		case "list":
			var items []json.RawMessage
			_ = json.Unmarshal(v, &items)
			out := make([]any, len(items))
			for i, e := range items {
				out[i] = FromPy(t, e)
			}
			return out
		case "dict":
			var pairs [][2]json.RawMessage
			_ = json.Unmarshal(v, &pairs)
			out := okapi.Struct{}
			for _, p := range pairs {
				var name string
				_ = json.Unmarshal(p[0], &name)
				out = append(out, okapi.Member{Name: name, Value: FromPy(t, p[1])})
			}
			return out
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			t.Fatalf("bad tagged value %s", raw)
		}
		switch k {
		case "int":
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("int %s: %v", s, err)
			}
			return f
		case "float":
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("float %s: %v", s, err)
			}
			return f
		case "str":
			return s
		case "bytes":
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				t.Fatalf("bytes %s: %v", s, err)
			}
			return b
		case "dt":
			tm, err := time.Parse(dtLayout, s)
			if err != nil {
				t.Fatalf("dt %s: %v", s, err)
			}
			return tm
		}
	}
	t.Fatalf("unknown tagged value %s", raw)
	return nil
}

// ToPy is the Go half of the tagged form. A map[string]any becomes a dict in
// sorted key order; a type the form does not know panics.
func ToPy(v any) any {
	switch x := v.(type) {
	case nil:
		return map[string]any{"nil": nil}
	case bool:
		return map[string]any{"bool": x}
	case int:
		return map[string]any{"int": strconv.Itoa(x)}
	case int64:
		return map[string]any{"int": strconv.FormatInt(x, 10)}
	case float64:
		s := strconv.FormatFloat(x, 'x', -1, 64)
		switch {
		case math.IsNaN(x):
			s = "nan"
		case math.IsInf(x, 1):
			s = "inf"
		case math.IsInf(x, -1):
			s = "-inf"
		}
		return map[string]any{"float": s}
	case string:
		return map[string]any{"str": x}
	case []byte:
		return map[string]any{"bytes": base64.StdEncoding.EncodeToString(x)}
	case time.Time:
		return map[string]any{"dt": x.UTC().Format(dtLayout)}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToPy(e)
		}
		return map[string]any{"list": out}
	case okapi.Struct:
		pairs := make([]any, len(x))
		for i, m := range x {
			pairs[i] = []any{m.Name, ToPy(m.Value)}
		}
		return map[string]any{"dict": pairs}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := okapi.Struct{}
		for _, k := range keys {
			s = append(s, okapi.Member{Name: k, Value: x[k]})
		}
		return ToPy(s)
	}
	panic("codectest.ToPy: unsupported type")
}

// Plain turns okapi.Struct values into the map[string]any the decoders
// return, so reference values compare with decoded ones.
func Plain(v any) any {
	switch x := v.(type) {
	case okapi.Struct:
		return Plain(x.Map())
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Plain(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	}
	return v
}

// Equal is reflect.DeepEqual with NaN equal to NaN, -0 distinct from 0 and
// times compared as instants: what a round trip must preserve.
func Equal(a, b any) bool {
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
			if !Equal(x[i], y[i]) {
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
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return reflect.DeepEqual(a, b)
}

// Show prints a value compactly for failure messages, map keys sorted.
func Show(v any) string {
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
			fmt.Fprintf(&b, "%q: %s", k, Show(x[k]))
		}
		b.WriteString("}")
		return b.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%#v", v)
}

// FirstDiff points at the first differing byte of two documents.
func FirstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-60)
	return fmt.Sprintf("first difference at byte %d:\n got: %q\nwant: %q", i, got[lo:min(len(got), i+60)], want[lo:min(len(want), i+60)])
}

// Recording is one request/answer pair recorded against real Odoo, kept in
// testdata/odoo.
type Recording struct {
	Name    string // e.g. 19.0/jsonrpc_common_version.json
	Request struct {
		Method, URL string
		Headers     map[string]string
		Body        string
	}
	Response struct {
		Status  int
		Headers [][2]string
		Body    string
	}
	// ClientView is what Python's client made of the answer.
	ClientView map[string]any `json:"client_view"`
}

// ContentType returns the answer's Content-Type header.
func (r Recording) ContentType() string {
	for _, h := range r.Response.Headers {
		if strings.EqualFold(h[0], "Content-Type") {
			return h[1]
		}
	}
	return ""
}

// ConformanceDir is where the recordings are: testdata/odoo at the top of
// the repository (see its README). Its absence is a failure, not a skip.
func ConformanceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "odoo")
}

var keyPlaceholder = regexp.MustCompile(`<KEY_[A-Z0-9_]+>`)

// RealKey stands a deterministic 40-hex key in for a placeholder such as
// <KEY_ALICE>.
func RealKey(placeholder []byte) []byte {
	sum := sha1.Sum(placeholder)
	return []byte(hex.EncodeToString(sum[:]))
}

// CodecVersions are the recorded versions whose bytes the codecs' golden
// tests and fuzzers hold the encoders to.
var CodecVersions = []string{"16.0", "17.0", "18.0", "19.0"}

// LoadRecordings reads every recording of CodecVersions whose file name
// starts with prefix, key placeholders in the bodies replaced by RealKey.
func LoadRecordings(t testing.TB, prefix string) []Recording {
	t.Helper()
	dir := ConformanceDir()
	var files []string
	for _, ver := range CodecVersions {
		found, err := filepath.Glob(filepath.Join(dir, ver, prefix+"*.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	if len(files) == 0 {
		t.Fatalf("no recordings %s* under %s", prefix, dir)
	}
	var out []Recording
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r Recording
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r.Name = filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f))
		r.Request.Body = string(keyPlaceholder.ReplaceAllFunc([]byte(r.Request.Body), RealKey))
		r.Response.Body = string(keyPlaceholder.ReplaceAllFunc([]byte(r.Response.Body), RealKey))
		out = append(out, r)
	}
	return out
}

// ReplaceKeys replaces every key placeholder in s with key.
func ReplaceKeys(s, key string) string {
	return keyPlaceholder.ReplaceAllLiteralString(s, key)
}
