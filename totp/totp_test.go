package totp

import (
	"bytes"
	"encoding/base32"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// The SHA-1 vectors of RFC 6238, appendix B, cut to Odoo's six digits.
func TestRFC6238Vectors(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		at   int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := Code(secret, time.Unix(v.at, 0))
		if err != nil || got != v.code {
			t.Errorf("code at %d = %q, %v; want %q", v.at, got, err, v.code)
		}
	}
}

// Odoo's window: the step before and the step after are accepted, two
// steps away is not; the step matched is returned so a replay can be told.
func TestCheckWindow(t *testing.T) {
	secret := NewSecret()
	now := time.Unix(1_800_000_015, 0)
	for _, d := range []int64{-1, 0, 1} {
		code, _ := Code(secret, now.Add(time.Duration(d)*Period))
		step, err := Check(secret, code, now)
		if err != nil || step != Step(now)+d {
			t.Errorf("skew %d: step %d, %v; want %d", d, step, err, Step(now)+d)
		}
	}
	for _, d := range []int64{-3, -2, 2, 3} {
		code, _ := Code(secret, now.Add(time.Duration(d)*Period))
		if cur, _ := Code(secret, now); cur == code {
			continue // a coincidence of six digits
		}
		if _, err := Check(secret, code, now); !errors.Is(err, ErrWrong) {
			t.Errorf("skew %d accepted (%v)", d, err)
		}
	}
	code, _ := Code(secret, now)
	if _, err := Check(secret, code[:3]+" "+code[3:], now); err != nil {
		t.Errorf("a code typed with a space: %v", err)
	}
	for _, bad := range []string{"", "12345", "1234567", "12a456", "１２３４５６"} {
		if _, err := Check(secret, bad, now); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: %v, want ErrFormat", bad, err)
		}
	}
}

func TestSecretAndURI(t *testing.T) {
	s := NewSecret()
	if len(s) != 32 || !ValidSecret(s) {
		t.Fatalf("secret %q: want 32 base32 characters (160 bits)", s)
	}
	g := Group(s)
	if len(strings.Fields(g)) != 8 || Compact(g) != s {
		t.Fatalf("Group(%q) = %q", s, g)
	}
	uri := URI("My Company", "alice@example.com", g)
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if k.Type() != "totp" || k.Issuer() != "My Company" || k.AccountName() != "alice@example.com" || k.Secret() != s ||
		k.Period() != 30 || k.Digits() != otp.DigitsSix || k.Algorithm() != otp.AlgorithmSHA1 {
		t.Fatalf("URI %s reads as %v %q %q %q %d %v %v", uri, k.Type(), k.Issuer(), k.AccountName(), k.Secret(), k.Period(), k.Digits(), k.Algorithm())
	}
	img, err := QR(uri, 200)
	if err != nil {
		t.Fatal(err)
	}
	p, err := png.Decode(bytes.NewReader(img))
	if err != nil || p.Bounds().Dx() != 200 {
		t.Fatalf("QR: %v, %v", p.Bounds(), err)
	}
}

func TestSealer(t *testing.T) {
	sl, err := NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	secret := NewSecret()
	sealed := sl.Seal(secret, "stored", 42)
	if strings.Contains(sealed, secret) {
		t.Fatal("the sealed form holds the secret")
	}
	if got, err := sl.Open(sealed, "stored", 42); err != nil || got != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if sl.Seal(secret, "stored", 42) == sealed {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	for name, open := range map[string]func() (string, error){
		"another user":    func() (string, error) { return sl.Open(sealed, "stored", 43) },
		"another purpose": func() (string, error) { return sl.Open(sealed, "pending", 42) },
		"another key":     func() (string, error) { return other.Open(sealed, "stored", 42) },
		"altered":         func() (string, error) { return sl.Open(sealed[:len(sealed)-2]+"AA", "stored", 42) },
		"garbage":         func() (string, error) { return sl.Open("%%%", "stored", 42) },
	} {
		if _, err := open(); !errors.Is(err, ErrSealed) {
			t.Errorf("%s: %v, want ErrSealed", name, err)
		}
	}
}
