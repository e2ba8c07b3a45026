package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/okapi-erp/okapi"
)

// TOTPSecret implements okapi.TOTPStore.
func (s *Store) TOTPSecret(ctx context.Context, uid int64) (string, int64, error) {
	var sealed string
	var last int64
	err := s.db.QueryRow(ctx, `SELECT secret, last_counter FROM user_totp WHERE user_id = ?`, uid).Scan(&sealed, &last)
	if err != nil {
		return "", 0, notFound(err)
	}
	return sealed, last, nil
}

// EnableTOTP implements okapi.TOTPStore: an insert that a second
// activation finds taken.
func (s *Store) EnableTOTP(ctx context.Context, uid int64, sealed string, counter int64, audit okapi.AuditEntry) (bool, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO user_totp (user_id, secret, last_counter, enabled_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO NOTHING`, uid, sealed, counter, FormatTime(Now()))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return addAudit(ctx, tx, audit)
	})
	return n == 1, err
}

// DisableTOTP implements okapi.TOTPStore.
func (s *Store) DisableTOTP(ctx context.Context, uid int64, audit okapi.AuditEntry) (bool, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM totp_devices WHERE user_id = ?`, uid); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, uid)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return addAudit(ctx, tx, audit)
	})
	return n == 1, err
}

// SpendTOTPCounter implements okapi.TOTPStore with one conditional update,
// atomic on both databases: of two nodes given the same code at once, one
// moves the counter and the other finds it moved.
func (s *Store) SpendTOTPCounter(ctx context.Context, uid, counter int64) (bool, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE user_totp SET last_counter = ? WHERE user_id = ? AND last_counter < ?`, counter, uid, counter)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// InsertDevice implements okapi.TOTPStore.
func (s *Store) InsertDevice(ctx context.Context, d *okapi.TrustedDevice, hash string) error {
	if d.CreateDate.IsZero() {
		d.CreateDate = Now()
	}
	if d.Scope == "" {
		d.Scope = okapi.DeviceScope
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO totp_devices (user_id, name, scope, key_hash, create_date, expiration_date)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, d.UserID, d.Name, d.Scope, hash,
			FormatTime(d.CreateDate), FormatTime(d.Expiration)).Scan(&d.ID)
	})
}

const deviceColumns = `id, user_id, name, scope, create_date, expiration_date`

func scanDevice(row interface{ Scan(...any) error }) (*okapi.TrustedDevice, error) {
	var d okapi.TrustedDevice
	var created, expires NullTime
	if err := row.Scan(&d.ID, &d.UserID, &d.Name, &d.Scope, &created, &expires); err != nil {
		return nil, err
	}
	d.CreateDate, d.Expiration = created.Time, expires.Time
	return &d, nil
}

// DeviceByHash implements okapi.TOTPStore.
func (s *Store) DeviceByHash(ctx context.Context, hash string, now time.Time) (*okapi.TrustedDevice, error) {
	d, err := scanDevice(s.db.QueryRow(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE key_hash = ? AND expiration_date > ?`,
		hash, FormatTime(now)))
	if err != nil {
		return nil, notFound(err)
	}
	return d, nil
}

// ListDevices implements okapi.TOTPStore.
func (s *Store) ListDevices(ctx context.Context, uid int64, now time.Time) ([]*okapi.TrustedDevice, error) {
	rows, err := s.db.Query(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE user_id = ? AND expiration_date > ?
		ORDER BY create_date DESC, id DESC`, uid, FormatTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*okapi.TrustedDevice
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDevices implements okapi.TOTPStore.
func (s *Store) DeleteDevices(ctx context.Context, uid, id int64) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var res sql.Result
		var err error
		if id == 0 {
			res, err = tx.Exec(ctx, `DELETE FROM totp_devices WHERE user_id = ?`, uid)
		} else {
			res, err = tx.Exec(ctx, `DELETE FROM totp_devices WHERE user_id = ? AND id = ?`, uid, id)
		}
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return n, err
}
