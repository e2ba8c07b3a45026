package sqldb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
)

// Store implements okapi.Store over a DB.
type Store struct {
	db *DB
}

var _ okapi.Store = (*Store)(nil)

// NewStore returns a Store on db.
func NewStore(db *DB) *Store { return &Store{db: db} }

// DB returns the underlying database, for the model layer.
func (s *Store) DB() *DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return okapi.ErrNotFound
	}
	return err
}

const userColumns = `u.id, u.login, COALESCE(p.name, ''), COALESCE(p.email, ''), u.partner_id, COALESCE(u.company_id, 0), u.active, u.create_date, u.write_date,
	EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id)`

func scanUser(row interface{ Scan(...any) error }) (*okapi.User, error) {
	var u okapi.User
	var created, written NullTime
	if err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.PartnerID, &u.CompanyID, &u.Active, &created, &written, &u.TOTP); err != nil {
		return nil, err
	}
	u.CreateDate, u.WriteDate = created.Time, written.Time
	return &u, nil
}

// UserByID implements okapi.UserStore.
func (s *Store) UserByID(ctx context.Context, id int64) (*okapi.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+` FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = ?`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return u, s.loadGroups(ctx, u)
}

// UserByLogin implements okapi.UserStore.
func (s *Store) UserByLogin(ctx context.Context, login string) (*okapi.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+` FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.login = ?`, login))
	if err != nil {
		return nil, notFound(err)
	}
	return u, s.loadGroups(ctx, u)
}

func (s *Store) loadGroups(ctx context.Context, u *okapi.User) error {
	gs, err := s.GroupsOf(ctx, u.ID)
	if err != nil {
		return err
	}
	u.Groups = u.Groups[:0]
	for _, g := range gs {
		u.Groups = append(u.Groups, g.ID)
	}
	return nil
}

