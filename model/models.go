package model

import (
	"strings"

	"github.com/okapi-erp/okapi"
)

// Field constructors keep the definitions below short.

func fID() *Field {
	return &Field{Name: "id", Type: Integer, String: "ID", Column: "id", Readonly: true}
}

func fChar(name, label string) *Field {
	return &Field{Name: name, Type: Char, String: label, Column: name}
}

func fText(name, label, typ string) *Field {
	return &Field{Name: name, Type: typ, String: label, Column: name}
}

func fBool(name, label string) *Field {
	return &Field{Name: name, Type: Boolean, String: label, Column: name}
}

func fM2O(name, label, rel string) *Field {
	return &Field{Name: name, Type: Many2one, String: label, Column: name, Relation: rel}
}

func fO2M(name, label, rel, inverse string) *Field {
	return &Field{Name: name, Type: One2many, String: label, Relation: rel, Inverse: inverse}
}

func fM2M(name, label, rel, table, col, other string) *Field {
	return &Field{Name: name, Type: Many2many, String: label, Relation: rel, RelTable: table, RelCol: col, RelOther: other}
}

func fSel(name, label string, choices ...[2]string) *Field {
	return &Field{Name: name, Type: Selection, String: label, Column: name, Choices: choices}
}

// fDisplay is display_name stored in column col.
func fDisplay(col string) *Field {
	return &Field{Name: "display_name", Type: Char, String: "Display Name", Column: col, Readonly: true}
}

// auditFields are the four fields Odoo keeps on most models.
func auditFields() []*Field {
	return []*Field{
		{Name: "create_uid", Type: Many2one, String: "Created by", Column: "create_uid", Relation: "res.users", Readonly: true},
		{Name: "create_date", Type: Datetime, String: "Created on", Column: "create_date", Readonly: true},
		{Name: "write_uid", Type: Many2one, String: "Last Updated by", Column: "write_uid", Relation: "res.users", Readonly: true},
		{Name: "write_date", Type: Datetime, String: "Last Updated on", Column: "write_date", Readonly: true},
		// Up to 16 every model also has __last_update, the last change
		// (odoo/models.py 16.0; gone in 17).
		{Name: "__last_update", Type: Datetime, String: "Last Modified on", Column: "write_date", Readonly: true, Until: 16},
	}
}

func activeField() *Field {
	return &Field{Name: "active", Type: Boolean, String: "Active", Column: "active", Default: func(*Env) any { return true }}
}

func fields(fs ...any) []*Field {
	var out []*Field
	for _, f := range fs {
		switch x := f.(type) {
		case *Field:
			out = append(out, x)
		case []*Field:
			out = append(out, x...)
		}
	}
	return out
}

func access(pairs ...any) map[int64]Perm {
	m := map[int64]Perm{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i].(int64)] = pairs[i+1].(Perm)
	}
	return m
}

var langs = [][2]string{{"en_US", "English (US)"}}

// definitions returns the models of a profile.
func definitions(p *okapi.Profile) []*Model {
	return []*Model{
		partnerModel(p),
		usersModel(p),
		groupsModel(p),
		companyModel(),
		countryModel(),
		categoryModel(),
		modelDataModel(p),
		apikeysModel(p),
		stageModel(),
		leadModel(p),
		messageModel(),
	}
}

// partnerOrder is res.partner's _order: by display_name up to 16, by
// complete_name from 17 (the same column here).
func partnerOrder(p *okapi.Profile) string {
	if p.Version <= 16 {
		return "display_name, id desc"
	}
	return "complete_name, id desc"
}

