package auth_test

import (
	"context"
	"encoding/json"
	"github.com/okapi-erp/okapi/internal/codectest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/storetest"
)

// FuzzCredential presents arbitrary logins and secrets to every check the
// service makes: Authenticate, CheckUID, CheckBearer and KeyStatus. None
// may panic or fail with an internal error, and the only secret any of
// them accepts is the one real key (or, for its owner, the one real
// password): not a key with other case, padding, a prefix, a suffix, the
// index alone or the stored hash.
//
// The key's owner has no password, so that checking a wrong secret costs
// no password hash and the fuzzer runs fast; the password holder, and any
// login the fuzzer makes up (which costs a hash too, so that an unknown
// login takes as long as a known one), are tried on one input in 64 (by its length).
func FuzzCredential(f *testing.F) {
	ctx := context.Background()
	o := storetest.Open(f, "sqlite")
	h, _ := secret.NewHasher(make([]byte, secret.PepperLen))
	s, err := auth.New(auth.Config{Profile: okapi.MustProfile(19), Store: o.Store, Hasher: h})
	if err != nil {
		f.Fatal(err)
	}
	bot, err := s.CreateUser(ctx, nil, auth.UserRequest{Login: "bot", Name: "Key-only bot"})
	if err != nil {
		f.Fatal(err)
	}
	key, k, err := s.CreateKey(ctx, nil, auth.KeyRequest{UserID: bot.ID, Name: "fuzzed"})
	if err != nil {
		f.Fatal(err)
	}
	const password = "correct horse battery staple"
	carol, err := s.CreateUser(ctx, nil, auth.UserRequest{Login: "carol", Password: password})
	if err != nil {
		f.Fatal(err)
	}

	for _, seed := range []struct{ login, secret string }{
		{"bot", key}, {"bot", strings.ToUpper(key)}, {"bot", " " + key}, {"bot", key + "\n"}, {"bot", key[:39]},
		{"bot", key + "0"}, {"bot", key[:8]}, {"bot", key[:8] + strings.Repeat("0", 32)}, {"carol", password},
		{"carol", key}, {"bot", ""}, {"", key}, {"bot\x00", key}, {"BOT", key}, {"bot", h.KeyHash(key)}, {"bot", k.Index},
	} {
		f.Add(seed.login, seed.secret)
	}
	for _, s := range recordedSecrets(f) {
		f.Add("bot", s)
	}

	f.Fuzz(func(t *testing.T, login, secretText string) {
		isKey := secretText == key
		check := func(what string, accepted bool, err error, want bool) {
			t.Helper()
			if err != nil && okapi.ErrorCode(err) != okapi.EAccessDenied && okapi.ErrorCode(err) != okapi.EMissing {
				t.Fatalf("%s(%q, %q): error %v", what, login, secretText, err)
			}
			if accepted != want {
				t.Fatalf("%s(%q, %q): accepted %v, want %v", what, login, secretText, accepted, want)
			}
		}
		u, err := s.CheckBearer(ctx, secretText, "127.0.0.1")
		check("CheckBearer", err == nil && u != nil && u.ID == bot.ID, err, isKey)
		u, err = s.CheckUID(ctx, bot.ID, secretText, "127.0.0.1")
		check("CheckUID", err == nil && u != nil && u.ID == bot.ID, err, isKey)
		uid, err := s.Authenticate(ctx, "bot", secretText, "127.0.0.1")
		check("Authenticate", err == nil && uid == bot.ID, err, isKey)

		st, err := s.KeyStatus(ctx, login, secretText, "127.0.0.1")
		if err != nil {
			t.Fatalf("KeyStatus(%q, %q): %v", login, secretText, err)
		}
		switch st.Status {
		case auth.StateValid, auth.StateOtherUser:
			if !isKey || (st.Status == auth.StateValid) != (login == "" || login == "bot") {
				t.Fatalf("KeyStatus(%q, %q) = %+v", login, secretText, st)
			}
		case auth.StateNotAKey:
			if okapi.LooksLikeKey(secretText) {
				t.Fatalf("KeyStatus(%q, %q): a key's shape called not a key", login, secretText)
			}
		case auth.StateUnknown:
			if isKey || !okapi.LooksLikeKey(secretText) {
				t.Fatalf("KeyStatus(%q, %q) = %+v", login, secretText, st)
			}
		default:
			t.Fatalf("KeyStatus(%q, %q) = %+v: no key here is revoked, expired, scoped or archived", login, secretText, st)
		}
		if st.Status != auth.StateValid && st.Status != auth.StateOtherUser && (st.Login != "" || st.KeyName != "") {
			t.Fatalf("KeyStatus(%q, %q) tells about a key the caller does not hold: %+v", login, secretText, st)
		}

		if len(secretText)%64 == 0 {
			uid, err := s.Authenticate(ctx, login, secretText, "127.0.0.1")
			check("Authenticate", err == nil && uid != 0, err,
				login == "bot" && isKey || login == "carol" && secretText == password)
			uid, err = s.Authenticate(ctx, "carol", secretText, "127.0.0.1")
			check("Authenticate carol", err == nil && uid == carol.ID, err, secretText == password)
			u, err := s.LoginInteractive(ctx, login, secretText, "127.0.0.1")
			check("LoginInteractive", err == nil && u != nil, err, login == "carol" && secretText == password)
		}
	})
}

// recordedSecrets returns the secrets that the recordings of real Odoo
// present (key placeholders and passwords), as seeds.
func recordedSecrets(f *testing.F) []string {
	files, _ := filepath.Glob(filepath.Join(codectest.ConformanceDir(), "*", "*.json"))
	seen := map[string]bool{}
	var out []string
	strRE := regexp.MustCompile(`<string>([^<]{0,64})</string>`)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var rec struct {
			Request struct {
				Headers map[string]string `json:"headers"`
				Body    string            `json:"body"`
			} `json:"request"`
		}
		if json.Unmarshal(raw, &rec) != nil {
			continue
		}
		cands := []string{strings.TrimPrefix(strings.TrimPrefix(rec.Request.Headers["Authorization"], "bearer "), "Bearer ")}
		for _, m := range strRE.FindAllStringSubmatch(rec.Request.Body, -1) {
			cands = append(cands, m[1])
		}
		for _, c := range cands {
			if c != "" && !seen[c] && len(out) < 200 {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