// GroupsOf implements okapi.UserStore: the user's groups and, transitively,
// the groups they imply.
func (s *Store) GroupsOf(ctx context.Context, id int64) ([]okapi.Group, error) {
	rows, err := s.db.Query(ctx, `WITH RECURSIVE g(id) AS (
			SELECT gid FROM res_groups_users_rel WHERE uid = ?
			UNION
			SELECT r.hid FROM res_groups_implied_rel r JOIN g ON r.gid = g.id)
		SELECT rg.id, rg.name, rg.api_key_duration, rg.share,
		       COALESCE((SELECT d.module || '.' || d.name FROM ir_model_data d WHERE d.model = 'res.groups' AND d.res_id = rg.id ORDER BY d.id LIMIT 1), '')
		FROM res_groups rg WHERE rg.id IN (SELECT id FROM g) ORDER BY rg.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []okapi.Group
	for rows.Next() {
		var g okapi.Group
		if err := rows.Scan(&g.ID, &g.Name, &g.APIKeyDays, &g.Share, &g.XMLID); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// PasswordHash implements okapi.UserStore.
func (s *Store) PasswordHash(ctx context.Context, id int64) (string, error) {
	var h sql.NullString
	if err := s.db.QueryRow(ctx, `SELECT password FROM res_users WHERE id = ?`, id).Scan(&h); err != nil {
		return "", notFound(err)
	}
	return h.String, nil
}

// CreateUser implements okapi.UserStore.
func (s *Store) CreateUser(ctx context.Context, nu okapi.NewUser) (*okapi.User, error) {
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = InsertUser(ctx, tx, nu)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// InsertUser creates a user and its partner inside tx and returns the id.
// The model layer uses it too, so that users made over RPC get the same rows.
func InsertUser(ctx context.Context, tx *Tx, nu okapi.NewUser) (int64, error) {
	login := strings.TrimSpace(nu.Login)
	if login == "" {
		return 0, okapi.Errorf(okapi.EValidation, "A user needs a login.")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM res_users WHERE login = ?`, login).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, okapi.Errorf(okapi.EValidation, "You can not have two users with the same login!")
	}
	name := nu.Name
	if name == "" {
		name = login
	}
	now := FormatTime(Now())
	creator := nu.CreatedBy
	if creator == 0 {
		creator = okapi.SuperuserID
	}
	var email any
	if nu.Email != "" {
		email = nu.Email
	}
	var pid int64
	if err := tx.QueryRow(ctx, `INSERT INTO res_partner (name, complete_name, email, is_company, active, type, lang, image_1920, create_date, write_date, create_uid, write_uid)
		VALUES (?, ?, ?, FALSE, TRUE, 'contact', 'en_US', ?, ?, ?, ?, ?) RETURNING id`, name, name, email, Avatar(name, login), now, now, creator, creator).Scan(&pid); err != nil {
		return 0, err
	}
	var pw any
	if nu.PasswordHash != "" {
		pw = nu.PasswordHash
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO res_users (login, password, partner_id, company_id, active, create_date, write_date, create_uid, write_uid)
		VALUES (?, ?, ?, 1, TRUE, ?, ?, ?, ?) RETURNING id`, login, pw, pid, now, now, creator, creator).Scan(&id); err != nil {
		if tx.Dialect().IsUniqueViolation(err) {
			return 0, okapi.Errorf(okapi.EValidation, "You can not have two users with the same login!")
		}
		return 0, err
	}
	return id, SetUserKind(ctx, tx, id, nu.Kind, nu.Admin, nu.Defaults)
}

// Avatar is the picture a new user's contact gets, as Odoo gives one: the
// initial on a coloured square, as a base64 SVG.
func Avatar(name, seed string) string {
	initial := "?"
	for _, r := range strings.TrimSpace(name) {
		initial = strings.ToUpper(string(r))
		break
	}
	h := fnv.New32a()
	h.Write([]byte(seed))
	svg := fmt.Sprintf("<?xml version='1.0' encoding='UTF-8' ?><svg height='180' width='180' xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'>"+
		"<rect fill='hsl(%d, 49%%, 45%%)' height='180' width='180'/><text fill='#ffffff' font-size='96' text-anchor='middle' x='90' y='125' font-family='sans-serif'>%s</text></svg>",
		h.Sum32()%360, html.EscapeString(initial))
	return base64.StdEncoding.EncodeToString([]byte(svg))
}

// SetUserKind puts a user in the groups of a kind: internal users in
// base.group_user (plus contact creation when defaults is set, as Odoo's
// default user template does), portal users in base.group_portal;
// administrators in base.group_system.
func SetUserKind(ctx context.Context, tx *Tx, id int64, kind string, admin, defaults bool) error {
	typeGroups := []int64{okapi.GroupUser, okapi.GroupPortal, okapi.GroupPublic}
	for _, g := range typeGroups {
		if _, err := tx.Exec(ctx, `DELETE FROM res_groups_users_rel WHERE uid = ? AND gid = ?`, id, g); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM res_groups_users_rel WHERE uid = ? AND gid IN (?, ?)`, id, okapi.GroupSystem, okapi.GroupERPManager); err != nil {
		return err
	}
	var add []int64
	switch kind {
	case okapi.KindPortal:
		if admin {
			return okapi.Errorf(okapi.EValidation, "A portal user cannot be an administrator.")
		}
		add = []int64{okapi.GroupPortal}
	case "", okapi.KindInternal:
		add = []int64{okapi.GroupUser}
		if defaults {
			add = append(add, okapi.GroupPartnerManager)
		}
		if admin {
			add = append(add, okapi.GroupSystem, okapi.GroupERPManager, okapi.GroupPartnerManager)
		}
	default:
		return okapi.Errorf(okapi.EValidation, "Unknown user kind %q: choose internal or portal.", kind)
	}
	for _, g := range add {
		if err := addGroup(ctx, tx, id, g); err != nil {
			return err
		}
	}
	return nil
}

