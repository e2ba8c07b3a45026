package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/rpc/xmlrpc"
)

// canCreatePartners asks a node, over XML-RPC with alice's key, whether she
// may create contacts (check_access_rights, which reads her cached groups).
func canCreatePartners(t *testing.T, base string, uid int64, key string) bool {
	t.Helper()
	body, _ := xmlrpc.AppendCall(nil, "execute_kw", "acme", uid, key, "res.partner", "check_access_rights",
		[]any{"create"}, map[string]any{"raise_exception": false})
	resp, err := http.Post(base+"/xmlrpc/2/object", "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, err := xmlrpc.DecodeResponse(b, xmlrpc.DefaultLimits)
	if err != nil {
		t.Fatalf("check_access_rights: %v", err)
	}
	ok, isBool := v.(bool)
	if !isBool {
		t.Fatalf("check_access_rights answered %#v", v)
	}
	return ok
}

// within waits up to one second for node A to give want, and says how long
// it took.
func within(t *testing.T, what string, want bool, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for check() != want {
		if time.Since(start) > time.Second {
			t.Fatalf("%s on node B: node A still answers %v after one second", what, !want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestClusterAccessRights starts two nodes on one PostgreSQL database. Node A
// caches alice's effective groups (it does not read them per call); they
// change through node B — her membership, then the groups another group
// implies — and node A answers with the new rights within one second each
// time.
func TestClusterAccessRights(t *testing.T) {
	a, b, alice, key, _ := twoNodes(t)
	ctx := context.Background()
	admin, err := b.Auth.User(ctx, okapi.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	onB := func(model, method string, args ...any) any {
		t.Helper()
		out, err := b.Models.Execute(ctx, admin, model, method, args, nil)
		if err != nil {
			t.Fatalf("%s.%s on node B: %v", model, method, err)
		}
		return out
	}
	groups := b.Models.Profile().GroupsField
	can := func() bool { return canCreatePartners(t, a.URL(), alice.ID, key) }
	if !can() {
		t.Fatal("node A: a new internal user cannot create contacts")
	}

	// Her membership.
	onB("res.users", "write", []any{alice.ID}, map[string]any{groups: []any{[]any{int64(3), okapi.GroupPartnerManager}}})
	t.Logf("removed from Contact Creation on B: A refuses after %v", within(t, "removing her from Contact Creation", false, can))

	// A group she is in, which implies nothing yet; node A caches her
	// with it.
	gid, _ := onB("res.groups", "create", map[string]any{"name": "Editors"}).(int64)
	if gid == 0 {
		t.Fatal("no group created")
	}
	onB("res.users", "write", []any{alice.ID}, map[string]any{groups: []any{[]any{int64(4), gid}}})
	time.Sleep(300 * time.Millisecond) // node A applies that change...
	if can() {                         // ...and caches her groups again
		t.Fatal("node A: Editors gives contact creation before it implies it")
	}

	// Only res_groups_implied_rel changes now: no row of hers.
	onB("res.groups", "write", []any{gid}, map[string]any{"implied_ids": []any{[]any{int64(4), okapi.GroupPartnerManager}}})
	t.Logf("Editors implies Contact Creation on B: A allows after %v", within(t, "making Editors imply Contact Creation", true, can))
	onB("res.groups", "write", []any{gid}, map[string]any{"implied_ids": []any{[]any{int64(3), okapi.GroupPartnerManager}}})
	t.Logf("Editors no longer implies it on B: A refuses after %v", within(t, "removing the implication", false, can))
}
