package check

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// TestTwoFactorPassword: "my script stopped working when I enabled 2FA".
// The checker tells a right password refused because of 2FA from a wrong
// one, and says where the key button is; the key itself keeps working.
func TestTwoFactorPassword(t *testing.T) {
	ctx := context.Background()
	for _, v := range []int{14, 19} {
		srv, key, uid := startOkapi(t, v, auth.DefaultCooldown)
		if _, err := srv.Auth.EnableTOTPSecret(ctx, uid, "acme"); err != nil {
			t.Fatal(err)
		}
		cfg := Config{URL: srv.URL(), DB: "acme", Login: "alice", Key: "alice-pass", Timeout: 5 * time.Second}
		rep := Run(ctx, cfg)
		s := rep.Step(StepAuth)
		p := okapi.MustProfile(v)
		if rep.OK() || s.Summary != "password refused because 2FA is on: use an API key" || len(s.Fix) != 1 || !strings.Contains(s.Fix[0], p.Path()) {
			t.Fatalf("%d: right password with 2FA on: %+v", v, s)
		}
		cfg.Key = "wrong-pass"
		if s := Run(ctx, cfg).Step(StepAuth); strings.Contains(s.Summary, "2FA") {
			t.Fatalf("%d: a wrong password is blamed on 2FA: %+v", v, s)
		}
		cfg.Key = key
		if rep := Run(ctx, cfg); !rep.OK() || rep.UID != uid {
			t.Fatalf("%d: the key with 2FA on: %+v", v, rep.Failed())
		}
		if g := strings.Join(GuideFor(p).Advice, " "); !strings.Contains(g, "two-factor authentication") {
			t.Errorf("%d: the guide does not mention two-factor authentication", v)
		}
	}
}
