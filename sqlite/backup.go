package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/okapi-erp/okapi/sqldb"
)

// ErrExists is returned by BackupFile when the destination already exists:
// a backup never overwrites a file, which might be the previous backup.
var ErrExists = errors.New("file already exists")

// BackupFile writes a consistent copy of the live database to the new file
// dst and returns its size. It is safe while servers and commands write to
// the database: VACUUM INTO reads one snapshot, so the copy holds every
// transaction committed before it started and nothing of any later one.
//
// The file is created first, exclusively and readable by its owner only (it
// holds key hashes and users' details), so that it is never world-readable
// and never replaces an existing file (ErrExists). When BackupFile returns
// nil the copy is on disk (synced) and has passed SQLite's integrity check.
func BackupFile(ctx context.Context, db *sqldb.DB, dst string) (int64, error) {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return 0, fmt.Errorf("%s: %w", dst, ErrExists)
	}
	if err != nil {
		return 0, err
	}
	f.Close()
	// VACUUM INTO accepts an empty file and keeps its mode. The reader pool
	// is query-only, which VACUUM INTO refuses, hence the writer; it takes
	// no write lock, so writers elsewhere carry on meanwhile.
	if _, err := db.W.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return 0, fmt.Errorf("copy the database: %w", err)
	}
	if err := SyncFile(dst); err != nil {
		return 0, err
	}
	if err := CheckFile(ctx, dst); err != nil {
		return 0, fmt.Errorf("the copy %s: %w", dst, err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// SyncFile flushes the file at path and its folder's entry to disk: VACUUM
// INTO syncs only as the source database's synchronous setting says, and a
// backup should survive a power cut even when the database need not.
func SyncFile(path string) error {
	for _, p := range []string{path, filepath.Dir(path)} {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("sync %s: %w", p, err)
		}
	}
	return nil
}

// CheckFile runs SQLite's integrity check on the database file at path
// without changing it: no migration, no journal mode, read-only. It is for
// a backup or a database no process is serving.
func CheckFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	conn, err := sql.Open(driverName, "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	return IntegrityCheck(ctx, sqldb.New(conn, conn, Dialect{}))
}
