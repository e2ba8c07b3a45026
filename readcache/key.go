package readcache

import (
	"encoding/binary"
	"math"
	"slices"
	"time"

	"github.com/okapi-erp/okapi"
)

// Limits of what is worth a key: a call whose arguments are larger or
// deeper is run without the cache (it is unlikely to come again, and its
// key would cost memory).
const (
	maxKeyBytes = 16 << 10
	maxDepth    = 32
)

// callKey is the cache key of a call: a byte string that two calls share
// only if they are the same question from the same user — the binding
// (positional or named), the user, whether the key is read-only, the model,
// the method and every argument, written with a type tag and a length for
// each value so that no two different calls can meet. Maps are written in
// key order. ok is false when an argument is of a kind the key cannot hold
// (the call then runs uncached).
func callKey(binding byte, u *okapi.User, model, method string, args []any, kwargs map[string]any) (string, bool) {
	b := make([]byte, 0, 256)
	b = append(b, binding)
	b = binary.LittleEndian.AppendUint64(b, uint64(u.ID))
	if u.ReadOnly {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendString(b, model)
	b = appendString(b, method)
	var ok bool
	if b, ok = appendValue(b, args, 0); !ok {
		return "", false
	}
	if b, ok = appendValue(b, kwargs, 0); !ok {
		return "", false
	}
	return string(b), true
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxDepth || len(b) > maxKeyBytes {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'N'), true
	case bool:
		if x {
			return append(b, 'T'), true
		}
		return append(b, 'F'), true
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, 'i'), uint64(x)), true
	case int:
		return binary.LittleEndian.AppendUint64(append(b, 'i'), uint64(x)), true
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(x)), true
	case string:
		return appendString(append(b, 's'), x), true
	case []byte:
		return appendString(append(b, 'b'), string(x)), true
	case time.Time:
		return appendString(append(b, 't'), x.UTC().Format(time.RFC3339Nano)), true
	case []any:
		b = binary.AppendUvarint(append(b, 'l'), uint64(len(x)))
		for _, e := range x {
			var ok bool
			if b, ok = appendValue(b, e, depth+1); !ok {
				return b, false
			}
		}
		return b, true
	case []int64:
		b = binary.AppendUvarint(append(b, 'l'), uint64(len(x)))
		for _, e := range x {
			b = binary.LittleEndian.AppendUint64(append(b, 'i'), uint64(e))
		}
		return b, true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = binary.AppendUvarint(append(b, 'm'), uint64(len(x)))
		for _, k := range keys {
			b = appendString(b, k)
			var ok bool
			if b, ok = appendValue(b, x[k], depth+1); !ok {
				return b, false
			}
		}
		return b, true
	}
	return b, false
}

// sizeOf estimates the memory an answer holds, stopping (ok false) once it
// is over limit or holds a kind of value the cache does not keep.
func sizeOf(v any, limit int64) (int64, bool) {
	var n int64
	ok := walk(v, &n, limit, 0)
	return n, ok && n <= limit
}

func walk(v any, n *int64, limit int64, depth int) bool {
	if *n > limit || depth > maxDepth {
		return false
	}
	*n += 16 // the interface
	switch x := v.(type) {
	case nil, bool, int64, int, float64:
	case string:
		*n += int64(len(x))
	case []byte:
		*n += int64(len(x)) + 24
	case time.Time:
		*n += 24
	case []int64:
		*n += 24 + 8*int64(len(x))
	case []string:
		*n += 24
		for _, s := range x {
			*n += 16 + int64(len(s))
		}
	case []any:
		*n += 24
		for _, e := range x {
			if !walk(e, n, limit, depth+1) {
				return false
			}
		}
	case map[string]any:
		*n += 48
		for k, e := range x {
			*n += 16 + int64(len(k))
			if !walk(e, n, limit, depth+1) {
				return false
			}
		}
	case okapi.Struct:
		*n += 24
		for _, m := range x {
			*n += 16 + int64(len(m.Name))
			if !walk(m.Value, n, limit, depth+1) {
				return false
			}
		}
	case []okapi.Struct:
		*n += 24
		for _, s := range x {
			if !walk(s, n, limit, depth+1) {
				return false
			}
		}
	case []map[string]any:
		*n += 24
		for _, m := range x {
			if !walk(m, n, limit, depth+1) {
				return false
			}
		}
	default:
		return false
	}
	return *n <= limit
}
