package hardening

import (
	"context"
	"fmt"
	"testing"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/storetest"
)

// TestLargeInLists sends the lists SECURITY.md promises, over XML-RPC to a
// server with the default flags, on both databases: an `in` and a `not in`
// of 100,000 ids and of 100,000 names, and read() of 32,767 ids (issue 12
// found "too many SQL variables" on SQLite from 32,767). Each answer is
// checked against what the database holds.
func TestLargeInLists(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, dialect, nodeOptions{})
			const made = 40_000
			insert := `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 40000)
				INSERT INTO res_partner (name, complete_name, active) SELECT 'Bulk ' || i, 'Bulk ' || i, TRUE FROM s`
			if dialect == "postgres" {
				insert = `INSERT INTO res_partner (name, complete_name, active) SELECT 'Bulk ' || i, 'Bulk ' || i, TRUE FROM generate_series(1, 40000) i`
			}
			if _, err := n.s.Store.DB().W.ExecContext(context.Background(), insert); err != nil {
				t.Fatal(err)
			}
			admin := int64(okapi.AdminID)
			call := func(method string, args []any, kw map[string]any) any {
				t.Helper()
				v, f := n.xmlCall("", "object", "execute_kw", dbName, admin, storetest.AdminPassword, "res.partner", method, args, kw)
				if f != nil {
					t.Fatalf("%s: fault %d %s", method, f.Code, f.String)
				}
				return v
			}
			total := call("search_count", []any{[]any{}}, nil).(int64)
			if total < made {
				t.Fatalf("%d partners, want at least %d", total, made)
			}
			var ids, names []any
			for i := 0; i < 100_000; i++ {
				ids = append(ids, int64(i))
				names = append(names, fmt.Sprintf("Bulk %d", i+1))
			}
			if got := call("search_count", []any{[]any{[]any{"id", "in", ids}}}, nil).(int64); got != total {
				t.Errorf("search_count id in 100,000 ids: %d, want %d", got, total)
			}
			if got := call("search_count", []any{[]any{[]any{"id", "not in", ids}}}, nil).(int64); got != 0 {
				t.Errorf("search_count id not in 100,000 ids: %d, want 0", got)
			}
			if got := call("search_count", []any{[]any{[]any{"name", "in", names}}}, nil).(int64); got != made {
				t.Errorf("search_count name in 100,000 names: %d, want %d", got, made)
			}
			if got := call("search_count", []any{[]any{[]any{"name", "not in", names}}}, nil).(int64); got != total-made {
				t.Errorf("search_count name not in 100,000 names: %d, want %d", got, total-made)
			}
			found := call("search", []any{[]any{[]any{"name", "=like", "Bulk %"}}}, map[string]any{"limit": int64(32_767), "order": "id"}).([]any)
			if len(found) != 32_767 {
				t.Fatalf("search found %d, want 32,767", len(found))
			}
			recs := call("read", []any{found}, map[string]any{"fields": []any{"name"}}).([]any)
			if len(recs) != 32_767 {
				t.Fatalf("read of 32,767 ids gave %d records", len(recs))
			}
			if got := call("search_count", []any{[]any{[]any{"id", "in", found}}}, nil).(int64); got != 32_767 {
				t.Errorf("search_count of the 32,767 ids: %d", got)
			}
		})
	}
}
