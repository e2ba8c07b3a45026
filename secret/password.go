package secret

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's second recommended setting (12 MiB, 3 passes),
// which keeps a burst of logins from blowing the server's memory budget while
// costing a guesser tens of milliseconds per try.
const (
	argonMemory  = 12 * 1024
	argonTime    = 3
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
	argonPrefix  = "$argon2id$"
)

// passwordSlots bounds concurrent password hashing: each takes 12 MiB and a
// core for ~30 ms, so unbounded concurrency would let a login flood exhaust
// memory. Waiting callers honour their context.
var passwordSlots = make(chan struct{}, max(runtime.NumCPU(), 2))

func acquire(ctx context.Context) error {
	select {
	case passwordSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func release() { <-passwordSlots }

// HashPassword returns the stored form of a password.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := acquire(ctx); err != nil {
		return "", err
	}
	sum := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	release()
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", argonPrefix, argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum)), nil
}

// VerifyPassword checks a password against a stored hash: Okapi's argon2id,
// or Odoo's "$pbkdf2-sha512$…" (then rehash is true, so that the caller
// replaces it). An empty password or hash never matches.
func VerifyPassword(ctx context.Context, password, stored string) (ok, rehash bool, err error) {
	if password == "" || stored == "" {
		return false, false, nil
	}
	if err := acquire(ctx); err != nil {
		return false, false, err
	}
	defer release()
	switch {
	case strings.HasPrefix(stored, argonPrefix):
		ok, current := verifyArgon(password, stored)
		return ok, ok && !current, nil
	case strings.HasPrefix(stored, pbkdf2Prefix):
		ok := verifyPBKDF2(password, stored)
		return ok, ok, nil
	}
	return false, false, nil
}

// verifyArgon checks an argon2id PHC string; current reports whether it was
// made with today's parameters.
func verifyArgon(password, stored string) (ok, current bool) {
	parts := strings.Split(stored, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 {
		return false, false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, false
	}
	// Refuse parameters that would let a planted hash exhaust the server.
	if m == 0 || m > 256*1024 || t == 0 || t > 16 || p == 0 || p > 8 {
		return false, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, m == argonMemory && t == argonTime && p == argonThreads && len(want) == argonKeyLen
}