func partnerModel(p *okapi.Profile) *Model {
	m := &Model{
		Name: "res.partner", Description: "Contact", Table: "res_partner",
		Order: partnerOrder(p), Parent: "parent_id",
		Access: access(okapi.GroupUser, rRead, okapi.GroupPortal, rRead, okapi.GroupPublic, rRead,
			okapi.GroupPartnerManager, rAll),
		Rules: []Rule{{
			Name: "res.partner: portal and public users see their own contact", Groups: []int64{okapi.GroupPortal, okapi.GroupPublic},
			Perm:   Perm{Read: true, Write: true, Create: true, Unlink: true},
			Domain: func(u *okapi.User) []any { return []any{[]any{"id", "child_of", u.PartnerID}} },
		}},
		Fields: fields(
			fID(),
			fDisplay("complete_name"),
			fChar("name", "Name"),
			// 16 stores display_name itself and has translated_display_name;
			// 17 stores complete_name (base/models/res_partner.py 16.0,
			// 17.0; the recorded fields_get of both).
			&Field{Name: "complete_name", Type: Char, String: "Complete Name", Column: "complete_name", Readonly: true, Since: 17},
			&Field{Name: "translated_display_name", Type: Char, String: "Translated Display Name", Column: "complete_name", Readonly: true, Until: 16},
			fM2O("parent_id", "Related Company", "res.partner"),
			&Field{Name: "parent_name", Type: Char, String: "Parent name", Readonly: true,
				Compute: computeSQL("SELECT c.id, p.name FROM res_partner c JOIN res_partner p ON p.id = c.parent_id WHERE c.id IN (%s)")},
			fO2M("child_ids", "Contact", "res.partner", "parent_id"),
			fChar("ref", "Reference"),
			&Field{Name: "lang", Type: Selection, String: "Language", Column: "lang", Choices: langs,
				Default: func(*Env) any { return "en_US" }},
			fSel("tz", "Timezone"),
			fM2O("user_id", "Salesperson", "res.users"),
			fChar("vat", "Tax ID"),
			fChar("website", "Website Link"),
			fText("comment", "Notes", HTML),
			fM2M("category_id", "Tags", "res.partner.category", "res_partner_res_partner_category_rel", "partner_id", "category_id"),
			activeField(),
			fChar("function", "Job Position"),
			&Field{Name: "type", Type: Selection, String: "Address Type", Column: "type",
				Choices: [][2]string{{"contact", "Contact"}, {"invoice", "Invoice Address"}, {"delivery", "Delivery Address"}, {"other", "Other Address"}},
				Default: func(*Env) any { return "contact" }},
			fChar("street", "Street"),
			fChar("street2", "Street2"),
			fChar("zip", "Zip"),
			fChar("city", "City"),
			fM2O("country_id", "Country", "res.country"),
			&Field{Name: "country_code", Type: Char, String: "Country Code", Readonly: true,
				Compute: computeSQL("SELECT p.id, c.code FROM res_partner p JOIN res_country c ON c.id = p.country_id WHERE p.id IN (%s)")},
			fChar("email", "Email"),
			&Field{Name: "email_formatted", Type: Char, String: "Formatted Email", Readonly: true, Compute: computeEmailFormatted},
			fChar("phone", "Phone"),
			&Field{Name: "mobile", Type: Char, String: "Mobile", Column: "mobile", Until: 18},
			fBool("is_company", "Is a Company"),
			&Field{Name: "company_type", Type: Selection, String: "Company Type",
				Choices: [][2]string{{"person", "Individual"}, {"company", "Company"}},
				Compute: computeSQL("SELECT id, CASE WHEN is_company THEN 'company' ELSE 'person' END FROM res_partner WHERE id IN (%s)"),
				Search: func(c *compiler, op string, v any) (domainTerm, error) {
					f := c.model.Field("is_company")
					val := v == "company"
					if op == "!=" {
						val = !val
					} else if op != "=" {
						return domainTerm{}, okapi.Errorf(okapi.EValueError, "Operator %s is not supported on company_type.", pyRepr(op))
					}
					return c.scalar(c.column(f), f, "=", val, nil)
				}},
			fM2O("company_id", "Company", "res.company"),
			&Field{Name: "color", Type: Integer, String: "Color Index", Column: "color"},
			fO2M("user_ids", "Users", "res.users", "partner_id"),
			&Field{Name: "partner_share", Type: Boolean, String: "Share Partner", Readonly: true,
				Compute: computeSQL("SELECT p.id, NOT EXISTS (SELECT 1 FROM res_users u JOIN res_groups_users_rel r ON r.uid = u.id WHERE u.partner_id = p.id AND u.active = TRUE AND r.gid = 1) FROM res_partner p WHERE p.id IN (%s)")},
			&Field{Name: "contact_address", Type: Char, String: "Complete Address", Readonly: true, Compute: computeContactAddress},
			&Field{Name: "commercial_partner_id", Type: Many2one, String: "Commercial Entity", Relation: "res.partner", Readonly: true,
				Compute: computeSQL("SELECT c.id, CASE WHEN p.id IS NOT NULL AND p.is_company THEN p.id ELSE c.id END FROM res_partner c LEFT JOIN res_partner p ON p.id = c.parent_id WHERE c.id IN (%s)")},
			fChar("company_name", "Company Name"),
			&Field{Name: "image_1920", Type: Binary, String: "Image", Column: "image_1920"},
			auditFields(),
		),
		BeforeCreate: partnerBefore,
		AfterCreate: func(e *Env, id int64, _ map[string]any) error {
			return e.refreshCompleteName([]int64{id})
		},
		BeforeWrite: func(e *Env, ids []int64, vals map[string]any) error {
			if ct, ok := vals["company_type"]; ok {
				vals["is_company"] = ct == "company"
			}
			if n, ok := vals["name"]; ok && (n == false || n == nil || n == "") {
				return okapi.Errorf(okapi.EValidation, "The operation cannot be completed: Contacts require a name")
			}
			return nil
		},
		AfterWrite: func(e *Env, ids []int64, vals map[string]any) error {
			_, n := vals["name"]
			_, pa := vals["parent_id"]
			_, ic := vals["is_company"]
			if n || pa || ic {
				return e.refreshCompleteName(ids)
			}
			return nil
		},
		Methods: map[string]*Method{"message_post": messagePost("res.partner")},
	}
	return m
}

