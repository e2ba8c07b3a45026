package bridge

import (
	"unicode/utf8"

	"github.com/okapi-erp/okapi"
)

// Values cross between the protocols through the shared codecs without
// loss: an XML-RPC <dateTime.iso8601> becomes Odoo's "YYYY-MM-DD HH:MM:SS"
// string (what Odoo itself answers for dates and datetimes on every
// protocol), False and None stay false and null, nested arrays and structs
// stay nested, text stays UTF-8. One thing cannot cross: XML-RPC's <base64>
// carries bytes, JSON only text. Odoo's binary fields take base64 text, so
// bytes that are text cross as that text; bytes that are not text would be
// mangled, and are refused instead.

// maxCheckDepth bounds the walk; the codecs bound nesting well below it.
const maxCheckDepth = 128

// checkJSONable reports a value JSON cannot carry unchanged.
func checkJSONable(v any, depth int) error {
	if depth > maxCheckDepth {
		return nil
	}
	switch x := v.(type) {
	case []byte:
		if !utf8.Valid(x) {
			return okapi.Errorf(okapi.EValueError, "a binary value (XML-RPC <base64>) holds bytes that are not text, which JSON-2 cannot carry: send binary fields as base64 text, as Odoo expects them")
		}
	case []any:
		for _, e := range x {
			if err := checkJSONable(e, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range x {
			if err := checkJSONable(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
