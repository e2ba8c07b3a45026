package hardening

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/storetest"
)

// accessDenied is Odoo's refusal of a res.users write without "Access
// Rights".
const usersWriteRefused = "You are not allowed to modify 'User' (res.users) records."

// TestKeyCannotTakeOverAccount attacks as issue 12 did, with a server on
// default flags: the holder of alice's own full key (or of her web
// session) tries to set her password on every path (XML-RPC and JSON-RPC
// execute_kw, JSON-2, /web/dataset/call_kw) and to mint a new key
// (res.users.apikeys create and _generate); every attempt is refused as
// Odoo refuses it, her password still works and she has no new key. An
// administrator's key may still set another user's password, as in Odoo.
func TestKeyCannotTakeOverAccount(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{cooldown: auth.DefaultCooldown})
			alice := n.addUser("alice")
			const ip = "127.0.0.9"
			keysBefore, err := n.s.Auth.Keys(context.Background(), nil, alice.id)
			if err != nil {
				t.Fatal(err)
			}
			newPassword := map[string]any{"password": "Taken-Over-1"}
			refusedXML := func(what string, err any) {
				t.Helper()
				if s := fmt.Sprint(err); !strings.Contains(s, "AccessError") && !strings.Contains(s, usersWriteRefused) &&
					!strings.Contains(s, "You are not allowed to create") && !strings.Contains(s, "does not exist") {
					t.Errorf("%s: %s", what, s)
				}
			}

			// XML-RPC execute_kw.
			_, f := n.xmlCall(ip, "object", "execute_kw", dbName, alice.id, alice.key, "res.users", "write", []any{[]any{alice.id}, newPassword})
			if f == nil || !strings.Contains(f.String, usersWriteRefused) {
				t.Errorf("XML-RPC write of her own password with her key: fault %v", f)
			}
			// JSON-RPC execute_kw.
			a := n.jsonRPC(ip, "object", "execute_kw", dbName, alice.id, alice.key, "res.users", "write", []any{[]any{alice.id}, newPassword})
			if a.Error == nil || a.Error.Data.Name != "odoo.exceptions.AccessError" {
				t.Errorf("JSON-RPC write of her own password with her key: %+v", a)
			}
			// JSON-2.
			j2 := n.json2(ip, alice.key, "res.users", "write", []byte(fmt.Sprintf(`{"ids": [%d], "vals": {"password": "Taken-Over-1"}}`, alice.id)))
			if j2.status != http.StatusForbidden || !strings.Contains(j2.body, usersWriteRefused) {
				t.Errorf("JSON-2 write of her own password with her key: %d %s", j2.status, j2.body)
			}
			// /web/dataset/call_kw with her web session.
			b := n.browser(ip)
			b.login(alice.login, alice.password)
			callKw := func(model, method string, args []any) jsonRPCAnswer {
				body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
					"params": map[string]any{"model": model, "method": method, "args": args, "kwargs": map[string]any{}}})
				req, _ := http.NewRequest(http.MethodPost, n.url+"/web/dataset/call_kw", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				ans := b.do(req)
				var out jsonRPCAnswer
				if err := json.Unmarshal([]byte(ans.body), &out); err != nil {
					t.Fatalf("call_kw: %d %s", ans.status, ans.body)
				}
				return out
			}
			if a := callKw("res.users", "write", []any{[]any{alice.id}, newPassword}); a.Error == nil || a.Error.Data.Name != "odoo.exceptions.AccessError" {
				t.Errorf("/web/dataset/call_kw write of her own password: %+v", a)
			}
			// Her own name is hers to change, on the same paths.
			if _, f := n.xmlCall(ip, "object", "execute_kw", dbName, alice.id, alice.key, "res.users", "write", []any{[]any{alice.id}, map[string]any{"name": "Alice A."}}); f != nil {
				t.Errorf("writing her own name: %v", f)
			}

			// Minting keys with a key.
			_, f = n.xmlCall(ip, "object", "execute_kw", dbName, alice.id, alice.key, "res.users.apikeys", "create", []any{map[string]any{"name": "minted", "user_id": alice.id}})
			refusedXML("XML-RPC res.users.apikeys create", f)
			if f == nil {
				t.Error("XML-RPC res.users.apikeys create with a key succeeded")
			}
			_, f = n.xmlCall(ip, "object", "execute_kw", dbName, alice.id, alice.key, "res.users.apikeys", "_generate", []any{"rpc", "minted"})
			if f == nil {
				t.Error("XML-RPC res.users.apikeys _generate with a key succeeded")
			}
			if j := n.json2(ip, alice.key, "res.users.apikeys", "create", []byte(`{"vals_list": [{"name": "minted"}]}`)); j.status == http.StatusOK {
				t.Errorf("JSON-2 res.users.apikeys create with a key: %d %s", j.status, j.body)
			}
			if j := n.json2(ip, alice.key, "res.users.apikeys", "_generate", []byte(`{"scope": "rpc", "name": "minted"}`)); j.status == http.StatusOK {
				t.Errorf("JSON-2 res.users.apikeys _generate with a key: %d %s", j.status, j.body)
			}

			// Nothing changed.
			if n.authenticate("127.0.0.10", alice.login, alice.password) != alice.id {
				t.Error("alice's password was changed")
			}
			if n.authenticate("127.0.0.10", alice.login, "Taken-Over-1") != 0 {
				t.Error("the attacker's password works")
			}
			keysAfter, err := n.s.Auth.Keys(context.Background(), nil, alice.id)
			if err != nil || len(keysAfter) != len(keysBefore) {
				t.Errorf("alice has %d keys, had %d (%v)", len(keysAfter), len(keysBefore), err)
			}

			// An administrator (Access Rights) sets another user's password.
			adminKey, _, err := n.s.Auth.CreateKey(context.Background(), nil, auth.KeyRequest{UserID: okapi.AdminID, Name: "admin"})
			if err != nil {
				t.Fatal(err)
			}
			if _, f := n.xmlCall(ip, "object", "execute_kw", dbName, okapi.AdminID, adminKey, "res.users", "write", []any{[]any{alice.id}, map[string]any{"password": "Reset-By-Admin-1"}}); f != nil {
				t.Fatalf("the administrator sets alice's password: %v", f)
			}
			if n.authenticate("127.0.0.10", alice.login, "Reset-By-Admin-1") != alice.id {
				t.Error("the password the administrator set does not work")
			}
		})
	}
}
