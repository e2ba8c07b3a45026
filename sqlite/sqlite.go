// Package sqlite opens Okapi's embedded database: one SQLite file in the data
// folder, in WAL mode so that readers never wait for the writer, with foreign
// keys on and a busy timeout so that the command line and a running server
// can share the file. Writes go through a one-connection pool that begins
// transactions IMMEDIATE: SQLite allows one writer at a time, and queueing in
// Go is cheaper and fairer than retrying on SQLITE_BUSY.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"

	"github.com/okapi-erp/okapi/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data folder.
const FileName = "okapi.db"

// Dialect is SQLite's sqldb.Dialect.
type Dialect struct{}

// Name implements sqldb.Dialect.
func (Dialect) Name() string { return "sqlite" }

// IsUniqueViolation implements sqldb.Dialect.
func (Dialect) IsUniqueViolation(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && (e.ExtendedCode == sqlite3.ErrConstraintUnique || e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// IsConstraint implements sqldb.Dialect.
func (Dialect) IsConstraint(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && e.Code == sqlite3.ErrConstraint
}

// IsBusy implements sqldb.Dialect.
func (Dialect) IsBusy(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && (e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked)
}

// TryXactLock implements sqldb.Dialect: a write transaction on SQLite is
// already exclusive.
func (Dialect) TryXactLock(context.Context, *sqldb.Tx, int64) (bool, error) { return true, nil }

// ILike implements sqldb.Dialect. SQLite's own LIKE folds ASCII only, so
// both sides go through okapi_lower, Go's Unicode lower-casing.
func (Dialect) ILike(expr, arg string) string {
	return `okapi_lower(` + expr + `) LIKE okapi_lower(` + arg + `) ESCAPE '\'`
}

// Like implements sqldb.Dialect. SQLite's LIKE ignores case, so a
// case-sensitive match goes through okapi_like, written in Go.
func (Dialect) Like(expr, arg string) string { return `okapi_like(` + expr + `, ` + arg + `)` }

// OrderTerm implements sqldb.Dialect. SQLite sorts NULLs as the smallest
// value; "expr IS NULL" first puts them where PostgreSQL does in a form an
// index on (expr IS NULL, expr) can serve, which NULLS LAST cannot.
func (Dialect) OrderTerm(expr string, desc bool, nulls string, notNull bool) string {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if notNull {
		return expr + dir
	}
	last := !desc
	if nulls != "" {
		last = nulls == "LAST"
	}
	if last {
		return "(" + expr + " IS NULL) ASC, " + expr + dir
	}
	return "(" + expr + " IS NULL) DESC, " + expr + dir
}

// InOne implements sqldb.Dialect: the list as a JSON array, read back by
// json_each. Integers, floats, booleans (1 and 0, as SQLite stores them) and
// valid UTF-8 strings go through JSON unchanged; anything else does not
// take this form.
func (Dialect) InOne(expr string, vals []any) (string, any, bool) {
	for _, v := range vals {
		switch x := v.(type) {
		case int64, bool:
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return "", nil, false
			}
		case string:
			if !utf8.ValidString(x) {
				return "", nil, false
			}
		default:
			return "", nil, false
		}
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return "", nil, false
	}
	return expr + " IN (SELECT value FROM json_each(?))", string(b), true
}

// Options tune the database.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: NORMAL (default) survives
	// a killed process; FULL also survives a power cut, at some write speed.
	Synchronous string
	// BusyTimeoutMS is how long a writer waits for another process's lock.
	BusyTimeoutMS int
}

// Open opens (creating if needed) the database in dir and applies the
// migrations. It does not seed.
func Open(ctx context.Context, dir string, opt Options) (*sqldb.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName), opt)
}

// fileMode is the mode of the database and its -wal and -shm files: they
// hold password hashes, so only the owner may read them, whatever the
// folder's mode or the umask.
const fileMode = 0o600

// restrict creates the database file with fileMode if it does not exist
// (SQLite would create it 0644 less the umask, and gives its -wal and -shm
// files the database's mode), and takes group and other rights away from
// the database and its -wal and -shm files when they have any (a file made
// by an older version, or copied in).
func restrict(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fileMode); err != nil {
				return fmt.Errorf("making %s private: %w", p, err)
			}
		}
	}
	return nil
}

// OpenFile opens the database file at path and applies the migrations.
func OpenFile(ctx context.Context, path string, opt Options) (*sqldb.DB, error) {
	if err := restrict(path); err != nil {
		return nil, err
	}
	if opt.Synchronous == "" {
		opt.Synchronous = "NORMAL"
	}
	if opt.BusyTimeoutMS == 0 {
		opt.BusyTimeoutMS = 10000
	}
	common := url.Values{}
	common.Set("_busy_timeout", fmt.Sprint(opt.BusyTimeoutMS))
	common.Set("_foreign_keys", "on")
	common.Set("_synchronous", opt.Synchronous)
	common.Set("_cache_size", "-8000") // 8 MB page cache per connection

	wq := url.Values{}
	for k, v := range common {
		wq[k] = v
	}
	wq.Set("_journal_mode", "WAL")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open(driverName, "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The writer connects first so that WAL mode is set before any reader.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}

	rq := url.Values{}
	for k, v := range common {
		rq[k] = v
	}
	rq.Set("_query_only", "true")
	r, err := sql.Open(driverName, "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)

	db := sqldb.New(r, w, Dialect{})
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqldb.Migrate(ctx, db, sub, ""); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// IntegrityCheck runs SQLite's integrity check and returns its findings.
func IntegrityCheck(ctx context.Context, db *sqldb.DB) error {
	rows, err := db.R.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("integrity check failed: %v", msgs)
	}
	return rows.Err()
}
