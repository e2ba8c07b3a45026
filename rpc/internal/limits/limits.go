// Package limits bounds what one request document may make a decoder build;
// the XML-RPC and JSON decoders share it, so both refuse the same sizes.
package limits

// Defaults.
const (
	MaxDepth       = 64        // nesting of arrays and structs/objects
	MaxElements    = 1_000_000 // values in one document (answers a client reads)
	MaxStringBytes = 16 << 20  // one decoded string, key, name or base64 value
)

// Limits bounds one document. A zero or negative field means the default.
type Limits struct {
	MaxDepth       int // nesting of arrays and structs/objects, default 64
	MaxElements    int // total values in one document, default 1_000_000
	MaxStringBytes int // one decoded string, key, name or base64 value, default 16 MiB
}

// MaxRequestElements bounds the values of one request a server decodes:
// an in of 100,000 values twice over, with room. Requests come from anyone,
// so their bound is tighter than that of the answers a client reads (a
// search_read of 30,000 records may hold 300,000 values).
const MaxRequestElements = 250_000

// Default holds the default limits.
var Default = Limits{MaxDepth: MaxDepth, MaxElements: MaxElements, MaxStringBytes: MaxStringBytes}

// Request holds the limits of a request the server decodes.
var Request = Limits{MaxDepth: MaxDepth, MaxElements: MaxRequestElements, MaxStringBytes: MaxStringBytes}

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