// partnerBefore applies Odoo's rule that a contact needs a name.
func partnerBefore(e *Env, vals map[string]any) error {
	if ct, ok := vals["company_type"]; ok {
		vals["is_company"] = ct == "company"
	}
	name, _ := vals["name"].(string)
	typ, _ := vals["type"].(string)
	if strings.TrimSpace(name) == "" && (typ == "" || typ == "contact") {
		return okapi.Errorf(okapi.EValidation, "The operation cannot be completed: Contacts require a name")
	}
	return nil
}

// refreshCompleteName keeps complete_name ("Company, Person") up to date for
// records and their contacts.
func (e *Env) refreshCompleteName(ids []int64) error {
	for len(ids) > 0 {
		args := idArgs(ids)
		ph := placeholders(len(ids))
		if _, err := e.exec(`UPDATE res_partner SET complete_name = CASE
				WHEN parent_id IS NOT NULL AND is_company = FALSE AND name IS NOT NULL
				THEN (SELECT p.name FROM res_partner p WHERE p.id = res_partner.parent_id) || ', ' || name
				ELSE name END
			WHERE id IN (`+ph+`)`, args...); err != nil {
			return err
		}
		next, err := e.queryIDs("SELECT id FROM res_partner WHERE parent_id IN ("+ph+")", args...)
		if err != nil {
			return err
		}
		if len(next) > 1000 {
			next = next[:1000]
		}
		ids = next
	}
	return nil
}

