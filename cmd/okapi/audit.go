package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/storage"
)

func init() { extraCommands = append(extraCommands, newAuditCmd) }

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read the audit log",
		Long: `The audit log records key creation, revocation and expiry, the first use of a key
from a new address, failed logins, cooldowns and changes to users. It never
holds a key or a password.`,
	}
	cmd.AddCommand(newAuditExportCmd())
	return cmd
}

// auditLine is one exported entry. Every field is always present, so that
// each line has the same shape; an id of 0 means none (for actor_id: the
// system or the command line).
type auditLine struct {
	ID      int64  `json:"id"`
	At      string `json:"at"`
	Kind    string `json:"kind"`
	ActorID int64  `json:"actor_id"`
	UserID  int64  `json:"user_id"`
	KeyID   int64  `json:"key_id"`
	KeyName string `json:"key_name"`
	Login   string `json:"login"`
	IP      string `json:"ip"`
	Detail  string `json:"detail"`
}

func newAuditExportCmd() *cobra.Command {
	var data, db, since, out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the audit log as JSON lines, oldest first",
		Long: `Write the audit log as JSON lines, one object per entry, oldest first:
  {"id":7,"at":"2026-01-31T09:15:02Z","kind":"key.created","actor_id":2,"user_id":6,
   "key_id":3,"key_name":"Outlook add-in","login":"alice","ip":"192.0.2.7","detail":"…"}
Times are UTC, RFC 3339. An id of 0 means none; actor_id 0 is the system or the
command line. Kinds: key.created, key.revoked, key.expired, key.rotated,
key.first_use_from_address, login.failed, login.cooldown, user.created,
user.archived, user.restored, user.password_changed,
user.logged_out_everywhere.

Entries are read and written one at a time, so a log of millions of entries
exports in constant memory, even while a server runs. --since keeps the entries
at or after a time: give the "at" of the last line of the previous export (and
drop the lines with ids already seen) to export incrementally.`,
		Example: `  okapi audit export --data ./okapi-data > audit.jsonl
  okapi audit export --since 2026-01-01T00:00:00Z --out audit-2026.jsonl
  okapi audit export --db postgres://okapi@127.0.0.1/okapi | jq 'select(.kind == "key.revoked")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var from time.Time
			if since != "" {
				t, err := parseSince(since)
				if err != nil {
					return err
				}
				from = t
			}
			if db == "" || db == "sqlite" {
				db = ""
				if err := needDatabase(data); err != nil {
					return err
				}
			}
			opened, err := storage.Open(cmd.Context(), storage.Options{DataDir: data, URL: db, MustExist: true})
			if err != nil {
				return explainOpen(err, db)
			}
			defer opened.Store.Close()

			w := cmd.OutOrStdout()
			var file *os.File
			if out != "" && out != "-" {
				// The log names people and their addresses: owner-only,
				// and never over an existing file.
				file, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("%s already exists: audit export never overwrites a file, give a new name", out)
				}
				if err != nil {
					return err
				}
				w = file
			}
			n, err := exportAudit(cmd.Context(), opened.Store, from, w)
			if file != nil {
				if err == nil {
					err = file.Sync()
				}
				if cerr := file.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					os.Remove(out)
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Exported %d audit entries to %s.\n", n, out)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", envOr("OKAPI_DATA", "okapi-data"), "data folder holding the SQLite database ($OKAPI_DATA)")
	f.StringVar(&db, "db", os.Getenv("OKAPI_DB"), "PostgreSQL URL (postgres://…); empty for SQLite in the data folder ($OKAPI_DB)")
	f.StringVar(&since, "since", "", "only entries at or after this time: RFC 3339 (2026-01-31T09:00:00Z) or a UTC date (2026-01-31)")
	f.StringVar(&out, "out", "", "write to this new file instead of stdout (never overwritten)")
	return cmd
}

// exportAudit streams the log to w as JSON lines and returns how many.
func exportAudit(ctx context.Context, st *sqldb.Store, since time.Time, w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var n int64
	err := st.EachAudit(ctx, since, func(e okapi.AuditEntry) error {
		n++
		return enc.Encode(auditLine{ID: e.ID, At: e.At.UTC().Format(time.RFC3339), Kind: e.Kind, ActorID: e.ActorID,
			UserID: e.UserID, KeyID: e.KeyID, KeyName: e.KeyName, Login: e.Login, IP: e.IP, Detail: e.Detail})
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// parseSince reads --since: an RFC 3339 time, or a date taken as UTC
// midnight.
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--since must be an RFC 3339 time such as 2026-01-31T09:00:00Z, or a date such as 2026-01-31")
}
