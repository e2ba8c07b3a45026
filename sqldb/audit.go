package sqldb

import (
	"context"
	"time"

	"github.com/okapi-erp/okapi"
)

// EachAudit calls fn with every audit entry at or after since (every entry
// for a zero since), oldest first: by time, then by id for entries of the
// same second. Rows are read one at a time as fn consumes them, so an export
// of millions of entries holds one in memory. It stops at fn's first error
// and returns it.
//
// On SQLite the read holds one snapshot for its whole length: entries
// written meanwhile are not seen, and the writers are not held up.
func (s *Store) EachAudit(ctx context.Context, since time.Time, fn func(okapi.AuditEntry) error) error {
	q := `SELECT id, at, kind, COALESCE(actor_id, 0), COALESCE(user_id, 0), COALESCE(key_id, 0), COALESCE(key_name, ''), COALESCE(login, ''), COALESCE(ip, ''), COALESCE(detail, '') FROM audit_log`
	var args []any
	if !since.IsZero() {
		// Stored times have whole seconds: a since inside a second starts
		// after it, so that "at or after" stays true.
		if t := since.UTC(); !t.Truncate(time.Second).Equal(t) {
			since = t.Truncate(time.Second).Add(time.Second)
		}
		q += ` WHERE at >= ?`
		args = append(args, FormatTime(since))
	}
	q += ` ORDER BY at, id`
	// Not through the statement cache: an export is run once per process.
	rows, err := s.db.R.QueryContext(ctx, s.db.Q(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e okapi.AuditEntry
		var at NullTime
		if err := rows.Scan(&e.ID, &at, &e.Kind, &e.ActorID, &e.UserID, &e.KeyID, &e.KeyName, &e.Login, &e.IP, &e.Detail); err != nil {
			return err
		}
		e.At = at.Time
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