func usersModel(p *okapi.Profile) *Model {
	groupsField := fM2M(p.GroupsField, "Groups", "res.groups", "res_groups_users_rel", "uid", "gid")
	m := &Model{
		Name: "res.users", Description: "User", Table: "res_users",
		Order: "name, login", Inherits: "partner_id", InheritsTable: "res_partner",
		Access: access(okapi.GroupUser, rRead, okapi.GroupPortal, rRead, okapi.GroupPublic, rRead,
			okapi.GroupERPManager, rAll),
		Rules: []Rule{{
			Name: "res.users: portal and public users see themselves", Groups: []int64{okapi.GroupPortal, okapi.GroupPublic},
			Perm:   Perm{Read: true, Write: true, Create: true, Unlink: true},
			Domain: func(u *okapi.User) []any { return []any{[]any{"id", "=", u.ID}} },
		}},
		Fields: fields(
			fID(),
			&Field{Name: "display_name", Type: Char, String: "Display Name", Column: "name", Delegated: true, Readonly: true},
			&Field{Name: "name", Type: Char, String: "Name", Column: "name", Delegated: true, Required: true},
			&Field{Name: "login", Type: Char, String: "Login", Column: "login", Required: true, Help: "Used to log into the system"},
			&Field{Name: "password", Type: Char, String: "Password", Column: "password", Hidden: true},
			&Field{Name: "email", Type: Char, String: "Email", Column: "email", Delegated: true},
			&Field{Name: "partner_id", Type: Many2one, String: "Related Partner", Column: "partner_id", Relation: "res.partner", Required: true},
			fM2O("company_id", "Company", "res.company"),
			activeField(),
			&Field{Name: "share", Type: Boolean, String: "Share User", Readonly: true,
				Help:    "External user with limited access, created only for the purpose of sharing data.",
				Compute: computeSQL("SELECT u.id, NOT EXISTS (SELECT 1 FROM res_groups_users_rel r WHERE r.uid = u.id AND r.gid = 1) FROM res_users u WHERE u.id IN (%s)"),
				Search:  searchShare},
			groupsField,
			&Field{Name: "lang", Type: Selection, String: "Language", Column: "lang", Delegated: true, Choices: langs},
			&Field{Name: "tz", Type: Selection, String: "Timezone", Column: "tz", Delegated: true},
			fO2M("api_key_ids", "API Keys", "res.users.apikeys", "user_id"),
			auditFields(),
		),
		Create:       createUser,
		BeforeWrite:  userBeforeWrite,
		AfterWrite:   func(e *Env, ids []int64, _ map[string]any) error { e.afterUserChange(ids); return nil },
		BeforeUnlink: userBeforeUnlink,
		Methods: map[string]*Method{
			"write": {Name: "write", Write: true, Qual: "BaseModel.write", Params: []Param{{Name: "vals", Required: true}},
				Fn: userWrite},
			// An @api.model method about the caller up to 17 (18 made it a
			// record method).
			"has_group": {Name: "has_group", Model: true, Until: 17, Qual: "ResUsers.has_group",
				Params: []Param{{Name: "group_ext_id", Required: true}},
				Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
					ext, err := stringArg(a, "group_ext_id")
					if err != nil {
						return nil, err
					}
					return e.hasGroup(ext)
				}},
			"context_get": {Name: "context_get", Model: true, Qual: "ResUsers.context_get",
				Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
					return okapi.Struct{{Name: "lang", Value: "en_US"}, {Name: "tz", Value: false}, {Name: "uid", Value: e.User.ID}}, nil
				}},
		},
	}
	return m
}

// searchShare searches res.users.share, which is "not an internal user".
func searchShare(c *compiler, op string, v any) (domainTerm, error) {
	b, ok := v.(bool)
	if !ok || (op != "=" && op != "!=") {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf ('share', %s, %s)", pyRepr(op), pyRepr(v))
	}
	internal := domainTerm{c.alias + ".id IN (SELECT uid FROM res_groups_users_rel WHERE gid = ?)", []any{okapi.GroupUser}}
	if (op == "=") == b {
		return not(internal), nil
	}
	return internal, nil
}

// selfWritable are the fields users may change on their own record, as
// Odoo's SELF_WRITEABLE_FIELDS (17.0 base/models/res_users.py) that Okapi
// has. The password is not one: a user changes it by giving the old one
// (the preferences page, Odoo's change_password), so that whoever holds
// only a key or a session cannot take the account over; writing it is for
// "Access Rights".
var selfWritable = map[string]bool{"name": true, "email": true, "lang": true, "tz": true}

