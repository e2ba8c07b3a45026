package sqldb

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Migrate applies, in name order, the files NNNN_*.sql of fsys that the
// database has not recorded yet, each in its own transaction, recording it in
// schema_migrations. lock, when set, runs first in every transaction so that
// nodes starting together take turns (PostgreSQL advisory lock); SQLite's
// writer transaction is already exclusive.
func Migrate(ctx context.Context, db *DB, fsys fs.FS, lock string) error {
	if err := db.Write(ctx, func(tx *Tx) error {
		if lock != "" {
			if _, err := tx.Exec(ctx, lock); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version TEXT PRIMARY KEY,
			applied_at TEXT NOT NULL)`)
		return err
	}); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(name, ".sql")
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		err = db.Write(ctx, func(tx *Tx) error {
			if lock != "" {
				if _, err := tx.Exec(ctx, lock); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// Migration files hold no placeholders: run them as written.
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, Now().Format(TimeLayout))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}
