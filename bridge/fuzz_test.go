package bridge

import (
	"errors"
	"reflect"
	"testing"

	"github.com/okapi-erp/okapi"
)

// FuzzRoundTrip: any named call, on any ORM method of any version or on an
// unknown method, survives named → positional → named unchanged (a record
// method's missing ids come back as an empty list; names other versions
// use come back under this version's), or is refused with an Odoo-shaped
// error, never a panic or a silent loss.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(5), uint8(0), uint16(0xffff), "context", uint8(1), "x")
	f.Add(uint8(0), uint8(3), uint16(0x5), "limitt", uint8(0), "é")
	f.Add(uint8(2), uint8(200), uint16(0), "ids", uint8(2), "")
	f.Add(uint8(3), uint8(9), uint16(2), "args", uint8(3), "\x00")
	f.Fuzz(func(t *testing.T, v, m uint8, mask uint16, extra string, idsMode uint8, val string) {
		version := MinVersion + int(v)%(MaxVersion-MinVersion+1)
		methods := ORMMethods(version)
		var sig *Signature
		method := "custom_method"
		if int(m) < len(methods) {
			method = methods[m]
			sig = ORMSignature(version, method)
		}
		params := map[string]any{}
		if sig != nil {
			for i, p := range sig.Params {
				if mask&(1<<i) != 0 {
					params[p] = []any{val, int64(i), map[string]any{"k": val}}
				}
			}
		}
		if extra != "" {
			params[extra] = val
		}
		switch idsMode % 4 {
		case 1:
			params["ids"] = []any{int64(1), int64(2)}
		case 2:
			params["ids"] = []any{}
		}
		args, kwargs, err := ToPositional(sig, "x.model", method, params)
		if err != nil {
			if okapi.AsError(err) == nil {
				t.Fatalf("refusal without an Odoo shape: %v", err)
			}
			return
		}
		if args == nil {
			t.Fatal("nil args: execute_kw needs a list")
		}
		back, err := ToNamed(sig, "x.model", method, args, kwargs)
		if err != nil {
			if sig == nil && len(args) > 0 && errors.Is(err, ErrUnnamed) {
				// Unknown method with ids: JSON-2 → positional keeps
				// them, positional → JSON-2 cannot name them.
				return
			}
			t.Fatalf("%d %s %v: back: %v (args %v kwargs %v)", version, method, params, err, args, kwargs)
		}
		want := map[string]any{}
		for k, v := range params {
			if sig != nil && k != ContextKey && k != IDsKey {
				k = sig.name(k)
			}
			want[k] = v
		}
		if sig != nil && sig.Records {
			if _, ok := want["ids"]; !ok {
				want["ids"] = []any{}
			}
		}
		if sig != nil && !sig.Records {
			delete(want, "ids") // only an empty list gets here
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("%d %s: %v became %v (args %v kwargs %v)", version, method, params, back, args, kwargs)
		}
	})
}