// userWrite lets users change their own preferences (as Odoo's
// SELF_WRITEABLE_FIELDS do) and everything else needs "Access Rights".
func userWrite(e *Env, m *Model, ids []int64, a Args) (any, error) {
	vals, ok := a.Get("vals").(map[string]any)
	if !ok {
		return nil, okapi.Errorf(okapi.EValueError, "write() takes a dict of values; got %s", pyRepr(a.Get("vals")))
	}
	self := len(ids) == 1 && ids[0] == e.User.ID
	for k := range vals {
		if !selfWritable[k] {
			self = false
		}
	}
	if self {
		se := *e
		se.sudo = true
		return true, se.write(m, ids, vals)
	}
	if err := e.checkAccess(m, opWrite); err != nil {
		return nil, err
	}
	return true, e.write(m, ids, vals)
}

func userBeforeWrite(e *Env, ids []int64, vals map[string]any) error {
	if pw, ok := vals["password"]; ok {
		s, _ := pw.(string)
		if s == "" {
			return okapi.Errorf(okapi.EUser, "Setting empty passwords is not allowed for security reasons!")
		}
		h, err := hashPassword(e, s)
		if err != nil {
			return err
		}
		vals["password"] = h
	}
	if a, ok := vals["active"]; ok && a == false {
		for _, id := range ids {
			if id == e.User.ID || id == okapi.SuperuserID {
				return okapi.Errorf(okapi.EUser, "You cannot deactivate the user you're currently logged in as.")
			}
		}
	}
	if l, ok := vals["login"]; ok {
		if s, _ := l.(string); strings.TrimSpace(s) == "" {
			return okapi.Errorf(okapi.EValidation, "The operation cannot be completed: a user needs a login.")
		}
	}
	return nil
}

func userBeforeUnlink(e *Env, ids []int64) error {
	for _, id := range ids {
		if id == okapi.SuperuserID || id == okapi.AdminID {
			return okapi.Errorf(okapi.EUser, "You can not remove the admin user as it is used internally for resources created by Odoo (updates, module installation, ...)")
		}
		if id == e.User.ID {
			return okapi.Errorf(okapi.EUser, "You can not remove the user you are currently logged in as.")
		}
	}
	e.afterUserChange(ids)
	return nil
}

// afterUserChange drops what the auth cache knows of these users once the
// change has committed: an archived user's keys die at once.
func (e *Env) afterUserChange(ids []int64) {
	if e.tx == nil || e.reg.auth == nil {
		return
	}
	ids = append([]int64(nil), ids...)
	e.tx.AfterCommit(func() {
		for _, id := range ids {
			e.reg.auth.InvalidateUser(id)
		}
	})
}

// afterGroupsChange drops every cached user once the change has committed:
// which groups imply which decides the effective groups of any member.
func (e *Env) afterGroupsChange() {
	if e.tx == nil || e.reg.auth == nil {
		return
	}
	e.tx.AfterCommit(e.reg.auth.InvalidateUsers)
}

func groupsModel(p *okapi.Profile) *Model {
	users := "users"
	if p.Version >= 19 {
		users = "user_ids"
	}
	return &Model{
		Name: "res.groups", Description: "Access Groups", Table: "res_groups", Order: "name",
		Access: access(okapi.GroupUser, rRead, okapi.GroupERPManager, rAll, okapi.GroupSystem, rAll),
		// Members and implied groups decide every user's rights: the
		// cached users are dropped here at once, elsewhere by the feed.
		AfterCreate:  func(e *Env, _ int64, _ map[string]any) error { e.afterGroupsChange(); return nil },
		AfterWrite:   func(e *Env, _ []int64, _ map[string]any) error { e.afterGroupsChange(); return nil },
		BeforeUnlink: func(e *Env, _ []int64) error { e.afterGroupsChange(); return nil },
		Fields: fields(
			fID(),
			&Field{Name: "display_name", Type: Char, String: "Display Name", Readonly: true, Compute: computeGroupFullName},
			&Field{Name: "name", Type: Char, String: "Name", Column: "name", Required: true},
			&Field{Name: "full_name", Type: Char, String: "Group Name", Readonly: true, Compute: computeGroupFullName},
			fBool("share", "Share Group"),
			fText("comment", "Comment", Text),
			&Field{Name: "api_key_duration", Type: Float, String: "API Keys maximum duration days", Column: "api_key_duration", Since: 18,
				Help: "Determines the maximum duration of an api key created by a user belonging to this group."},
			fM2M(users, "Users", "res.users", "res_groups_users_rel", "gid", "uid"),
			fM2M("implied_ids", "Inherits", "res.groups", "res_groups_implied_rel", "gid", "hid"),
			auditFields()[1], auditFields()[3],
		),
		BeforeWrite: func(e *Env, ids []int64, vals map[string]any) error {
			if d, ok := vals["api_key_duration"]; ok {
				if n, ok := toFloat(d); ok && n < 0 {
					return okapi.Errorf(okapi.EValidation, "The api key duration cannot be a negative value.")
				}
			}
			return nil
		},
	}
}

