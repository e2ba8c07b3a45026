package postgres_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/postgres"
	"github.com/okapi-erp/okapi/storetest"
)

// TestBehaviour runs the shared suite on the PostgreSQL server named by
// OKAPI_TEST_POSTGRES (skipped without it, unless OKAPI_REQUIRE_POSTGRES=1).
func TestBehaviour(t *testing.T) {
	storetest.PostgresURL(t) // skips cleanly when no server is configured
	storetest.Run(t, "postgres")
}

// TestPoolOpenedBeforeServing: Open returns with the pool's connections
// already made, so that a node's first requests do not pay for them (a
// fresh node's first seconds had a p99 of 100+ ms while it opened them).
func TestPoolOpenedBeforeServing(t *testing.T) {
	url := storetest.PostgresURL(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := max(8, 4*runtime.NumCPU())
	st := db.R.Stats()
	if st.OpenConnections != want || st.Idle != want {
		t.Fatalf("after Open: %d connections open, %d idle; want the pool's %d, all idle", st.OpenConnections, st.Idle, want)
	}
	// They stay: the server still has them after a moment.
	time.Sleep(200 * time.Millisecond)
	var n int
	if err := db.R.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < want {
		t.Fatalf("the server has %d connections to this database, want at least %d", n, want)
	}
}
