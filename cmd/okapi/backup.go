package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi/sqlite"
	"github.com/okapi-erp/okapi/storage"
)

func init() { extraCommands = append(extraCommands, newBackupCmd) }

func newBackupCmd() *cobra.Command {
	var data, db, out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a consistent copy of the SQLite database, even while a server runs",
		Long: `Write a consistent copy of the SQLite database in the data folder to a new file,
even while a server and other commands are writing to it: the copy holds every
change committed before it started and nothing half-done. It is synced to disk
and passes SQLite's integrity check before the command reports success. An
existing file is never overwritten.

The server secret (DATA/secret.key, or $OKAPI_SECRET) is NOT in the copy: keys
verify only with the secret the database was made with, so keep it too, apart
from the backups. To restore, stop the server and copy the backup file to
DATA/okapi.db in a folder holding that same secret.key (delete any okapi.db-wal
and okapi.db-shm left there), then start the server.

PostgreSQL (--db postgres://…) is backed up with PostgreSQL's own tools, not
this command:
  pg_dump --format=custom --file=okapi.dump 'postgres://USER@HOST/DB'
  pg_restore --clean --if-exists --no-owner --dbname='postgres://USER@HOST/DB' okapi.dump
See docs/backup.md.`,
		Example: `  okapi backup --data ./okapi-data --out /backups/okapi-$(date +%F).db
  cp /backups/okapi-2026-01-31.db ./restored/okapi.db && cp ./okapi-data/secret.key ./restored/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case storage.IsPostgres(db):
				return errors.New(pgDumpAdvice(db))
			case db != "" && db != "sqlite":
				return usagef("unsupported database %q: okapi backup copies the SQLite database of --data", db)
			case out == "":
				return usagef("--out is required: the new file to write the copy to")
			}
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf("%s already exists: okapi backup never overwrites a file, give a new name", out)
			}
			src := filepath.Join(data, sqlite.FileName)
			if err := needDatabase(data); err != nil {
				return err
			}
			opened, err := storage.Open(cmd.Context(), storage.Options{DataDir: data, MustExist: true})
			if err != nil {
				return err
			}
			defer opened.Store.Close()
			size, err := sqlite.BackupFile(cmd.Context(), opened.Store.DB(), out)
			if errors.Is(err, sqlite.ErrExists) {
				return fmt.Errorf("%s already exists: okapi backup never overwrites a file, give a new name", out)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Backed up %s to %s (%s, integrity checked).\n", src, out, byteSize(size))
			fmt.Fprintln(w, secretReminder(data))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", envOr("OKAPI_DATA", "okapi-data"), "data folder holding the SQLite database ($OKAPI_DATA)")
	f.StringVar(&db, "db", os.Getenv("OKAPI_DB"), "a PostgreSQL URL is refused with the pg_dump command to use instead ($OKAPI_DB)")
	f.StringVar(&out, "out", "", "the new file to write the copy to (required; never overwritten)")
	return cmd
}

// secretReminder is printed after every backup: a copy without its secret
// restores users and keys whose keys no longer verify.
func secretReminder(data string) string {
	where := filepath.Join(data, "secret.key")
	if os.Getenv("OKAPI_SECRET") != "" {
		where = "$OKAPI_SECRET"
	}
	return "The server secret (" + where + ") is not in the backup and keys verify only with it: keep a copy of it, stored apart from the backups."
}

// pgDumpAdvice explains how to back up PostgreSQL, with the URL the
// operator gave minus its password: the message may end up in a log.
func pgDumpAdvice(db string) string {
	shown := "postgres://USER@HOST/DB"
	if u, err := url.Parse(db); err == nil {
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		shown = u.String()
	}
	return "backup copies a SQLite database only; back PostgreSQL up with pg_dump: " +
		"pg_dump --format=custom --file=okapi.dump '" + shown + "' (password from $PGPASSWORD or ~/.pgpass; " +
		"restore with pg_restore), and keep the server secret (secret.key or $OKAPI_SECRET) too: see docs/backup.md"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
