// Package xmlrpc reads and writes the XML-RPC documents that Odoo clients
// exchange with /xmlrpc/2/* and the legacy /xmlrpc/* endpoints.
//
// It exists because encoding/xml is both too slow and too lenient for that
// job: authenticate and execute_kw calls sit on the hot path, so the decoder
// scans bytes directly and allocates little, and it must refuse what a
// hostile body can carry (DOCTYPE declarations, user-defined entities, deep
// nesting, huge strings) before it costs memory. Answers are written byte for
// byte as Odoo writes them, so a client cannot tell Okapi from Odoo.
//
// Decoded values are nil, bool, int64, float64, string, []byte, time.Time,
// []any and map[string]any. The encoders also take okapi.Struct (written in
// its order), []okapi.Struct, []map[string]any, every Go integer kind, []int64
// and []string.
package xmlrpc

import (
	"fmt"
	"strconv"

	"github.com/okapi-erp/okapi/rpc/internal/limits"
)

// Limits bounds what one document may make the decoder build (depth,
// values, string size). A zero or negative field means the default.
type Limits = limits.Limits

// DefaultLimits are the limits the transports use unless configured
// otherwise.
var DefaultLimits = limits.Default

// Call is a decoded <methodCall>.
type Call struct {
	Method string
	Params []any
}

// Fault is an XML-RPC fault answer. Code is an int64 on /xmlrpc/2/* and a
// string on Odoo's legacy /xmlrpc/* endpoints.
type Fault struct {
	Code   any
	String string
}

// Error returns the fault in the style of Python's xmlrpc.client.Fault.
func (f *Fault) Error() string {
	var code string
	switch c := f.Code.(type) {
	case int64:
		code = strconv.FormatInt(c, 10)
	case string:
		code = strconv.Quote(c)
	default:
		code = fmt.Sprint(c)
	}
	return "<Fault " + code + ": " + strconv.Quote(f.String) + ">"
}

// SyntaxError reports a body that is not a well-formed XML-RPC document. Msg
// follows Python expat's wording where expat would have refused the body;
// Line is 1-based and Column 0-based, counted in characters as expat does.
type SyntaxError struct {
	Msg          string
	Line, Column int
}

// Error returns the message as expat words it, e.g.
// "mismatched tag: line 1, column 104".
func (e *SyntaxError) Error() string {
	return e.Msg + ": line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column)
}

// LimitError reports a document that exceeds the Limits it was decoded with.
type LimitError struct {
	What string // e.g. "nesting deeper than 64"
}

// Error describes the exceeded limit.
func (e *LimitError) Error() string {
	return "xmlrpc: document too large: " + e.What
}
