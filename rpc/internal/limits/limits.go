// Package limits bounds what one request document may make a decoder build;
// the XML-RPC and JSON decoders share it, so both refuse the same sizes.
package limits

// Defaults.
const (
	MaxDepth       = 64       // nesting of arrays and structs/objects
	MaxElements    = 250_000  // values in one document: an in of 100,000 values, twice, with room
	MaxStringBytes = 16 << 20 // one decoded string, key, name or base64 value
)

// Limits bounds one document. A zero or negative field means the default.
type Limits struct {
	MaxDepth       int // nesting of arrays and structs/objects, default 64
	MaxElements    int // total values in one document, default 250,000
	MaxStringBytes int // one decoded string, key, name or base64 value, default 16 MiB
}

// Default holds the default limits.
var Default = Limits{MaxDepth: MaxDepth, MaxElements: MaxElements, MaxStringBytes: MaxStringBytes}

// Normalized fills unset fields from the constants rather than from
// Default, so a caller that zeroes a package's DefaultLimits cannot switch
// the limits off.
func (l Limits) Normalized() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = MaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = MaxElements
	}
	if l.MaxStringBytes <= 0 {
		l.MaxStringBytes = MaxStringBytes
	}
	return l
}
