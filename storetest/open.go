// Package storetest holds the behaviour suite that both storage adapters
// must pass, and the helpers that give tests a fresh database of each kind:
// a SQLite file in a temporary folder, or a new database on the PostgreSQL
// server named by OKAPI_TEST_POSTGRES.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/okapi-erp/okapi/storage"
)

// EnvPostgres names a PostgreSQL server URL (with rights to create
// databases) that tests may use; EnvRequirePostgres=1 makes its absence a
// failure instead of a skip, so that CI cannot pass without it.
const (
	EnvPostgres        = "OKAPI_TEST_POSTGRES"
	EnvRequirePostgres = "OKAPI_REQUIRE_POSTGRES"
)

// AdminPassword is the administrator's password in test databases.
const AdminPassword = "admin"

// Dialects returns the databases to run a test against: SQLite always,
// PostgreSQL when configured.
func Dialects(t testing.TB) []string {
	t.Helper()
	if os.Getenv(EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv(EnvRequirePostgres) == "1" {
		t.Fatalf("%s is required (set %s to a PostgreSQL URL)", EnvRequirePostgres, EnvPostgres)
	}
	return []string{"sqlite"}
}

// Options returns storage options for a fresh database of dialect: a new
// SQLite folder or a new PostgreSQL database, dropped when t ends.
func Options(t testing.TB, dialect string) storage.Options {
	t.Helper()
	opt := storage.Options{DataDir: t.TempDir(), AdminPassword: AdminPassword}
	if dialect == "postgres" {
		opt.URL = PostgresURL(t)
	}
	return opt
}

// Open returns a fresh, seeded store of dialect, closed when t ends.
func Open(t testing.TB, dialect string) *storage.Opened {
	t.Helper()
	o, err := storage.Open(context.Background(), Options(t, dialect))
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { o.Store.Close() })
	return o
}

// PostgresURL creates a new empty database on the test server and returns
// its URL; the database is dropped when t ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("%s is required (set %s to a PostgreSQL URL)", EnvRequirePostgres, EnvPostgres)
		}
		t.Skipf("%s not set", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "okapi_t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