func addGroup(ctx context.Context, tx *Tx, uid, gid int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM res_groups_users_rel WHERE uid = ? AND gid = ?`, uid, gid).Scan(&n); err != nil || n > 0 {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO res_groups_users_rel (gid, uid) VALUES (?, ?)`, gid, uid)
	return err
}

// SetPasswordHash implements okapi.UserStore.
func (s *Store) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	return s.updateUser(ctx, `UPDATE res_users SET password = ?, write_date = ? WHERE id = ?`, hash, FormatTime(Now()), id)
}

// SetActive implements okapi.UserStore.
func (s *Store) SetActive(ctx context.Context, id int64, active bool) error {
	return s.updateUser(ctx, `UPDATE res_users SET active = ?, write_date = ? WHERE id = ?`, active, FormatTime(Now()), id)
}

// SetKind implements okapi.UserStore.
func (s *Store) SetKind(ctx context.Context, id int64, kind string, admin bool) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM res_users WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return okapi.ErrNotFound
		}
		return SetUserKind(ctx, tx, id, kind, admin, false)
	})
}

func (s *Store) updateUser(ctx context.Context, q string, args ...any) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return okapi.ErrNotFound
		}
		return nil
	})
}

// ListUsers implements okapi.UserStore.
func (s *Store) ListUsers(ctx context.Context) ([]*okapi.User, error) {
	rows, err := s.db.Query(ctx, `SELECT `+userColumns+` FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id <> ? ORDER BY u.login`, okapi.SuperuserID)
	if err != nil {
		return nil, err
	}
	var users []*okapi.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, u := range users {
		if err := s.loadGroups(ctx, u); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// KeyCandidates implements okapi.KeyStore.
func (s *Store) KeyCandidates(ctx context.Context, index string, now time.Time) ([]okapi.KeyCandidate, error) {
	var rows *sql.Rows
	var err error
	if now.IsZero() {
		rows, err = s.db.Query(ctx, `SELECT id, user_id, COALESCE(scope, ''), key_hash, expiration_date, `+policyColumns+`
			FROM res_users_apikeys WHERE key_index = ?`, index)
	} else {
		rows, err = s.db.Query(ctx, `SELECT id, user_id, COALESCE(scope, ''), key_hash, expiration_date, `+policyColumns+`
			FROM res_users_apikeys WHERE key_index = ? AND (expiration_date IS NULL OR expiration_date >= ?)`,
			index, FormatTime(now))
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []okapi.KeyCandidate
	for rows.Next() {
		var c okapi.KeyCandidate
		var exp NullTime
		var pc policyCols
		if err := rows.Scan(&c.ID, &c.UserID, &c.Scope, &c.Hash, &exp, &pc.models, &pc.nets, &pc.rate, &pc.burst); err != nil {
			return nil, err
		}
		c.Expiration, c.Policy = exp.Time, pc.policy()
		out = append(out, c)
	}
	return out, rows.Err()
}

// InsertKey implements okapi.KeyStore.
func (s *Store) InsertKey(ctx context.Context, k *okapi.Key, hash string, audit okapi.AuditEntry) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		if err := InsertKey(ctx, tx, k, hash); err != nil {
			return err
		}
		return addAudit(ctx, tx, keyAudit(audit, k))
	})
}

// keyAudit fills an audit entry with what identifies a key.
func keyAudit(e okapi.AuditEntry, k *okapi.Key) okapi.AuditEntry {
	e.KeyID, e.KeyName, e.UserID = k.ID, k.Name, k.UserID
	if e.Login == "" {
		e.Login = k.Login
	}
	return e
}

