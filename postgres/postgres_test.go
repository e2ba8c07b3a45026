package postgres_test

import (
	"testing"

	"github.com/okapi-erp/okapi/storetest"
)

// TestBehaviour runs the shared suite on the PostgreSQL server named by
// OKAPI_TEST_POSTGRES (skipped without it, unless OKAPI_REQUIRE_POSTGRES=1).
func TestBehaviour(t *testing.T) {
	storetest.PostgresURL(t) // skips cleanly when no server is configured
	storetest.Run(t, "postgres")
}
