// Package jsonrpc reads and writes JSON the way Odoo's Python side does, for
// /jsonrpc, the /web/… JSON routes and the JSON-2 API.
//
// It exists because encoding/json differs from Python's json module in
// every place a client can see: Odoo writes ", " and ": " separators,
// escapes everything outside ASCII, prints floats with repr() ("1.0"), and
// words its parse errors in a way that ends up verbatim in JSON-2 error
// bodies ("Expecting value: line 1 column 11 (char 10)"). The decoder is a
// hand-written scanner that allocates only the values it returns and checks
// depth, element count and string size before allocating, so what a hostile
// body makes it build stays within its Limits.
//
// Decoded values are nil, bool, int64, float64, string, []any and
// map[string]any. The encoder also takes okapi.Struct (written in its
// order), []okapi.Struct, []map[string]any, []byte and time.Time (written as
// strings, as Odoo does), every Go integer kind, []int64 and []string.
package jsonrpc

import (
	"strconv"

	"github.com/okapi-erp/okapi/rpc/internal/limits"
)

// Limits bounds what one document may make the decoder build (depth,
// values, string size). A zero or negative field means the default.
type Limits = limits.Limits

// DefaultLimits are the limits the transports use unless configured
// otherwise.
var DefaultLimits = limits.Default

// SyntaxError reports a body that is not valid JSON, or not a valid
// JSON-RPC request, worded and positioned as Python's json.JSONDecodeError
// words it: Line and Column are 1-based, Offset is the 0-based character
// (not byte) index.
type SyntaxError struct {
	Msg                  string
	Line, Column, Offset int
}

// Error returns the message as Python prints it, e.g.
// "Expecting value: line 1 column 11 (char 10)".
func (e *SyntaxError) Error() string {
	return e.Msg + ": line " + strconv.Itoa(e.Line) + " column " + strconv.Itoa(e.Column) +
		" (char " + strconv.Itoa(e.Offset) + ")"
}

// LimitError reports a document that exceeds the Limits it was decoded with.
type LimitError struct {
	What string // e.g. "nesting deeper than 64"
}

// Error describes the exceeded limit.
func (e *LimitError) Error() string {
	return "jsonrpc: document too large: " + e.What
}

// RawID is a request's "id" exactly as the client sent it, so the answer
// can echo it byte for byte; nil means the member was absent, which Odoo
// answers with "id": null.
type RawID []byte

// Request is a decoded JSON-RPC 2.0 envelope. Odoo ignores "jsonrpc" and
// "method" (the URL selects the handler), so the version is not checked and
// Method is passed along as sent; it only has to be a string.
type Request struct {
	ID        RawID
	Method    string
	Params    map[string]any
	HasParams bool
}
