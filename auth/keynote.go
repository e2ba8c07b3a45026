package auth

import (
	"context"
	"time"
)

// KeyNote collects what one request's key check learnt that its answer may
// tell the client: when the key expires (zero: the key never expires, or no
// key was used). The RPC layer sends it as the Okapi-Key-Expiration header,
// as GitHub sends GitHub-Authentication-Token-Expiration, so that a tool can
// warn before its key stops working (landscape A.3 #2, B.1 #3).
type KeyNote struct {
	Expires time.Time
}

type keyNoteCtx struct{}

// noteCtx carries a note in one allocation (context.WithValue and a
// separate note would be two, on every call of the hot path).
type noteCtx struct {
	context.Context
	note KeyNote
}

func (c *noteCtx) Value(k any) any {
	if k == (keyNoteCtx{}) {
		return &c.note
	}
	return c.Context.Value(k)
}

// WithKeyNote returns a context whose key checks fill the note.
func WithKeyNote(ctx context.Context) (context.Context, *KeyNote) {
	c := &noteCtx{Context: ctx}
	return c, &c.note
}

// noteExpiry records an accepted key's expiry in the request's note, if any.
func noteExpiry(ctx context.Context, expires time.Time) {
	if expires.IsZero() {
		return
	}
	if n, ok := ctx.Value(keyNoteCtx{}).(*KeyNote); ok {
		n.Expires = expires
	}
}