func companyModel() *Model {
	return &Model{
		Name: "res.company", Description: "Companies", Table: "res_company", Order: "name",
		Access: access(okapi.GroupUser, rRead, okapi.GroupPortal, rRead, okapi.GroupPublic, rRead, okapi.GroupSystem, rAll),
		Fields: fields(fID(), fDisplay("name"), &Field{Name: "name", Type: Char, String: "Company Name", Column: "name", Required: true},
			fM2O("partner_id", "Partner", "res.partner"), fChar("email", "Email"), fChar("phone", "Phone"),
			auditFields()[1], auditFields()[3]),
	}
}

func countryModel() *Model {
	return &Model{
		Name: "res.country", Description: "Country", Table: "res_country", Order: "name",
		Access: access(okapi.GroupUser, rRead, okapi.GroupPortal, rRead, okapi.GroupPublic, rRead, okapi.GroupSystem, rAll),
		Fields: fields(fID(), fDisplay("name"),
			&Field{Name: "name", Type: Char, String: "Country Name", Column: "name", Required: true},
			&Field{Name: "code", Type: Char, String: "Country Code", Column: "code", Required: true,
				Help: "The ISO country code in two chars. \nYou can use this field for quick search."}),
	}
}

func categoryModel() *Model {
	return &Model{
		Name: "res.partner.category", Description: "Partner Tags", Table: "res_partner_category", Order: "name", Parent: "parent_id",
		Access: access(okapi.GroupUser, rRead, okapi.GroupPartnerManager, rAll, okapi.GroupSystem, rAll),
		Fields: fields(fID(), fDisplay("name"),
			&Field{Name: "name", Type: Char, String: "Name", Column: "name", Required: true},
			&Field{Name: "color", Type: Integer, String: "Color", Column: "color"},
			fM2O("parent_id", "Parent Category", "res.partner.category"),
			activeField(),
			fM2M("partner_ids", "Partners", "res.partner", "res_partner_res_partner_category_rel", "category_id", "partner_id"),
			auditFields()),
	}
}

// modelDataModel is ir.model.data. Who may read it, from each version's
// base/security/ir.model.access.csv: in 14 every internal user (read and
// create); from 15 only "Access Rights" (access_ir_model_data_user grants
// nothing) — real Odoo 16.0 and 17.0 answered alice's search_read with
// that AccessError.
func modelDataModel(p *okapi.Profile) *Model {
	acl := access(okapi.GroupERPManager, rAll)
	if p.Version <= 14 {
		acl = access(okapi.GroupUser, Perm{Read: true, Create: true}, okapi.GroupERPManager, rAll)
	}
	return &Model{
		Name: "ir.model.data", Description: "Model Data", Table: "ir_model_data", Order: "module, model, name",
		Access: acl,
		Methods: map[string]*Method{
			// Answered to anyone (Odoo looks the id up as superuser), as
			// odoorpc's env.ref asks it from 15 on.
			"check_object_reference": {Name: "check_object_reference", Model: true, Qual: "IrModelData.check_object_reference",
				Params: []Param{{Name: "module", Required: true}, {Name: "xml_id", Required: true}, {Name: "raise_on_access_error", Default: false}},
				Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
					module, err := stringArg(a, "module")
					if err != nil {
						return nil, err
					}
					name, err := stringArg(a, "xml_id")
					if err != nil {
						return nil, err
					}
					return e.checkObjectReference(module, name, a.Get("raise_on_access_error") == true)
				}},
		},
		Fields: fields(fID(),
			&Field{Name: "display_name", Type: Char, String: "Display Name", Readonly: true, Compute: computeSQL("SELECT id, module || '.' || name FROM ir_model_data WHERE id IN (%s)")},
			&Field{Name: "name", Type: Char, String: "External Identifier", Column: "name", Required: true},
			&Field{Name: "complete_name", Type: Char, String: "Complete ID", Readonly: true, Compute: computeSQL("SELECT id, module || '.' || name FROM ir_model_data WHERE id IN (%s)")},
			&Field{Name: "model", Type: Char, String: "Model Name", Column: "model", Required: true},
			&Field{Name: "module", Type: Char, String: "Module", Column: "module", Required: true},
			&Field{Name: "res_id", Type: Integer, String: "Record ID", Column: "res_id", Help: "ID of the target record in the database"}),
	}
}

