package gateway

import (
	"bytes"
	"testing"

	"github.com/okapi-erp/okapi/secret"
)

// TestSealer: a sealed key opens for its user only, with the same server
// secret only, never holds the key in clear, and a damaged row does not
// open.
func TestSealer(t *testing.T) {
	h1, _ := secret.NewHasher(bytes.Repeat([]byte{1}, 32))
	h2, _ := secret.NewHasher(bytes.Repeat([]byte{2}, 32))
	s1, err := NewSealer(h1)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewSealer(h2)
	const key = "0123456789abcdef0123456789abcdef01234567"
	sealed, err := s1.Seal(7, key)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(key)) || bytes.Contains(sealed, []byte(key[:8])) {
		t.Fatal("the sealed key holds the key in clear")
	}
	if again, _ := s1.Seal(7, key); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one key are equal: the nonce is not random")
	}
	if got, err := s1.Open(7, sealed); err != nil || got != key {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := s1.Open(8, sealed); err == nil {
		t.Error("opened for another user")
	}
	if _, err := s2.Open(7, sealed); err == nil {
		t.Error("opened with another server secret")
	}
	damaged := append([]byte(nil), sealed...)
	damaged[len(damaged)-1] ^= 1
	if _, err := s1.Open(7, damaged); err == nil {
		t.Error("a damaged seal opened")
	}
	if _, err := s1.Open(7, sealed[:10]); err == nil {
		t.Error("a short seal opened")
	}
	if err := func() error { _, err := s1.Open(8, sealed); return err }(); err != nil && bytes.Contains([]byte(err.Error()), []byte(key)) {
		t.Error("the error holds the key")
	}
}
