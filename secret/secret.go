// Package secret is where keys and passwords are hashed and checked.
//
// API keys are 160-bit random strings, so a slow password hash buys nothing
// against guessing them; what matters is that a stolen database alone does not
// give them away. Keys are therefore stored as HMAC-SHA-256 under a server
// secret (the "pepper") that lives outside the database, as GitHub, GitLab and
// Unkey do: verification takes a microsecond. Keys imported from Odoo carry
// Odoo's PBKDF2-SHA512 hash; they are accepted and re-hashed on first use.
//
// Passwords are chosen by people, so they get a memory-hard KDF (argon2id)
// behind a semaphore that bounds the memory and CPU a flood of logins can take.
// Odoo's own password hashes are accepted so that imported users can log in.
package secret

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// PepperLen is the size of the server secret in bytes.
const PepperLen = 32

const (
	hmacPrefix   = "$hmac-sha256$"
	pbkdf2Prefix = "$pbkdf2-sha512$"
)

// Digest is the keyed hash of a presented secret. It is what the database
// stores and what the verification cache is keyed by; the secret itself is
// kept nowhere.
type Digest [sha256.Size]byte

// Hasher hashes and checks API keys under one pepper.
type Hasher struct {
	pepper []byte
	// macs pools keyed HMAC states: Digest is on every request's path and
	// building an HMAC allocates its two inner hashes.
	macs sync.Pool
}

// NewHasher returns a Hasher for a pepper of PepperLen bytes.
func NewHasher(pepper []byte) (*Hasher, error) {
	if len(pepper) != PepperLen {
		return nil, fmt.Errorf("server secret must be %d bytes, got %d", PepperLen, len(pepper))
	}
	h := &Hasher{pepper: append([]byte(nil), pepper...)}
	h.macs.New = func() any { return hmac.New(sha256.New, h.pepper) }
	return h, nil
}

// Digest returns the keyed hash of a presented secret.
func (h *Hasher) Digest(secret string) Digest {
	m := h.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(secret))
	var d Digest
	m.Sum(d[:0])
	h.macs.Put(m)
	return d
}

// Encode renders a digest in the stored form "$hmac-sha256$<base64>".
func (d Digest) Encode() string {
	return hmacPrefix + base64.RawStdEncoding.EncodeToString(d[:])
}

// KeyHash returns the stored form of a new key's hash.
func (h *Hasher) KeyHash(secret string) string { return h.Digest(secret).Encode() }

// Sign returns an HMAC-SHA-256 of msg under a key derived from the pepper
// for purpose, so that a signature made for one purpose (say, the mail
// add-ins' auth codes) can never be replayed as a key digest or as a
// signature for another purpose.
func (h *Hasher) Sign(purpose string, msg []byte) []byte {
	sub := hmac.New(sha256.New, h.pepper)
	sub.Write([]byte("okapi signing key v1\x00" + purpose))
	m := hmac.New(sha256.New, sub.Sum(nil))
	m.Write(msg)
	return m.Sum(nil)
}

// VerifySignature reports, in constant time, whether sig is Sign(purpose, msg).
func (h *Hasher) VerifySignature(purpose string, msg, sig []byte) bool {
	return hmac.Equal(h.Sign(purpose, msg), sig)
}

// Fingerprint identifies the pepper without revealing it, so that nodes
// sharing a database can refuse to start with different peppers (every key
// would fail on one of them).
func (h *Hasher) Fingerprint() string {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte("okapi pepper fingerprint v1"))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// VerifyKey checks a presented secret against a stored hash. d must be
// h.Digest(secret), computed once by the caller. rehash reports a match
// against an Odoo hash that should be replaced by the fast one.
func (h *Hasher) VerifyKey(secret string, d Digest, stored string) (ok, rehash bool) {
	switch {
	case strings.HasPrefix(stored, hmacPrefix):
		want, err := base64.RawStdEncoding.DecodeString(stored[len(hmacPrefix):])
		if err != nil || len(want) != len(d) {
			return false, false
		}
		return subtle.ConstantTimeCompare(want, d[:]) == 1, false
	case strings.HasPrefix(stored, pbkdf2Prefix):
		return verifyPBKDF2(secret, stored), true
	}
	return false, false
}

// HashPBKDF2 returns an Odoo/passlib "$pbkdf2-sha512$rounds$salt$checksum"
// hash. Okapi never stores new secrets this way; it exists to build databases
// as Odoo would have them (import, tests).
func HashPBKDF2(secret string, rounds int) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum, err := pbkdf2.Key(sha512.New, secret, salt, rounds, sha512.Size)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%d$%s$%s", pbkdf2Prefix, rounds, ab64Encode(salt), ab64Encode(sum)), nil
}

// maxPBKDF2Rounds bounds the work a stored hash can ask for; Odoo uses 6,000
// rounds for keys and 600,000 for passwords.
const maxPBKDF2Rounds = 2_000_000

func verifyPBKDF2(secret, stored string) bool {
	parts := strings.Split(stored[len(pbkdf2Prefix):], "$")
	if len(parts) != 3 {
		return false
	}
	rounds, err := strconv.Atoi(parts[0])
	if err != nil || rounds < 1 || rounds > maxPBKDF2Rounds {
		return false
	}
	salt, err1 := ab64Decode(parts[1])
	want, err2 := ab64Decode(parts[2])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got, err := pbkdf2.Key(sha512.New, secret, salt, rounds, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// passlib's "adapted base64": standard alphabet with '.' for '+', no padding.
func ab64Encode(b []byte) string {
	return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".")
}

func ab64Decode(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.ReplaceAll(strings.TrimRight(s, "="), ".", "+"))
}

// LoadOrCreatePepper reads the server secret from path (hex), creating it
// with mode 0600 when it does not exist. created reports a new secret.
func LoadOrCreatePepper(path string) (pepper []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		p, err := ParsePepper(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return p, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	p := make([]byte, PepperLen)
	if _, err := rand.Read(p); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	// Write a temporary file, sync it, then link it into place: a crash at
	// any point leaves either no secret or a whole one, never an empty file
	// that would stop every later start. Link fails if another process won
	// the race, and then its secret is the one.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if _, err := tmp.WriteString(hex.EncodeToString(p) + "\n"); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreatePepper(path)
		}
		return nil, false, err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return p, true, nil
}

// ParsePepper decodes a hex server secret.
func ParsePepper(s string) ([]byte, error) {
	p, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(p) != PepperLen {
		return nil, fmt.Errorf("server secret must be %d hex characters", 2*PepperLen)
	}
	return p, nil
}
