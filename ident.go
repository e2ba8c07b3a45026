package okapi

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// MaxIdentBytes bounds an identifier that comes from a request (a login, a
// database name, a key's name, a model or method name) wherever it is
// counted, logged or stored: beyond it, CapIdent shortens it. No real
// identifier comes near it (Odoo's logins are e-mail addresses).
const MaxIdentBytes = 256

// MaxLoginBytes is the longest login a user may have; a longer one given
// to a login path fails as an unknown login would, without a lookup.
const MaxLoginBytes = 1024

// CapIdent returns s when it is at most MaxIdentBytes long; a longer s is
// cut at a character boundary and tagged with a digest of the whole, so two
// long values stay distinct and the result is at most MaxIdentBytes long.
// It is for logs, the audit log and failure counts: a 4 MiB login costs no
// more there than a short one.
func CapIdent(s string) string {
	if len(s) <= MaxIdentBytes {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	tag := "…#" + hex.EncodeToString(sum[:8])
	cut := MaxIdentBytes - len(tag)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + tag
}