func apikeysModel(p *okapi.Profile) *Model {
	desc := "Users API Keys"
	if p.Version <= 15 {
		desc = "res.users.apikeys"
	}
	own := func(u *okapi.User) []any { return []any{[]any{"user_id", "=", u.ID}} }
	return &Model{
		Name: "res.users.apikeys", Description: desc, Table: "res_users_apikeys", Order: "id",
		// Reading one's keys is Odoo's right; deleting them over RPC is
		// Okapi's: it revokes, through the same rules as the web pages.
		Access: access(okapi.GroupUser, Perm{Read: true, Unlink: true}, okapi.GroupPortal, Perm{Read: true, Unlink: true}),
		Rules: []Rule{
			{Name: "Users can read and delete their own keys", Groups: []int64{okapi.GroupUser, okapi.GroupPortal}, Perm: rAll, Domain: own},
			{Name: "Administrators can view user keys to revoke them", Groups: []int64{okapi.GroupSystem}, Perm: rAll,
				Domain: func(*okapi.User) []any { return []any{[]any{int64(1), "=", int64(1)}} }},
		},
		Fields: fields(fID(), fDisplay("name"),
			&Field{Name: "name", Type: Char, String: "Description", Column: "name", Required: true, Readonly: true},
			&Field{Name: "user_id", Type: Many2one, String: "User", Column: "user_id", Relation: "res.users", Required: true, Readonly: true},
			&Field{Name: "scope", Type: Char, String: "Scope", Column: "scope", Readonly: true},
			&Field{Name: "create_date", Type: Datetime, String: "Creation Date", Column: "create_date", Readonly: true},
			&Field{Name: "expiration_date", Type: Datetime, String: "Expiration Date", Column: "expiration_date", Readonly: true, Since: 18}),
		Unlink: revokeKeys,
	}
}

func stageModel() *Model {
	return &Model{
		Name: "crm.stage", Description: "CRM Stages", Table: "crm_stage", Order: "sequence, name, id",
		Access: access(okapi.GroupUser, rRead, okapi.GroupSystem, rAll),
		Fields: fields(fID(), fDisplay("name"),
			&Field{Name: "name", Type: Char, String: "Stage Name", Column: "name", Required: true},
			&Field{Name: "sequence", Type: Integer, String: "Sequence", Column: "sequence"},
			fBool("is_won", "Is Won Stage?"), auditFields()[1], auditFields()[3]),
	}
}

