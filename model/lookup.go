package model

import (
	"regexp"
	"strings"

	"github.com/okapi-erp/okapi"
)

// Methods tools call to create by name and to look up external ids and
// groups, found missing by a differential probe against real Odoo 16.0 and
// 17.0 (each behaviour below is what those answered).

// nameCreate is BaseModel.name_create: a record from its name alone,
// answered as [id, display name]. res.partner reads "Name <email>" as Odoo's
// _parse_partner_name does (addons/base/models/res_partner.py 16.0-17.0).
func (e *Env) nameCreate(m *Model, v any) (any, error) {
	if m.Field("name") == nil {
		return nil, okapi.Errorf(okapi.EUser, "Cannot execute name_create, no _rec_name defined on %s", m.Name)
	}
	if err := e.checkAccess(m, opCreate); err != nil {
		return nil, err
	}
	vals := map[string]any{"name": v}
	if s, ok := v.(string); ok && m.Name == "res.partner" {
		if name, email := partnerNameEmail(s); email != "" {
			vals["name"], vals["email"] = name, email
			if name == "" {
				vals["name"] = email
			}
		}
	}
	id, err := e.create(m, vals)
	if err != nil {
		return nil, err
	}
	pairs, err := e.namePairs(m, []int64{id})
	if err != nil || len(pairs) == 0 {
		return nil, err
	}
	return pairs[0], nil
}

var nameEmail = regexp.MustCompile(`^\s*"?([^"<>]*?)"?\s*<\s*([^<>\s@]+@[^<>\s@]+)\s*>\s*$`)
var bareEmail = regexp.MustCompile(`^\s*([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)\s*$`)

// partnerNameEmail splits "Raoul <raoul@example.com>" or '"Raoul" <…>' or a
// bare address; anything else is a name, with no e-mail.
func partnerNameEmail(s string) (name, email string) {
	if mm := nameEmail.FindStringSubmatch(s); mm != nil {
		return strings.TrimSpace(mm[1]), strings.ToLower(mm[2])
	}
	if mm := bareEmail.FindStringSubmatch(s); mm != nil {
		return "", strings.ToLower(mm[1])
	}
	return s, ""
}

// xmlidLookup finds module.name in ir.model.data, whoever asks (Odoo looks
// it up as superuser): the model and the record id, or ok false.
func (e *Env) xmlidLookup(module, name string) (model string, resID int64, ok bool, err error) {
	rows, err := e.q.Query(e.ctx, "SELECT model, res_id FROM ir_model_data WHERE module = ? AND name = ?", module, name)
	if err != nil {
		return "", 0, false, err
	}
	defer rows.Close()
	if rows.Next() {
		err = rows.Scan(&model, &resID)
		return model, resID, err == nil, err
	}
	return "", 0, false, rows.Err()
}

// checkObjectReference is ir.model.data.check_object_reference(module,
// xml_id, raise_on_access_error): [model, res_id] when the caller may see
// the record (a search for its id, with the caller's rights), [model,
// false] when not — or an AccessError if asked; a missing id is Odoo's
// ValueError (models/ir_model.py 15.0-17.0).
func (e *Env) checkObjectReference(module, name string, raise bool) (any, error) {
	model, id, ok, err := e.xmlidLookup(module, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, okapi.Errorf(okapi.EValueError, "External ID not found in the system: %s.%s", module, name)
	}
	target := e.reg.models[model]
	if target == nil {
		return []any{model, id}, nil
	}
	if err := e.checkAccess(target, opRead); err != nil {
		return nil, err
	}
	ids, err := e.searchIDs(target, []any{[]any{"id", "=", id}}, 0, -1, "")
	if err != nil {
		return nil, err
	}
	if len(ids) == 1 {
		return []any{model, id}, nil
	}
	if raise {
		return nil, okapi.Errorf(okapi.EAccess, "Not enough access rights on the external ID '%s.%s'", module, name)
	}
	return []any{model, false}, nil
}

// hasGroup is res.users.has_group(group_ext_id) of 14-17, an @api.model
// method about the calling user: true when the user is in the group.
func (e *Env) hasGroup(ext string) (any, error) {
	module, name, ok := strings.Cut(ext, ".")
	if !ok {
		return nil, okapi.Errorf(okapi.EAssertion, "External ID '%s' must be fully qualified", ext)
	}
	model, id, found, err := e.xmlidLookup(module, name)
	if err != nil {
		return nil, err
	}
	return found && model == "res.groups" && e.User.InGroup(id), nil
}
