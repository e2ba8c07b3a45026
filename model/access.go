package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/okapi-erp/okapi"
)

// Operations checked by access rights.
const (
	opRead   = "read"
	opWrite  = "write"
	opCreate = "create"
	opUnlink = "unlink"
)

func (p Perm) allows(op string) bool {
	switch op {
	case opRead:
		return p.Read
	case opWrite:
		return p.Write
	case opCreate:
		return p.Create
	case opUnlink:
		return p.Unlink
	}
	return false
}

// Rule is a record rule: for users in Groups (everyone when empty), the
// operations in Perm may only touch records matching Domain.
type Rule struct {
	Name   string
	Groups []int64
	Perm   Perm
	Domain func(u *okapi.User) []any
}

var (
	rAll  = Perm{Read: true, Write: true, Create: true, Unlink: true}
	rRead = Perm{Read: true}
)

// checkAccess enforces model rights: some group of the user must allow op.
// The message lists the groups that would, as Odoo's does.
func (e *Env) checkAccess(m *Model, op string) error {
	if e.sudo {
		return nil
	}
	if e.User.ReadOnly && op != opRead {
		return readOnlyError(m)
	}
	for _, g := range e.User.Groups {
		if p, ok := m.Access[g]; ok && p.allows(op) {
			return nil
		}
	}
	verb := map[string]string{opRead: "access", opWrite: "modify", opCreate: "create", opUnlink: "delete"}[op]
	var groups []string
	for g, p := range m.Access {
		if p.allows(op) {
			groups = append(groups, e.reg.groupName(g))
		}
	}
	sort.Strings(groups)
	msg := fmt.Sprintf("You are not allowed to %s '%s' (%s) records.\n\n", verb, m.Description, m.Name)
	if len(groups) == 0 {
		msg += "No group currently allows this operation."
	} else {
		msg += "This operation is allowed for the following groups:\n\t- " + strings.Join(groups, "\n\t- ")
	}
	msg += "\n\nContact your administrator to request access if necessary."
	return &okapi.Error{Code: okapi.EAccess, Message: msg}
}

// readOnlyError refuses a change through a read-only key (okapi.ScopeRPCRead).
func readOnlyError(m *Model) error {
	return &okapi.Error{Code: okapi.EAccess, Message: fmt.Sprintf("This API key is read-only: it may read '%s' (%s) records, not change them.\n\n"+
		"Use a key without the read-only scope to make changes.", m.Description, m.Name)}
}

// canAccess reports whether op is allowed, without an error.
func (e *Env) canAccess(m *Model, op string) bool { return e.checkAccess(m, op) == nil }

// ruleTerm returns the record-rule condition for op on m: global rules
// (no groups) all apply; of the group rules, one of those whose groups the
// user is in must hold.
func (e *Env) ruleTerm(c *compiler, m *Model, op string) (domainTerm, error) {
	if e.sudo || len(m.Rules) == 0 {
		return termTrue, nil
	}
	var global, group []domainTerm
	for _, r := range m.Rules {
		if !r.Perm.allows(op) {
			continue
		}
		applies := len(r.Groups) == 0
		for _, g := range r.Groups {
			if e.User.InGroup(g) {
				applies = true
				break
			}
		}
		if !applies {
			continue
		}
		t, err := c.compile(r.Domain(e.User))
		if err != nil {
			return domainTerm{}, err
		}
		if len(r.Groups) == 0 {
			global = append(global, t)
		} else {
			group = append(group, t)
		}
	}
	if len(group) > 0 {
		global = append(global, or(group...))
	}
	return and(global...), nil
}

// ruleError is Odoo's answer when records exist but a rule hides them.
func (e *Env) ruleError(m *Model, op string, ids []int64) error {
	var refs []string
	for i, id := range ids {
		if i == 5 {
			refs = append(refs, "...")
			break
		}
		refs = append(refs, fmt.Sprintf("- %s (%s: %d)", m.Description, m.Name, id))
	}
	if e.reg.profile.Version >= 17 {
		return okapi.Errorf(okapi.EAccess, "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, %s (id=%d) doesn't have '%s' access to:\n%s\n\nIf you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.",
			e.User.Name, e.User.ID, op, strings.Join(refs, "\n"))
	}
	return okapi.Errorf(okapi.EAccess, "The requested operation cannot be completed due to security restrictions. Please contact your system administrator.\n\n(Document type: %s, Operation: %s)\n\n- Records: %v, User: %d",
		m.Description, op, ids, e.User.ID)
}

// groupName is a group's name as the profile's error messages show it:
// "Category/Name" up to 18, the 19 names after that.
func (r *Registry) groupName(id int64) string {
	v19 := r.profile.Version >= 19
	switch id {
	case okapi.GroupUser:
		if v19 {
			return "Role / User"
		}
		return "User types/Internal User"
	case okapi.GroupPortal:
		if v19 {
			return "Portal"
		}
		return "User types/Portal"
	case okapi.GroupPublic:
		if v19 {
			return "Public"
		}
		return "User types/Public"
	case okapi.GroupSystem:
		if v19 {
			return "Role / Administrator"
		}
		return "Administration/Settings"
	case okapi.GroupERPManager:
		if v19 {
			return "Access Rights"
		}
		return "Administration/Access Rights"
	case okapi.GroupPartnerManager:
		if v19 {
			return "Contact/Creation"
		}
		return "Extra Rights/Contact Creation"
	case okapi.GroupNoOne:
		return "Technical/Technical Features"
	}
	return fmt.Sprintf("Group %d", id)
}
