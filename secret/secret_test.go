package secret

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestLoadOrCreatePepper: the secret is made once, kept private, read back
// the same, and processes racing to make it end up with the same one.
func TestLoadOrCreatePepper(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	var wg sync.WaitGroup
	peppers := make([][]byte, 8)
	for i := range peppers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p, _, err := LoadOrCreatePepper(path)
			if err != nil {
				t.Error(err)
			}
			peppers[i] = p
		}(i)
	}
	wg.Wait()
	for _, p := range peppers[1:] {
		if string(p) != string(peppers[0]) || len(p) != PepperLen {
			t.Fatal("racing creators got different secrets")
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode = %v, %v", fi.Mode(), err)
	}
	again, created, err := LoadOrCreatePepper(path)
	if err != nil || created || string(again) != string(peppers[0]) {
		t.Fatalf("reading back: created=%v, %v", created, err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".secret-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	os.WriteFile(path, []byte("not hex\n"), 0o600)
	if _, _, err := LoadOrCreatePepper(path); err == nil {
		t.Fatal("a damaged secret file was accepted")
	}
}

// TestKeyHashing covers the keyed hash and the Odoo PBKDF2 form.
func TestKeyHashing(t *testing.T) {
	h, _ := NewHasher(make([]byte, PepperLen))
	other, _ := NewHasher(append(make([]byte, PepperLen-1), 1))
	key := "0123456789abcdef0123456789abcdef01234567"
	stored := h.KeyHash(key)
	if ok, rehash := h.VerifyKey(key, h.Digest(key), stored); !ok || rehash {
		t.Fatal("own hash does not verify")
	}
	if ok, _ := other.VerifyKey(key, other.Digest(key), stored); ok {
		t.Fatal("a hash verified under another pepper")
	}
	if ok, _ := h.VerifyKey(key[:39]+"8", h.Digest(key[:39]+"8"), stored); ok {
		t.Fatal("a different key verified")
	}
	odoo, err := HashPBKDF2(key, 6000)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash := h.VerifyKey(key, h.Digest(key), odoo); !ok || !rehash {
		t.Fatal("an Odoo hash does not verify, or is not marked for re-hashing")
	}
	for _, bad := range []string{"", "$pbkdf2-sha512$", "$pbkdf2-sha512$99999999$a$b", "$hmac-sha256$!!", "plain"} {
		if ok, _ := h.VerifyKey(key, h.Digest(key), bad); ok {
			t.Fatalf("malformed hash %q verified", bad)
		}
	}
}

// TestPasswords covers argon2id and imported Odoo password hashes.
func TestPasswords(t *testing.T) {
	ctx := t.Context()
	h, err := HashPassword(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, _ := VerifyPassword(ctx, "correct horse", h); !ok || rehash {
		t.Fatal("own hash does not verify")
	}
	if ok, _, _ := VerifyPassword(ctx, "wrong", h); ok {
		t.Fatal("a wrong password verified")
	}
	if ok, _, _ := VerifyPassword(ctx, "", h); ok {
		t.Fatal("an empty password verified")
	}
	odoo, _ := HashPBKDF2("odoo-pass", 1000)
	if ok, rehash, _ := VerifyPassword(ctx, "odoo-pass", odoo); !ok || !rehash {
		t.Fatal("an Odoo password hash does not verify, or is not marked for re-hashing")
	}
	// A planted hash asking for absurd work is refused, not computed.
	if ok, _, _ := VerifyPassword(ctx, "x", "$argon2id$v=19$m=4194304,t=100,p=1$c2FsdA$aGFzaA"); ok {
		t.Fatal("an absurd hash verified")
	}
}
