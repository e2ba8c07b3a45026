package client_test

import (
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/policytest"
	"github.com/okapi-erp/okapi/policy"
)

// TestKeyPolicies: on okapi serve, each rule of a key's policy (read-only,
// models, allow-ip, rate) is allowed and refused over every protocol, as
// on the gateway (cmd/okapi TestGateway runs the same test there).
func TestKeyPolicies(t *testing.T) {
	for _, v := range []int{17, 19} {
		s := serverFor(t, v)
		ctx := ctxT(t)
		key := func(name, scope, models, nets, rate string) string {
			p, err := policy.Parse(models, nets, rate)
			if err != nil {
				t.Fatal(err)
			}
			k, _, err := s.srv.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: s.aliceID, Name: name, Scope: scope, Policy: p})
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		policytest.Run(t, policytest.Server{URL: s.url, DB: "acme", Login: "alice", JSON2: v >= 19}, policytest.Keys{
			ReadOnly: key("ro", "rpc.read", "", "", ""),
			Models:   key("models", "", "res.partner", "", ""),
			Here:     key("here", "", "", "127.0.0.0/8", ""),
			Away:     key("away", "", "", "10.0.0.0/8", ""),
			Rate:     key("rate", "", "", "", "1/m:2"),
		})
	}
}
