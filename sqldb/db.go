// Package sqldb is the SQL both storage adapters share: queries written once
// with "?" placeholders, run through database/sql, and a Dialect that holds
// what SQLite and PostgreSQL do differently. The sqlite and postgres packages
// open the database, apply their own migrations and hand a *DB to this
// package; nothing here knows which driver is underneath.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Dialect is what differs between the two databases.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// IsUniqueViolation reports a unique-constraint failure.
	IsUniqueViolation(err error) bool
	// IsBusy reports a lock timeout worth retrying.
	IsBusy(err error) bool
	// IsConstraint reports a NOT NULL, foreign-key or check violation.
	IsConstraint(err error) bool
	// TryXactLock takes a lock named by key until tx ends, reporting
	// whether it got it; it lets one node of many run a periodic job.
	TryXactLock(ctx context.Context, tx *Tx, key int64) (bool, error)
	// ILike and Like return a condition matching expr against the LIKE
	// pattern in the placeholder arg ('\' escapes), without and with
	// regard to case, for any Unicode text.
	ILike(expr, arg string) string
	Like(expr, arg string) string
	// OrderTerm sorts by expr with NULLs where Odoo (PostgreSQL) puts them:
	// last ascending, first descending, unless nulls says "FIRST"/"LAST".
	// Written so that an index can serve it.
	OrderTerm(expr string, desc bool, nulls string, notNull bool) string
	// InOne returns a condition that expr is one of vals, passed as the
	// single parameter it also returns, or false when vals cannot be
	// (values of mixed or unusual types). See In.
	InOne(expr string, vals []any) (string, any, bool)
}

// inlineIn is the longest list In writes with one placeholder per value
// (short lists plan best that way); longer ones go as one parameter.
const inlineIn = 100

// In returns "expr IN (…)" for vals and the arguments that go with it: one
// placeholder per value for a short list; for a long one, the whole list as
// a single parameter (Dialect.InOne), so that no list meets the databases'
// limits on parameters (SQLite 32,766, PostgreSQL 65,535) and a long list
// is one query shape whatever its length.
func In(d Dialect, expr string, vals []any) (string, []any) {
	if len(vals) > inlineIn {
		if cond, arg, ok := d.InOne(expr, vals); ok {
			return cond, []any{arg}
		}
	}
	return expr + " IN (" + Placeholders(len(vals)) + ")", vals
}

// Placeholders returns n comma-separated "?".
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// DB is an open database: a pool of readers and the writer pool. On SQLite
// the writer pool has a single connection, because SQLite has one writer at a
// time and queueing in Go is cheaper than spinning on SQLITE_BUSY; on
// PostgreSQL both pools are the same.
type DB struct {
	R, W    *sql.DB
	Dialect Dialect
	// OnClose runs after the pools are closed (listeners, lock files).
	OnClose func() error
	// DriverCountsTrips says the driver reports round trips to Trip (see
	// RoundTrips); otherwise DB counts the calls it makes.
	DriverCountsTrips bool
	// DriverCachesStatements says the driver prepares each statement once
	// per connection on its own (pgx does, keyed by the SQL text, in a
	// bounded cache); DB then leaves preparation to it instead of preparing
	// a second copy through database/sql.
	DriverCachesStatements bool

	rebind bool // "?" → "$n"
	qcache sync.Map
	scache sync.Map // stmtKey → *sql.Stmt
	// nq and ns count the entries of the caches, which are bounded.
	nq, ns atomic.Int64
	// gen is the data generation and writing the writes under way
	// (generation.go).
	gen     atomic.Uint64
	writing atomic.Int64
}

// The caches keep query shapes that recur. Clients can make endless new
// shapes (an IN list of every length, any set of fields), and each cached
// statement holds memory in the driver on every connection; so a long query,
// or any past the first few hundred, is run unprepared instead.
const (
	maxCachedQuery = 8 << 10
	maxCachedStmts = 512
	maxRebound     = 4096
)

type stmtKey struct {
	pool  *sql.DB
	query string
}

// New wraps two pools; pass the same pool twice when there is one.
func New(r, w *sql.DB, d Dialect) *DB {
	return &DB{R: r, W: w, Dialect: d, rebind: d.Name() == "postgres"}
}

// Close closes the pools.
func (db *DB) Close() error {
	var errs []error
	db.scache.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	errs = append(errs, db.R.Close())
	if db.W != db.R {
		errs = append(errs, db.W.Close())
	}
	if db.OnClose != nil {
		errs = append(errs, db.OnClose())
	}
	return errors.Join(errs...)
}

// Q turns a query written with "?" placeholders into the dialect's form.
func (db *DB) Q(query string) string {
	if !db.rebind {
		return query
	}
	if q, ok := db.qcache.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	q := b.String()
	if len(query) <= maxCachedQuery && db.nq.Load() < maxRebound {
		if _, loaded := db.qcache.LoadOrStore(query, q); !loaded {
			db.nq.Add(1)
		}
	}
	return q
}