// InsertKey stores a key inside tx.
func InsertKey(ctx context.Context, tx *Tx, k *okapi.Key, hash string) error {
	if k.CreateDate.IsZero() {
		k.CreateDate = Now()
	}
	var scope any
	if k.Scope != "" {
		scope = k.Scope
	}
	var models, nets, rate, burst any
	if p := k.Policy; !p.Empty() {
		if len(p.Models) > 0 {
			models = p.ModelsText()
		}
		if len(p.Nets) > 0 {
			nets = p.NetsText()
		}
		if p.Rate > 0 {
			rate, burst = p.Rate, int64(p.Burst)
		}
	}
	return tx.QueryRow(ctx, `INSERT INTO res_users_apikeys (name, user_id, scope, key_index, key_hash, create_date, expiration_date,
		policy_models, policy_nets, policy_rate, policy_burst)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		k.Name, k.UserID, scope, k.Index, hash, FormatTime(k.CreateDate), FormatTime(k.ExpirationDate),
		models, nets, rate, burst).Scan(&k.ID)
}

// policyColumns are a key's policy columns, read into policyCols.
const policyColumns = `COALESCE(policy_models, ''), COALESCE(policy_nets, ''), COALESCE(policy_rate, 0), COALESCE(policy_burst, 0)`

type policyCols struct {
	models, nets string
	rate         float64
	burst        int
}

func (c policyCols) policy() *okapi.Policy {
	return okapi.PolicyFromText(c.models, c.nets, c.rate, c.burst)
}

// RehashKey implements okapi.KeyStore. It changes nothing if the hash was
// replaced meanwhile.
func (s *Store) RehashKey(ctx context.Context, id int64, oldHash, newHash string) error {
	_, err := s.db.Exec(ctx, `UPDATE res_users_apikeys SET key_hash = ? WHERE id = ? AND key_hash = ?`, newHash, id, oldHash)
	return err
}

const keyColumns = `k.id, k.user_id, k.name, COALESCE(k.scope, ''), k.key_index, k.create_date, k.expiration_date, k.last_used, COALESCE(k.last_used_ip, ''), u.login, COALESCE(p.name, ''),
	COALESCE(k.policy_models, ''), COALESCE(k.policy_nets, ''), COALESCE(k.policy_rate, 0), COALESCE(k.policy_burst, 0)`
const keyFrom = ` FROM res_users_apikeys k JOIN res_users u ON u.id = k.user_id JOIN res_partner p ON p.id = u.partner_id`

func scanKey(row interface{ Scan(...any) error }) (*okapi.Key, error) {
	var k okapi.Key
	var created, exp, used NullTime
	var pc policyCols
	if err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.Scope, &k.Index, &created, &exp, &used, &k.LastUsedIP, &k.Login, &k.UserName,
		&pc.models, &pc.nets, &pc.rate, &pc.burst); err != nil {
		return nil, err
	}
	k.CreateDate, k.ExpirationDate, k.LastUsed, k.Policy = created.Time, exp.Time, used.Time, pc.policy()
	return &k, nil
}

// KeyByID implements okapi.KeyStore.
func (s *Store) KeyByID(ctx context.Context, id int64) (*okapi.Key, error) {
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = ?`, id))
	return k, notFound(err)
}

// DeleteKey implements okapi.KeyStore.
func (s *Store) DeleteKey(ctx context.Context, id int64, audit okapi.AuditEntry) (*okapi.Key, error) {
	var k *okapi.Key
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		if k, err = DeleteKey(ctx, tx, id); err != nil {
			return err
		}
		return addAudit(ctx, tx, keyAudit(audit, k))
	})
	return k, err
}