func leadModel(p *okapi.Profile) *Model {
	return &Model{
		Name: "crm.lead", Description: "Lead", Table: "crm_lead", Order: "priority desc, id desc",
		Access: access(okapi.GroupUser, rAll),
		Fields: fields(fID(), fDisplay("name"),
			&Field{Name: "name", Type: Char, String: "Opportunity", Column: "name", Required: true},
			&Field{Name: "type", Type: Selection, String: "Type", Column: "type", Required: true,
				Choices: [][2]string{{"lead", "Lead"}, {"opportunity", "Opportunity"}}, Default: func(*Env) any { return "lead" }},
			fM2O("partner_id", "Customer", "res.partner"),
			fChar("contact_name", "Contact Name"),
			fChar("partner_name", "Company Name"),
			fChar("email_from", "Email"),
			fChar("phone", "Phone"),
			fText("description", "Notes", HTML),
			&Field{Name: "user_id", Type: Many2one, String: "Salesperson", Column: "user_id", Relation: "res.users",
				Default: func(e *Env) any { return e.User.ID }},
			&Field{Name: "stage_id", Type: Many2one, String: "Stage", Column: "stage_id", Relation: "crm.stage",
				Default: func(*Env) any { return int64(1) }},
			&Field{Name: "priority", Type: Selection, String: "Priority", Column: "priority",
				Choices: [][2]string{{"0", "Low"}, {"1", "Medium"}, {"2", "High"}, {"3", "Very High"}}, Default: func(*Env) any { return "0" }},
			&Field{Name: "expected_revenue", Type: Monetary, String: "Expected Revenue", Column: "expected_revenue"},
			&Field{Name: "probability", Type: Float, String: "Probability", Column: "probability"},
			&Field{Name: "date_deadline", Type: Date, String: "Expected Closing", Column: "date_deadline"},
			activeField(),
			&Field{Name: "company_id", Type: Many2one, String: "Company", Column: "company_id", Relation: "res.company",
				Default: func(*Env) any { return okapi.MainCompanyID }},
			auditFields()),
		Methods: map[string]*Method{"message_post": messagePost("crm.lead")},
	}
}

func messageModel() *Model {
	return &Model{
		Name: "mail.message", Description: "Message", Table: "mail_message", Order: "id desc",
		Access: access(okapi.GroupUser, Perm{Read: true, Create: true}, okapi.GroupSystem, rAll),
		Fields: fields(fID(), fDisplay("subject"),
			fChar("subject", "Subject"),
			fText("body", "Contents", HTML),
			fChar("model", "Related Document Model"),
			&Field{Name: "res_id", Type: Integer, String: "Related Document ID", Column: "res_id"},
			&Field{Name: "message_type", Type: Selection, String: "Type", Column: "message_type", Required: true,
				Choices: [][2]string{{"email", "Incoming Email"}, {"comment", "Comment"}, {"email_outgoing", "Outgoing Email"},
					{"notification", "System notification"}, {"auto_comment", "Automated Targeted Notification"}, {"user_notification", "User Specific Notification"}},
				Default: func(*Env) any { return "comment" }},
			fM2O("author_id", "Author", "res.partner"),
			fChar("email_from", "From"),
			&Field{Name: "date", Type: Datetime, String: "Date", Column: "date", Default: func(e *Env) any { return e.nowText() }},
			auditFields()),
	}
}

// messagePost is message_post on a model with a chatter: it logs a message
// on the records (Okapi keeps messages; it sends no e-mail).
func messagePost(model string) *Method {
	return &Method{Name: "message_post", Write: true, Qual: "MailThread.message_post", VarKw: true,
		KwOnly: []Param{{Name: "body", Default: ""}, {Name: "subject"}, {Name: "message_type", Default: "notification"},
			{Name: "subtype_xmlid"}, {Name: "partner_ids"}, {Name: "author_id"}, {Name: "email_from"}},
		Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
			if err := e.checkAccess(m, opRead); err != nil {
				return nil, err
			}
			if err := e.checkRecords(m, ids, opRead); err != nil {
				return nil, err
			}
			if len(ids) != 1 {
				return nil, okapi.Errorf(okapi.EValueError, "Expected singleton: %s", recordsText(m.Name, ids))
			}
			body, _ := a.Get("body").(string)
			subject, _ := a.Get("subject").(string)
			mtype, _ := a.Get("message_type").(string)
			if mtype == "" {
				mtype = "notification"
			}
			mm := e.reg.models["mail.message"]
			author := any(e.User.PartnerID)
			if v, ok := a.Get("author_id").(int64); ok && v > 0 {
				author = v
			}
			vals := map[string]any{"model": m.Name, "res_id": ids[0], "body": body, "message_type": mtype,
				"author_id": author, "email_from": a.Get("email_from"), "date": e.nowText()}
			if subject != "" {
				vals["subject"] = subject
			}
			se := *e
			se.sudo = true
			return se.create(mm, vals)
		}}
}