// stmt returns a prepared statement for query on pool, preparing it once.
// database/sql re-prepares it per connection as needed. It returns nil for
// a query not to be cached, or when the driver caches statements itself;
// the caller then runs the query text.
func (db *DB) stmt(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, error) {
	if db.DriverCachesStatements {
		return nil, nil
	}
	k := stmtKey{pool, query}
	if s, ok := db.scache.Load(k); ok {
		return s.(*sql.Stmt), nil
	}
	if len(query) > maxCachedQuery || db.ns.Load() >= maxCachedStmts {
		return nil, nil
	}
	db.trip(ctx)
	s, err := pool.PrepareContext(ctx, db.Q(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.scache.LoadOrStore(k, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	db.ns.Add(1)
	return s, nil
}

// QueryRow runs a one-row read on the reader pool with a cached statement.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	db.trip(ctx)
	s, err := db.stmt(ctx, db.R, query)
	if err != nil || s == nil {
		// sql.Row carries no error of its own; run unprepared so the
		// caller's Scan reports it.
		return db.R.QueryRowContext(ctx, db.Q(query), args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// Query runs a read on the reader pool with a cached statement.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	db.trip(ctx)
	s, err := db.stmt(ctx, db.R, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return db.R.QueryContext(ctx, db.Q(query), args...)
	}
	return s.QueryContext(ctx, args...)
}

// Tx is a transaction whose queries use "?" placeholders.
type Tx struct {
	tx *sql.Tx
	db *DB
	// after runs once the transaction has committed.
	after []func()
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.db.trip(ctx)
	return t.tx.ExecContext(ctx, t.db.Q(query), args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.db.trip(ctx)
	return t.tx.QueryContext(ctx, t.db.Q(query), args...)
}

// QueryRow runs a one-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	t.db.trip(ctx)
	return t.tx.QueryRowContext(ctx, t.db.Q(query), args...)
}

// AfterCommit registers fn to run once the transaction has committed.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// Dialect returns the database's dialect.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// Write runs fn in a read-write transaction, committing when it returns nil.
// A lock timeout from another process is retried a few times.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	db.beginWrite()
	defer db.endWrite()
	return db.run(ctx, db.W, nil, fn)
}

// WriteAside runs fn as Write does, for a write to what no model reads:
// when and from where keys were last used, the audit log, web sessions,
// cooldown counts, spent codes, pruning the change feed. It is not a write
// for the read cache (the data generation stays, kept answers are served
// while it runs): every node records its key uses every few seconds and
// every failed login is counted, and each of those used to drop every kept
// answer — an attacker's failures most of all. Anything a model reads must
// go through Write.
func (db *DB) WriteAside(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.W, nil, fn)
}

// Read runs fn in a read-only transaction on the reader pool, for a
// consistent view across several queries.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.R, &sql.TxOptions{ReadOnly: db.Dialect.Name() == "postgres"}, fn)
}

// Exec runs one writing statement on the writer pool as a transaction of
// its own (autocommit): one round trip, where BEGIN, the statement and
// COMMIT would be three. Lock timeouts are retried as Write's are.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	db.beginWrite()
	defer db.endWrite()
	return db.exec(ctx, query, args...)
}

// ExecAside is Exec for a statement that writes what no model reads (see
// WriteAside).
func (db *DB) ExecAside(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.exec(ctx, query, args...)
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.retry(ctx, func() error {
		db.trip(ctx)
		var err error
		res, err = db.W.ExecContext(ctx, db.Q(query), args...)
		return err
	})
	return res, err
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	return db.retry(ctx, func() error { return db.try(ctx, pool, opts, fn) })
}

// retry runs fn until it succeeds, fails for another reason than a lock
// timeout, or has been tried five times.
func (db *DB) retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = fn()
		if err == nil || !db.Dialect.IsBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

func (db *DB) try(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) (err error) {
	db.trip(ctx) // BEGIN; COMMIT or ROLLBACK is counted below
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	t := &Tx{tx: sqlTx, db: db}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
	}()
	db.trip(ctx)
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	for _, f := range t.after {
		f()
	}
	return nil
}

// TimeLayout is how timestamps are written: UTC, to the second, as Odoo
// shows them.
const TimeLayout = "2006-01-02 15:04:05"

// FormatTime renders t for storage; the zero time is NULL.
func FormatTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(TimeLayout)
}

// NullTime scans a timestamp stored as text (SQLite) or as a timestamp
// (PostgreSQL); NULL gives the zero time.
type NullTime struct{ Time time.Time }

// Scan implements sql.Scanner.
func (n *NullTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.Time = time.Time{}
	case time.Time:
		n.Time = x.UTC()
	case string:
		return n.parse(x)
	case []byte:
		return n.parse(string(x))
	default:
		return fmt.Errorf("cannot scan %T into a time", v)
	}
	return nil
}

func (n *NullTime) parse(s string) error {
	for _, layout := range []string{TimeLayout, "2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			n.Time = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("cannot parse time %q", s)
}

// Now returns the current time truncated to the second, the precision stored.
func Now() time.Time { return time.Now().UTC().Truncate(time.Second) }
