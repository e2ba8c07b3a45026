// Package totp is where two-factor codes are verified: RFC 6238 time-based
// one-time passwords as Odoo's auth_totp uses them (HMAC-SHA-1, 6 digits,
// 30-second steps, a code of the step before or after accepted for clock
// drift), the otpauth:// address and QR code that authenticator apps read,
// and the sealing of secrets at rest.
//
// Codes are computed by github.com/pquerna/otp; what this package adds is
// Odoo's parameters, the step a code matched (so that the caller can refuse
// it a second time, as RFC 6238 §5.2 advises and Odoo before 19 does not),
// and the encryption of secrets under a key derived from the server secret.
package totp

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/chacha20poly1305"
)

// Odoo's parameters (auth_totp/models/totp.py, the same in 14–19): the only
// ones Google Authenticator supports.
const (
	Digits = 6
	Period = 30 * time.Second
	// Skew is the drift window in steps: Odoo accepts every code valid
	// between t-30 s and t+30 s, so the step before and the one after.
	Skew = 1
	// SecretBytes is the secret's size: 160 bits, as RFC 4226 §4 R6
	// recommends and Odoo's TOTP_SECRET_SIZE.
	SecretBytes = 20
)

// Errors of Check.
var (
	// ErrFormat: the code is not six digits (spaces aside).
	ErrFormat = errors.New("totp: the code is not 6 digits")
	// ErrWrong: no step within the window gives this code.
	ErrWrong = errors.New("totp: wrong code")
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a new random secret in base32, as apps take it.
func NewSecret() string {
	b := make([]byte, SecretBytes)
	rand.Read(b) // never fails: crypto/rand aborts the program instead
	return b32.EncodeToString(b)
}

// Compact removes spaces and makes a typed secret upper case.
func Compact(secret string) string {
	return strings.ToUpper(strings.Join(strings.Fields(secret), ""))
}

// Group writes a secret in groups of four letters, as Odoo shows it for
// typing into an app ("ABCD EFGH …").
func Group(secret string) string {
	s := Compact(secret)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// ValidSecret reports whether secret is base32 of at least 80 bits.
func ValidSecret(secret string) bool {
	b, err := b32.DecodeString(Compact(secret))
	return err == nil && len(b) >= 10
}

// URI is the otpauth:// address an authenticator app reads from the QR
// code, with Odoo's label "issuer:login" and its explicit parameters.
func URI(issuer, account, secret string) string {
	q := url.Values{}
	q.Set("secret", Compact(secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(Digits))
	q.Set("period", fmt.Sprint(int(Period/time.Second)))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: q.Encode()}
	return u.String()
}

// QR renders uri as a PNG QR code of size×size pixels.
func QR(uri string, size int) ([]byte, error) {
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, err
	}
	img, err := k.Image(size, size)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var opts = totp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Code returns the code of secret at t (what the app shows).
func Code(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(Compact(secret), t, opts)
}

// Step is the time step of t: the counter of RFC 6238.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Normalize removes the spaces people type in a code and checks that six
// digits remain.
func Normalize(code string) (string, error) {
	c := strings.Join(strings.Fields(code), "")
	if len(c) != Digits {
		return "", ErrFormat
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			return "", ErrFormat
		}
	}
	return c, nil
}

// Check verifies code against secret at now, within the drift window, and
// returns the step it matched: the caller refuses a step at or before the
// last one accepted. Every step of the window is compared, in constant
// time, so the time taken does not say which one matched.
func Check(secret, code string, now time.Time) (int64, error) {
	c, err := Normalize(code)
	if err != nil {
		return 0, err
	}
	step := Step(now)
	var matched int64 = -1
	for s := step - Skew; s <= step+Skew; s++ {
		want, err := totp.GenerateCodeCustom(Compact(secret), time.Unix(s*int64(Period/time.Second), 0), opts)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(c)) == 1 && matched < 0 {
			matched = s
		}
	}
	if matched < 0 {
		return 0, ErrWrong
	}
	return matched, nil
}

// Sealer encrypts secrets at rest with XChaCha20-Poly1305. The associated
// data binds a sealed secret to its purpose and owner, so that a sealed
// secret copied to another user's row, or from a form into the table, does
// not open.
type Sealer struct {
	aead interface {
		Seal(dst, nonce, plaintext, additionalData []byte) []byte
		Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
		NonceSize() int
	}
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: a}, nil
}

// Seal encrypts secret for purpose and owner uid.
func (s *Sealer) Seal(secret, purpose string, uid int64) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(secret), ad(purpose, uid))
	return base64.RawURLEncoding.EncodeToString(out)
}

// ErrSealed: a sealed value that does not open (altered, or another
// owner's, purpose's or server secret's).
var ErrSealed = errors.New("totp: the sealed secret does not open")

// Open decrypts what Seal made for the same purpose and owner.
func (s *Sealer) Open(sealed, purpose string, uid int64) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", ErrSealed
	}
	n := s.aead.NonceSize()
	p, err := s.aead.Open(nil, b[:n], b[n:], ad(purpose, uid))
	if err != nil {
		return "", ErrSealed
	}
	return string(p), nil
}

func ad(purpose string, uid int64) []byte {
	return fmt.Appendf(nil, "okapi totp v1\x00%s\x00%d", purpose, uid)
}
