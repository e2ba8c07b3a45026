package sqldb

import (
	"context"

	"github.com/okapi-erp/okapi"
)

// LinkUpstream records (or replaces) the link of an Okapi user to an
// upstream Odoo user, and audit, in one transaction.
func (s *Store) LinkUpstream(ctx context.Context, l *okapi.UpstreamLink, audit okapi.AuditEntry) error {
	if l.CreateDate.IsZero() {
		l.CreateDate = Now()
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM upstream_links WHERE user_id = ?`, l.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO upstream_links (user_id, upstream_uid, upstream_login, sealed_key, create_date) VALUES (?, ?, ?, ?, ?)`,
			l.UserID, l.UpstreamUID, l.UpstreamLogin, l.Sealed, FormatTime(l.CreateDate)); err != nil {
			return err
		}
		return addAudit(ctx, tx, audit)
	})
}

// UnlinkUpstream removes a user's link, with audit; ErrNotFound if none.
func (s *Store) UnlinkUpstream(ctx context.Context, userID int64, audit okapi.AuditEntry) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM upstream_links WHERE user_id = ?`, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return okapi.ErrNotFound
		}
		return addAudit(ctx, tx, audit)
	})
}

const linkColumns = `l.user_id, u.login, l.upstream_uid, l.upstream_login, l.sealed_key, l.create_date FROM upstream_links l JOIN res_users u ON u.id = l.user_id`

func scanLink(row interface{ Scan(...any) error }) (*okapi.UpstreamLink, error) {
	var l okapi.UpstreamLink
	var created NullTime
	if err := row.Scan(&l.UserID, &l.Login, &l.UpstreamUID, &l.UpstreamLogin, &l.Sealed, &created); err != nil {
		return nil, err
	}
	l.CreateDate = created.Time
	return &l, nil
}

// UpstreamLink returns a user's link; ErrNotFound if none.
func (s *Store) UpstreamLink(ctx context.Context, userID int64) (*okapi.UpstreamLink, error) {
	l, err := scanLink(s.db.QueryRow(ctx, `SELECT `+linkColumns+` WHERE l.user_id = ?`, userID))
	return l, notFound(err)
}

// UpstreamLinks returns every link, by login.
func (s *Store) UpstreamLinks(ctx context.Context) ([]*okapi.UpstreamLink, error) {
	rows, err := s.db.Query(ctx, `SELECT `+linkColumns+` ORDER BY u.login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*okapi.UpstreamLink
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetUpstreamAccount records (or replaces) the upstream account a user
// logged in to the gateway's pages as.
func (s *Store) SetUpstreamAccount(ctx context.Context, a *okapi.UpstreamAccount) error {
	if a.CreateDate.IsZero() {
		a.CreateDate = Now()
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO upstream_accounts (user_id, upstream_uid, upstream_login, create_date) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET upstream_uid = excluded.upstream_uid, upstream_login = excluded.upstream_login`,
			a.UserID, a.UpstreamUID, a.UpstreamLogin, FormatTime(a.CreateDate))
		return err
	})
}

// UpstreamAccount returns the upstream account a user logged in as;
// ErrNotFound if none.
func (s *Store) UpstreamAccount(ctx context.Context, userID int64) (*okapi.UpstreamAccount, error) {
	a := okapi.UpstreamAccount{UserID: userID}
	var created NullTime
	err := s.db.QueryRow(ctx, `SELECT upstream_uid, upstream_login, create_date FROM upstream_accounts WHERE user_id = ?`, userID).
		Scan(&a.UpstreamUID, &a.UpstreamLogin, &created)
	if err != nil {
		return nil, notFound(err)
	}
	a.CreateDate = created.Time
	return &a, nil
}
