package hardening

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/storetest"
)

// TestAuditLog plays what the audit log must record, through a running
// server, each from its own client address: a key created in the pages and
// keys created for the operator, a key's first use from each new address
// (once per address), a revocation in the pages, the clean-up of an expired
// key, failed logins and the cooldown they start. Every event is stored with who, whose
// key and from where; none holds a secret; the administrators' page shows
// them.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{cooldown: testCooldown, trusted: []string{"127.0.0.1/32"}})
			ctx := context.Background()
			var sec secrets
			alice, bob := n.addUser("alice"), n.addUser("bob")
			sec.add(alice.password)
			sec.add(alice.key)
			sec.add(bob.password)
			sec.add(bob.key)

			web := n.browser("10.7.0.1")
			web.login(alice.login, alice.password)
			web.identity(19, alice.password)
			webKey, _ := web.createKey(19, "audited key")
			sec.add(webKey)

			// First uses from two new addresses (written in batches, so
			// waited for below).
			for _, ip := range []string{"10.7.0.2", "10.7.0.3", "10.7.0.2"} {
				if n.authenticate(ip, alice.login, webKey) != alice.id {
					t.Fatal("the new key does not work")
				}
			}

			// Uses are written in batches (every 5 s): the first-use
			// entries must be there before the revocation, which would
			// drop the pending batch's rows (see SECURITY.md).
			eventually(t, 8*time.Second, "first uses recorded", func() bool {
				entries, err := n.s.Store.ListAudit(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				got := 0
				for _, e := range entries {
					if e.Kind == okapi.AuditKeyNewIP {
						got++
					}
				}
				return got >= 2
			})

			page := web.get("/odoo/preferences?tab=security")
			m := regexp.MustCompile(`/odoo/preferences/apikeys/(\d+)/delete`).FindAllStringSubmatch(page.body, -1)
			webKeyID := ""
			for _, x := range m {
				if x[1] > webKeyID || len(x[1]) > len(webKeyID) {
					webKeyID = x[1]
				}
			}
			if a := web.post("/odoo/preferences/apikeys/"+webKeyID+"/delete", map[string][]string{"csrf_token": {csrf(t, page.body)}}); a.status != http.StatusSeeOther {
				t.Fatalf("revoke: %d %s", a.status, a.body)
			}

			// The operator may make a key that has already expired.
			short, k, err := n.s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: bob.id, Name: "short-lived", Days: -1, Expires: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			sec.add(short)
			if got := n.s.Auth.CleanupExpired(ctx); got != 1 {
				t.Fatalf("clean-up deleted %d keys, want 1", got)
			}

			for i := 0; i < testCooldown.After; i++ {
				n.authenticate("10.7.0.9", bob.login, sec.add(wrongKey()))
			}
			n.authenticate("10.7.0.9", bob.login, bob.key) // refused: the cooldown

			type want struct {
				kind, login, ip, detail string
				count                   int
			}
			wants := []want{
				{okapi.AuditKeyCreated, alice.login, "10.7.0.1", "", 1},
				{okapi.AuditKeyCreated, bob.login, "", "scope", 2}, // bob's first key, and the short one
				{okapi.AuditKeyNewIP, alice.login, "10.7.0.2", "", 1},
				{okapi.AuditKeyNewIP, alice.login, "10.7.0.3", "", 1},
				{okapi.AuditKeyRevoked, "", "10.7.0.1", "", 1},
				{okapi.AuditKeyExpired, "", "", "", 1},
				{okapi.AuditLoginFailed, bob.login, "10.7.0.9", auth.PathAuthenticate, testCooldown.After},
				{okapi.AuditCooldown, bob.login, "10.7.0.9", "", 1},
			}
			var entries []okapi.AuditEntry
			var missing []string
			// Uses are written every 5 s and audit entries every poll.
			defer func() {
				if t.Failed() {
					t.Logf("missing: %v", missing)
					for _, e := range entries {
						t.Logf("%+v", e)
					}
				}
			}()
			eventually(t, 8*time.Second, "the audit log has every event", func() bool {
				entries, err = n.s.Store.ListAudit(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				missing = nil
				for _, w := range wants {
					got := 0
					for _, e := range entries {
						if e.Kind == w.kind && (w.login == "" || e.Login == w.login) && (w.ip == "" || e.IP == w.ip) && strings.Contains(e.Detail, w.detail) {
							got++
						}
					}
					if got < w.count {
						missing = append(missing, fmt.Sprintf("%s %s %s %q: %d of %d", w.kind, w.login, w.ip, w.detail, got, w.count))
					}
				}
				return len(missing) == 0
			})
			again := 0
			for _, e := range entries {
				if e.Kind == okapi.AuditKeyNewIP && e.IP == "10.7.0.2" {
					again++
				}
			}
			if again != 1 {
				t.Errorf("%d first-use entries for one address used twice, want 1", again)
			}
			for _, e := range entries {
				if e.Kind == okapi.AuditKeyRevoked && e.ActorID != alice.id {
					t.Errorf("revocation recorded with actor %d, want alice (%d)", e.ActorID, alice.id)
				}
				if e.Kind == okapi.AuditKeyExpired && (e.KeyID != k.ID || e.KeyName != "short-lived") {
					t.Errorf("expiry recorded as %+v", e)
				}
				line := fmt.Sprintf("%+v", e)
				for _, s := range sec.list {
					for _, f := range forms(s) {
						if strings.Contains(line, f) {
							t.Errorf("an audit entry holds a secret: %s", line)
						}
					}
				}
			}

			admin := n.browser("10.7.0.50")
			admin.login("admin", storetest.AdminPassword)
			page = admin.get("/odoo/settings/audit")
			for _, kind := range []string{okapi.AuditKeyCreated, okapi.AuditKeyNewIP, okapi.AuditKeyRevoked, okapi.AuditKeyExpired, okapi.AuditLoginFailed, okapi.AuditCooldown} {
				if !strings.Contains(page.body, kind) {
					t.Errorf("the audit page does not show %s", kind)
				}
			}
			if strings.Contains(page.body, webKey[8:]) || strings.Contains(page.body, alice.password) {
				t.Error("the audit page shows a secret")
			}
			other := n.browser("10.7.0.51")
			other.login(alice.login, alice.password)
			if a := other.get("/odoo/settings/audit"); a.status != http.StatusForbidden {
				t.Errorf("a non-administrator opens the audit page: %d", a.status)
			}
		})
	}
}
