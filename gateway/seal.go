package gateway

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/okapi-erp/okapi/secret"
)

// Sealer seals the Odoo keys the gateway forwards, so that the database
// never holds one in clear: XChaCha20-Poly1305 under a key derived from the
// server secret, bound to the Okapi user it belongs to (a sealed key moved
// to another user's row does not open).
type Sealer struct{ aead cipher.AEAD }

// sealPurpose names the derived key; changing it would orphan every link.
const sealPurpose = "upstream key sealing v1"

// NewSealer derives the sealing key from the server secret.
func NewSealer(h *secret.Hasher) (*Sealer, error) {
	aead, err := chacha20poly1305.NewX(h.Sign(sealPurpose, nil))
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func additional(userID int64) []byte {
	return []byte("okapi upstream key of user " + strconv.FormatInt(userID, 10))
}

// Seal returns nonce || ciphertext of key for userID.
func (s *Sealer) Seal(userID int64, key string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(key)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, []byte(key), additional(userID)), nil
}

// errSealed never says more: a wrong server secret, a damaged row or a row
// moved to another user look alike.
var errSealed = errors.New("the stored upstream key does not open with this server secret (link it again: okapi upstream link)")

// Open returns the key sealed for userID.
func (s *Sealer) Open(userID int64, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", errSealed
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], additional(userID))
	if err != nil {
		return "", errSealed
	}
	return string(plain), nil
}
