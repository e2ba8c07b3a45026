package model

import (
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
)

// computeSQL returns a Compute that runs query, whose "%s" is replaced by
// the id placeholders; each row gives an id and its value.
func computeSQL(query string) func(e *Env, ids []int64) (map[int64]any, error) {
	return func(e *Env, ids []int64) (map[int64]any, error) {
		out := make(map[int64]any, len(ids))
		if len(ids) == 0 {
			return out, nil
		}
		args := idArgs(ids)
		rows, err := e.q.Query(e.ctx, strings.Replace(query, "%s", placeholders(len(ids)), 1), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var v any
			if err := rows.Scan(&id, &v); err != nil {
				return nil, err
			}
			out[id] = sqlValue(v)
		}
		return out, rows.Err()
	}
}

// sqlValue normalises a driver value to the wire's types.
func sqlValue(v any) any {
	switch x := v.(type) {
	case nil:
		return false
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case bool, int64, float64, string:
		return x
	}
	return v
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// computeEmailFormatted gives '"Name" <email>' as Odoo formats it.
func computeEmailFormatted(e *Env, ids []int64) (map[int64]any, error) {
	raw, err := e.partnerCols(ids, "name", "email")
	if err != nil {
		return nil, err
	}
	out := map[int64]any{}
	for id, c := range raw {
		if c[1] == "" {
			out[id] = false
			continue
		}
		out[id] = `"` + strings.ReplaceAll(c[0], `"`, `'`) + `" <` + c[1] + `>`
	}
	return out, nil
}

// computeContactAddress lays the address out as Odoo's default format
// does: street, street2, "city state zip", country, one per line.
func computeContactAddress(e *Env, ids []int64) (map[int64]any, error) {
	raw, err := e.partnerCols(ids, "street", "street2", "city", "zip")
	if err != nil {
		return nil, err
	}
	countries, err := computeSQL("SELECT p.id, c.name FROM res_partner p JOIN res_country c ON c.id = p.country_id WHERE p.id IN (%s)")(e, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]any{}
	for id, c := range raw {
		country, _ := countries[id].(string)
		out[id] = c[0] + "\n" + c[1] + "\n" + c[2] + "  " + c[3] + "\n" + country
	}
	return out, nil
}

// partnerCols reads text columns of partners (column names come from code).
func (e *Env) partnerCols(ids []int64, cols ...string) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := idArgs(ids)
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "COALESCE(" + c + ", '')"
	}
	rows, err := e.q.Query(e.ctx, "SELECT id, "+strings.Join(sel, ", ")+" FROM res_partner WHERE id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		vals := make([]string, len(cols))
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[id] = vals
	}
	return out, rows.Err()
}

// computeGroupFullName gives "Category / Name", as Odoo shows groups.
func computeGroupFullName(e *Env, ids []int64) (map[int64]any, error) {
	out := map[int64]any{}
	if len(ids) == 0 {
		return out, nil
	}
	args := idArgs(ids)
	rows, err := e.q.Query(e.ctx, "SELECT id, name, COALESCE(category, '') FROM res_groups WHERE id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, cat string
		if err := rows.Scan(&id, &name, &cat); err != nil {
			return nil, err
		}
		if cat != "" {
			name = cat + " / " + name
		}
		out[id] = name
	}
	return out, rows.Err()
}

// hashPassword hashes a password set over RPC; it holds the write
// transaction for the few tens of milliseconds the KDF takes.
func hashPassword(e *Env, password string) (string, error) {
	return secret.HashPassword(e.ctx, password)
}

// createUser creates a user over RPC: the partner first (name and e-mail
// live there), then the user in base.group_user, then the groups the values
// ask for. Unlike users made in the web pages, no default extra group is
// added, as the recorded Odoo 19 behaves.
func createUser(e *Env, vals map[string]any) (int64, error) {
	m := e.reg.models["res.users"]
	login, _ := vals["login"].(string)
	if strings.TrimSpace(login) == "" {
		return 0, okapi.Errorf(okapi.EValidation, "The operation cannot be completed: Missing required value for the field 'Login' (login).\nModel: User (res.users)")
	}
	name, _ := vals["name"].(string)
	if strings.TrimSpace(name) == "" {
		name = login
	}
	email, _ := vals["email"].(string)
	var hash string
	if pw, ok := vals["password"].(string); ok && pw != "" {
		h, err := hashPassword(e, pw)
		if err != nil {
			return 0, err
		}
		hash = h
	}
	// A user created without groups gets the default user template's: up
	// to 18 it includes "Contact Creation" (base/data/res_users_data.xml
	// 18.0, and the recordings: a new 16/17/18 user creates contacts); in
	// 19 it is the internal-user group alone.
	_, groups := vals[e.reg.profile.GroupsField]
	defaults := !groups && e.reg.profile.Version <= 18
	id, err := sqldb.InsertUser(e.ctx, e.tx, okapi.NewUser{Login: login, Name: name, Email: email, PasswordHash: hash, CreatedBy: e.User.ID, Defaults: defaults})
	if err != nil {
		return 0, err
	}
	rest := map[string]any{}
	for k, v := range vals {
		switch k {
		case "login", "name", "email", "password", "id", "partner_id":
		default:
			rest[k] = v
		}
	}
	if len(rest) > 0 {
		se := *e
		se.sudo = true
		if err := se.write(m, []int64{id}, rest); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// revokeKeys deletes keys over RPC (unlink): in this transaction, with the
// audit entry, and drops them from the verification cache once committed.
func revokeKeys(e *Env, ids []int64) error {
	for _, id := range ids {
		k, err := sqldb.DeleteKey(e.ctx, e.tx, id)
		if err != nil {
			return err
		}
		if err := sqldb.AddAudit(e.ctx, e.tx, okapi.AuditEntry{At: e.now, Kind: okapi.AuditKeyRevoked, ActorID: e.User.ID,
			UserID: k.UserID, KeyID: k.ID, KeyName: k.Name, Login: k.Login, Detail: "over RPC"}); err != nil {
			return err
		}
		if e.reg.auth != nil {
			keyID := id
			e.tx.AfterCommit(func() { e.reg.auth.InvalidateKey(keyID) })
		}
	}
	return nil
}