// EndKeyAt implements okapi.KeyStore.
func (s *Store) EndKeyAt(ctx context.Context, id int64, at time.Time, audit okapi.AuditEntry) (*okapi.Key, error) {
	var k *okapi.Key
	err := s.db.Write(ctx, func(tx *Tx) error {
		end := FormatTime(at.UTC().Truncate(time.Second))
		if _, err := tx.Exec(ctx, `UPDATE res_users_apikeys SET expiration_date = ?
			WHERE id = ? AND (expiration_date IS NULL OR expiration_date > ?)`, end, id, end); err != nil {
			return err
		}
		var err error
		if k, err = scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = ?`, id)); err != nil {
			return notFound(err)
		}
		return addAudit(ctx, tx, keyAudit(audit, k))
	})
	return k, err
}

// DeleteKey revokes a key inside tx: it deletes the row, leaving a
// tombstone, and returns the key.
func DeleteKey(ctx context.Context, tx *Tx, id int64) (*okapi.Key, error) {
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = ?`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return k, deleteKeyRow(ctx, tx, k, "revoked")
}

func deleteKeyRow(ctx context.Context, tx *Tx, k *okapi.Key, reason string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO key_tombstones (key_hash, key_id, user_id, name, reason, deleted_at)
		SELECT key_hash, id, user_id, name, ?, ? FROM res_users_apikeys WHERE id = ?
		ON CONFLICT (key_hash) DO NOTHING`, reason, FormatTime(Now()), k.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM res_users_apikeys WHERE id = ?`, k.ID)
	return err
}

// Tombstone implements okapi.KeyStore.
func (s *Store) Tombstone(ctx context.Context, hash string) (*okapi.Tombstone, error) {
	var t okapi.Tombstone
	var at NullTime
	err := s.db.QueryRow(ctx, `SELECT key_id, user_id, name, reason, deleted_at FROM key_tombstones WHERE key_hash = ?`, hash).
		Scan(&t.KeyID, &t.UserID, &t.Name, &t.Reason, &at)
	if err != nil {
		return nil, notFound(err)
	}
	t.DeletedAt = at.Time
	return &t, nil
}

// ListKeys implements okapi.KeyStore.
func (s *Store) ListKeys(ctx context.Context, userID int64) ([]*okapi.Key, error) {
	q := `SELECT ` + keyColumns + keyFrom
	var args []any
	if userID != 0 {
		q += ` WHERE k.user_id = ?`
		args = append(args, userID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY k.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*okapi.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// CleanupLock is the lock key that lets one node at a time delete expired
// keys, so that each deletion is recorded once.
const CleanupLock = 726302

// DeleteExpiredKeys implements okapi.KeyStore. When another node is already
// cleaning up, it does nothing.
func (s *Store) DeleteExpiredKeys(ctx context.Context, now time.Time) ([]*okapi.Key, error) {
	var out []*okapi.Key
	err := s.db.Write(ctx, func(tx *Tx) error {
		out = out[:0]
		if ok, err := tx.Dialect().TryXactLock(ctx, tx, CleanupLock); err != nil || !ok {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.expiration_date IS NOT NULL AND k.expiration_date < ? ORDER BY k.id`, FormatTime(now))
		if err != nil {
			return err
		}
		for rows.Next() {
			k, err := scanKey(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range out {
			if err := deleteKeyRow(ctx, tx, k, "expired"); err != nil {
				return err
			}
			if err := addAudit(ctx, tx, okapi.AuditEntry{At: now, Kind: okapi.AuditKeyExpired, UserID: k.UserID, KeyID: k.ID,
				KeyName: k.Name, Login: k.Login, Detail: "expired " + k.ExpirationDate.Format(TimeLayout) + "; deleted by the clean-up"}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RecordKeyUses implements okapi.KeyStore. A use from an address the key
// was never used from is recorded in the audit log.
func (s *Store) RecordKeyUses(ctx context.Context, uses []okapi.KeyUse) error {
	if len(uses) == 0 {
		return nil
	}
	return s.db.WriteAside(ctx, func(tx *Tx) error {
		for _, u := range uses {
			at := FormatTime(u.At)
			res, err := tx.Exec(ctx, `UPDATE res_users_apikeys SET last_used = ?, last_used_ip = ? WHERE id = ? AND (last_used IS NULL OR last_used <= ?)`,
				at, u.IP, u.KeyID, at)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 || u.IP == "" {
				// The key is gone, or a later use is already there. A key
				// revoked before its uses were written must not hide the
				// addresses it was used from.
				if err := auditUseOfDeletedKey(ctx, tx, u); err != nil {
					return err
				}
				continue
			}
			res, err = tx.Exec(ctx, `INSERT INTO key_addresses (key_id, ip, first_seen, last_seen) VALUES (?, ?, ?, ?)
				ON CONFLICT (key_id, ip) DO NOTHING`, u.KeyID, u.IP, at, at)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if _, err := tx.Exec(ctx, `UPDATE key_addresses SET last_seen = ? WHERE key_id = ? AND ip = ?`, at, u.KeyID, u.IP); err != nil {
					return err
				}
				continue
			}
			k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+keyFrom+` WHERE k.id = ?`, u.KeyID))
			if err != nil {
				return notFound(err)
			}
			if err := addAudit(ctx, tx, okapi.AuditEntry{At: u.At, Kind: okapi.AuditKeyNewIP, UserID: k.UserID, KeyID: k.ID,
				KeyName: k.Name, Login: k.Login, IP: u.IP, Detail: "first use from this address"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// auditUseOfDeletedKey records a use from an address the audit log has not
// seen for a key that was deleted before its uses were written.
func auditUseOfDeletedKey(ctx context.Context, tx *Tx, u okapi.KeyUse) error {
	if u.IP == "" {
		return nil
	}
	var userID int64
	var name string
	err := tx.QueryRow(ctx, `SELECT user_id, name FROM key_tombstones WHERE key_id = ?`, u.KeyID).Scan(&userID, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // a later use was written: the key still exists
	}
	if err != nil {
		return err
	}
	var seen int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE kind = ? AND key_id = ? AND ip = ?`, okapi.AuditKeyNewIP, u.KeyID, u.IP).Scan(&seen); err != nil || seen > 0 {
		return err
	}
	return addAudit(ctx, tx, okapi.AuditEntry{At: u.At, Kind: okapi.AuditKeyNewIP, UserID: userID, KeyID: u.KeyID, KeyName: name,
		IP: u.IP, Detail: "first use from this address (written after the key was deleted)"})
}

// CountKeys implements okapi.KeyStore.
func (s *Store) CountKeys(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM res_users_apikeys`).Scan(&n)
	return n, err
}

// EventsSince implements okapi.EventStore.
func (s *Store) EventsSince(ctx context.Context, seq int64, limit int) ([]okapi.Event, error) {
	rows, err := s.db.Query(ctx, `SELECT seq, kind, COALESCE(user_id, 0), COALESCE(key_id, 0) FROM auth_events WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []okapi.Event
	for rows.Next() {
		var e okapi.Event
		if err := rows.Scan(&e.Seq, &e.Kind, &e.UserID, &e.KeyID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEventSeq implements okapi.EventStore.
func (s *Store) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM auth_events`).Scan(&seq)
	return seq, err
}

// PruneEvents implements okapi.EventStore. The newest event is always kept
// so that sequence numbers never restart. Tombstones are kept 90 days.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) error {
	return s.db.WriteAside(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM key_tombstones WHERE deleted_at < ?`, FormatTime(before.AddDate(0, 0, -90))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM auth_events WHERE at < ? AND seq < (SELECT MAX(seq) FROM auth_events)`, FormatTime(before))
		return err
	})
}

// AddAudit implements okapi.AuditStore.
func (s *Store) AddAudit(ctx context.Context, e okapi.AuditEntry) error {
	return s.db.WriteAside(ctx, func(tx *Tx) error { return addAudit(ctx, tx, e) })
}

// AddAudits implements okapi.AuditStore.
func (s *Store) AddAudits(ctx context.Context, es []okapi.AuditEntry) error {
	return s.db.WriteAside(ctx, func(tx *Tx) error {
		for _, e := range es {
			if err := addAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddAudit writes an audit entry inside tx.
func AddAudit(ctx context.Context, tx *Tx, e okapi.AuditEntry) error { return addAudit(ctx, tx, e) }

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func addAudit(ctx context.Context, tx *Tx, e okapi.AuditEntry) error {
	if e.At.IsZero() {
		e.At = Now()
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, kind, actor_id, user_id, key_id, key_name, login, ip, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		FormatTime(e.At), e.Kind, nullInt(e.ActorID), nullInt(e.UserID), nullInt(e.KeyID), e.KeyName, e.Login, e.IP, e.Detail)
	return err
}

// ListAudit implements okapi.AuditStore.
func (s *Store) ListAudit(ctx context.Context, limit int) ([]okapi.AuditEntry, error) {
	q := `SELECT id, at, kind, COALESCE(actor_id, 0), COALESCE(user_id, 0), COALESCE(key_id, 0), COALESCE(key_name, ''), COALESCE(login, ''), COALESCE(ip, ''), COALESCE(detail, '') FROM audit_log ORDER BY id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []okapi.AuditEntry
	for rows.Next() {
		var e okapi.AuditEntry
		var at NullTime
		if err := rows.Scan(&e.ID, &at, &e.Kind, &e.ActorID, &e.UserID, &e.KeyID, &e.KeyName, &e.Login, &e.IP, &e.Detail); err != nil {
			return nil, err
		}
		e.At = at.Time
		out = append(out, e)
	}
	return out, rows.Err()
}

// Param implements okapi.ParamStore.
func (s *Store) Param(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM ir_config_parameter WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetParam implements okapi.ParamStore.
func (s *Store) SetParam(ctx context.Context, key, value string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO ir_config_parameter (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// Meta returns an okapi_meta value, "" when unset.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM okapi_meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSystemName names the system user's contact as the played version does
// ("OdooBot" up to 18, "System" from 19), since records it made show it.
func (s *Store) SetSystemName(ctx context.Context, name string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE res_partner SET name = ?, complete_name = ? WHERE id = (SELECT partner_id FROM res_users WHERE id = ?) AND name <> ?`,
			name, name, okapi.SuperuserID, name)
		return err
	})
}

// SetMeta stores value under key.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO okapi_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// SetMetaOnce stores value under key unless a value is there, and returns
// the stored value.
func (s *Store) SetMetaOnce(ctx context.Context, key, value string) (string, error) {
	var out string
	err := s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO okapi_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM okapi_meta WHERE key = ?`, key).Scan(&out)
	})
	return out, err
}

// CreateSession implements okapi.SessionStore.
func (s *Store) CreateSession(ctx context.Context, se *okapi.Session) error {
	_, err := s.db.ExecAside(ctx, `INSERT INTO web_sessions (id, user_id, csrf, created_at, last_seen, identity_check, debug) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		se.ID, se.UserID, se.CSRF, FormatTime(se.CreatedAt), FormatTime(se.LastSeen), FormatTime(se.IdentityCheck), se.Debug)
	return err
}

// SessionByID implements okapi.SessionStore.
func (s *Store) SessionByID(ctx context.Context, id string) (*okapi.Session, error) {
	var se okapi.Session
	var created, seen, ident NullTime
	err := s.db.QueryRow(ctx, `SELECT id, user_id, csrf, created_at, last_seen, identity_check, debug FROM web_sessions WHERE id = ?`, id).
		Scan(&se.ID, &se.UserID, &se.CSRF, &created, &seen, &ident, &se.Debug)
	if err != nil {
		return nil, notFound(err)
	}
	se.CreatedAt, se.LastSeen, se.IdentityCheck = created.Time, seen.Time, ident.Time
	return &se, nil
}

// UpdateSession implements okapi.SessionStore.
func (s *Store) UpdateSession(ctx context.Context, se *okapi.Session) error {
	_, err := s.db.ExecAside(ctx, `UPDATE web_sessions SET csrf = ?, last_seen = ?, identity_check = ?, debug = ? WHERE id = ?`,
		se.CSRF, FormatTime(se.LastSeen), FormatTime(se.IdentityCheck), se.Debug, se.ID)
	return err
}

// ClaimForm implements okapi.SessionStore: one conditional UPDATE, so two
// requests racing with the same form cannot both win.
func (s *Store) ClaimForm(ctx context.Context, id, form string) (bool, error) {
	var n int64
	err := s.db.WriteAside(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE web_sessions SET last_form = ? WHERE id = ? AND (last_form IS NULL OR last_form <> ?)`, form, id, form)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// DeleteSession implements okapi.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.ExecAside(ctx, `DELETE FROM web_sessions WHERE id = ?`, id)
	return err
}

// DeleteUserSessions implements okapi.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	var n int64
	err := s.db.WriteAside(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE user_id = ? AND id <> ?`, userID, keep)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// PruneSessions implements okapi.SessionStore.
func (s *Store) PruneSessions(ctx context.Context, idleBefore time.Time) error {
	return s.db.WriteAside(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE last_seen < ?`, FormatTime(idleBefore))
		return err
	})
}

// SpendCode implements okapi.SessionStore: an insert that a second use of
// the same code finds taken.
func (s *Store) SpendCode(ctx context.Context, code string, expires, now time.Time) (bool, error) {
	var n int64
	err := s.db.WriteAside(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM spent_codes WHERE expires_at < ?`, FormatTime(now)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO spent_codes (code, expires_at) VALUES (?, ?) ON CONFLICT (code) DO NOTHING`, code, FormatTime(expires))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// AddFailures implements okapi.FailureStore, in one transaction.
func (s *Store) AddFailures(ctx context.Context, n map[string]int, now time.Time, window time.Duration) (map[string]int, error) {
	out := make(map[string]int, len(n))
	err := s.db.WriteAside(ctx, func(tx *Tx) error {
		for key, add := range n {
			var count int
			var last NullTime
			err := tx.QueryRow(ctx, `SELECT count, last_at FROM login_failures WHERE key = ?`, key).Scan(&count, &last)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = tx.Exec(ctx, `INSERT INTO login_failures (key, count, first_at, last_at) VALUES (?, ?, ?, ?)`, key, add, FormatTime(now), FormatTime(now))
				count = add
			case err != nil:
			case window > 0 && now.Sub(last.Time) > window:
				_, err = tx.Exec(ctx, `UPDATE login_failures SET count = ?, first_at = ?, last_at = ? WHERE key = ?`, add, FormatTime(now), FormatTime(now), key)
				count = add
			default:
				count += add
				_, err = tx.Exec(ctx, `UPDATE login_failures SET count = ?, last_at = ? WHERE key = ?`, count, FormatTime(now), key)
			}
			if err != nil {
				return err
			}
			out[key] = count
		}
		return nil
	})
	return out, err
}

// Blocked implements okapi.FailureStore.
func (s *Store) Blocked(ctx context.Context, after int, since time.Time) (map[string]time.Time, error) {
	rows, err := s.db.Query(ctx, `SELECT key, last_at FROM login_failures WHERE count >= ? AND last_at >= ?`, after, FormatTime(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var k string
		var last NullTime
		if err := rows.Scan(&k, &last); err != nil {
			return nil, err
		}
		out[k] = last.Time
	}
	return out, rows.Err()
}

// Failures implements okapi.FailureStore.
func (s *Store) Failures(ctx context.Context, key string) (int, time.Time, error) {
	var count int
	var last NullTime
	err := s.db.QueryRow(ctx, `SELECT count, last_at FROM login_failures WHERE key = ?`, key).Scan(&count, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	return count, last.Time, err
}

// PruneFailures implements okapi.FailureStore.
func (s *Store) PruneFailures(ctx context.Context, before, known time.Time) error {
	return s.db.WriteAside(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE last_at < ? AND key NOT LIKE 'known:%'`, FormatTime(before)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE last_at < ? AND key LIKE 'known:%'`, FormatTime(known))
		return err
	})
}

// ClearFailures implements okapi.FailureStore.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return s.db.WriteAside(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE key = ?`, key)
		return err
	})
}
