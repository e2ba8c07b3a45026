package jsonrpc

import "github.com/okapi-erp/okapi/rpc/internal/pyfmt"

// intern and internValue share the strings of Odoo's common vocabulary
// (pyfmt), so that decoding them does not allocate.
func intern(b []byte) string { return pyfmt.Intern(b) }

func internValue(b []byte) any { return pyfmt.InternValue(b) }
