// Package postgres opens Okapi on a PostgreSQL database through pgx, so that
// several Okapi nodes can serve one database. Migrations run under an
// advisory lock, so nodes that start together take turns; a LISTEN connection
// wakes every node as soon as a key is revoked or a user archived anywhere.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/okapi-erp/okapi/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// MigrationLock is the advisory lock key that serialises migrations and
// seeding between nodes.
const MigrationLock = 726301

// Dialect is PostgreSQL's sqldb.Dialect.
type Dialect struct{}

// Name implements sqldb.Dialect.
func (Dialect) Name() string { return "postgres" }

// IsUniqueViolation implements sqldb.Dialect.
func (Dialect) IsUniqueViolation(err error) bool { return pgCode(err) == "23505" }

// IsConstraint implements sqldb.Dialect: integrity constraint violations.
func (Dialect) IsConstraint(err error) bool { return strings.HasPrefix(pgCode(err), "23") }

// IsBusy implements sqldb.Dialect: serialization failures, deadlocks and
// lock timeouts are worth retrying.
func (Dialect) IsBusy(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01", "55P03":
		return true
	}
	return false
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Open connects to the database at url and applies the migrations.
func Open(ctx context.Context, url string) (*sqldb.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	cfg.Tracer = tripTracer{}
	pool := stdlib.OpenDB(*cfg)
	n := max(8, 4*runtime.NumCPU())
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := warm(ctx, pool, n); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	db := sqldb.New(pool, pool, Dialect{})
	db.DriverCountsTrips = true
	// pgx prepares each query once per connection and keeps its
	// description (a 512-statement LRU per connection): a statement
	// prepared through database/sql as well would be a second copy, and
	// one more round trip per connection and query.
	db.DriverCachesStatements = true
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqldb.Migrate(ctx, db, sub, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", MigrationLock)); err != nil {
		db.Close()
		return nil, err
	}
	// Tables added since migration 0014 notify writes too (see there).
	if err := db.Write(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", MigrationLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "SELECT okapi_watch_tables()")
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("watching tables for the read cache: %w", err)
	}
	return db, nil
}

// warm opens the pool's n connections before the node serves: opening one
// (TCP, authentication: SCRAM's key stretching on both sides) costs
// milliseconds of CPU, and a node that opened them under its first load
// answered its first seconds with a p99 of 100+ ms (BENCHMARKS.md, "a node's
// first seconds"). All n are held at once, so that each is a connection of
// its own, then returned to the pool, which keeps them while they are used.
func warm(ctx context.Context, pool *sql.DB, n int) error {
	type opened struct {
		c   *sql.Conn
		err error
	}
	ch := make(chan opened, n)
	for range n {
		go func() {
			c, err := pool.Conn(ctx)
			if err == nil {
				if err = c.PingContext(ctx); err != nil {
					c.Close()
					c = nil
				}
			}
			ch <- opened{c, err}
		}()
	}
	var first error
	for range n {
		o := <-ch
		if o.err != nil && first == nil {
			first = o.err
		}
		defer func() {
			if o.c != nil {
				o.c.Close()
			}
		}()
	}
	return first
}

// tripTracer counts every exchange pgx has with the server for a context
// that asks (sqldb.RoundTrips): queries, statements it prepares, BEGIN and
// COMMIT, batches. It is what the round-trip tests and benchmarks read.
type tripTracer struct{}

func (tripTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	sqldb.Trip(ctx)
	return ctx
}
func (tripTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (tripTracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	sqldb.Trip(ctx)
	return ctx
}
func (tripTracer) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
func (tripTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	sqldb.Trip(ctx)
	return ctx
}
func (tripTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (tripTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// ResetSequences moves the id sequences of tables past their largest id,
// after rows were inserted with explicit ids.
func ResetSequences(ctx context.Context, tx *sqldb.Tx, tables []string) error {
	for _, t := range tables {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 1))`, t, t)); err != nil {
			return err
		}
	}
	return nil
}

// SeedLock is the statement that serialises seeding between nodes.
var SeedLock = fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", MigrationLock)

// InOne implements sqldb.Dialect: the list as one array parameter, with
// "= ANY". The values must share one type (integers, floats, strings or
// booleans), which PostgreSQL matches to the column's.
func (Dialect) InOne(expr string, vals []any) (string, any, bool) {
	var arr any
	switch vals[0].(type) {
	case int64:
		arr = typed[int64](vals)
	case float64:
		arr = typed[float64](vals)
	case string:
		arr = typed[string](vals)
	case bool:
		arr = typed[bool](vals)
	}
	if arr == nil {
		return "", nil, false
	}
	return expr + " = ANY(?)", arr, true
}

// typed returns vals as a []T, or nil when one is not a T.
func typed[T any](vals []any) any {
	out := make([]T, len(vals))
	for i, v := range vals {
		x, ok := v.(T)
		if !ok {
			return nil
		}
		out[i] = x
	}
	return out
}

// ILike implements sqldb.Dialect.
func (Dialect) ILike(expr, arg string) string { return expr + ` ILIKE ` + arg + ` ESCAPE '\'` }

// Like implements sqldb.Dialect.
func (Dialect) Like(expr, arg string) string { return expr + ` LIKE ` + arg + ` ESCAPE '\'` }

// OrderTerm implements sqldb.Dialect: PostgreSQL's defaults are Odoo's.
func (Dialect) OrderTerm(expr string, desc bool, nulls string, notNull bool) string {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if nulls != "" && !notNull && (nulls == "FIRST") != desc {
		return expr + dir + " NULLS " + nulls
	}
	return expr + dir
}

// TryXactLock implements sqldb.Dialect with a transaction-scoped advisory
// lock.
func (Dialect) TryXactLock(ctx context.Context, tx *sqldb.Tx, key int64) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock(?)", key).Scan(&ok)
	return ok, err
}

// Listen keeps a connection LISTENing on the auth-event channel and sends on
// wake (without blocking) for every notification, reconnecting with backoff
// until ctx ends. Polling covers any notification lost while reconnecting.
// It also listens for writes to any table (migration 0014) and calls
// changed for each, and once each time it (re)connects, since writes may
// have gone unheard meanwhile; changed may be nil.
func Listen(ctx context.Context, url string, wake chan<- struct{}, changed func(), log *slog.Logger) {
	if changed == nil {
		changed = func() {}
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := listenOnce(ctx, url, wake, changed)
		if ctx.Err() != nil {
			return
		}
		log.Warn("auth-event listener lost its connection; polling meanwhile", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func listenOnce(ctx context.Context, url string, wake chan<- struct{}, changed func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN okapi_auth; LISTEN okapi_data"); err != nil {
		return err
	}
	changed()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == "okapi_data" {
			changed()
			continue
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}
