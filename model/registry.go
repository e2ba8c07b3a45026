// Package model is Okapi's object layer: the models external tools use
// (res.partner, res.users, crm.lead, …), their fields as Odoo names and types
// them, Odoo's domain language compiled to parameterised SQL on both
// databases, the generic methods (search, read, create, write, …) and the
// access rights and record rules that guard them.
//
// Nothing from a request is ever written into SQL text: field names are
// looked up in the model's definition and only the definition's column names
// reach the query; every value travels as a placeholder argument.
package model

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/sqldb"
)

// Model is one model: a table, its fields, its rights and its methods.
type Model struct {
	Name        string
	Description string
	Table       string
	// Order is the default order, in field names ("complete_name, id desc").
	Order string
	// Inherits names the many2one whose target holds the Delegated fields
	// (res.users → partner_id), and the target's table.
	Inherits      string
	InheritsTable string
	// Parent is the many2one used by child_of / parent_of.
	Parent string
	// Access maps a group to its rights on the model.
	Access map[int64]Perm
	// Rules are record rules: domains limiting which records a user's
	// operations may touch.
	Rules []Rule
	// Methods are the model's own methods beyond the generic ones.
	Methods map[string]*Method
	// Hooks customise create/write/unlink.
	BeforeCreate func(e *Env, vals map[string]any) error
	AfterCreate  func(e *Env, id int64, vals map[string]any) error
	BeforeWrite  func(e *Env, ids []int64, vals map[string]any) error
	AfterWrite   func(e *Env, ids []int64, vals map[string]any) error
	BeforeUnlink func(e *Env, ids []int64) error
	// Unlink replaces the generic deletion (res.users.apikeys revokes).
	Unlink func(e *Env, ids []int64) error
	// Create replaces the generic insertion (res.users creates a partner).
	Create func(e *Env, vals map[string]any) (int64, error)

	Fields []*Field
	byName map[string]*Field
	active bool
}

// Field returns the field called name, or nil.
func (m *Model) Field(name string) *Field { return m.byName[name] }

// Perm is a set of rights on a model.
type Perm struct{ Read, Write, Create, Unlink bool }

// Registry holds the models of one version profile.
type Registry struct {
	profile *okapi.Profile
	db      *sqldb.DB
	auth    *auth.Service
	models  map[string]*Model
	now     func() time.Time

	genOnce sync.Once
	gen     map[string]*Method
}

// NewRegistry builds the models for a profile.
func NewRegistry(p *okapi.Profile, db *sqldb.DB, a *auth.Service) *Registry {
	r := &Registry{profile: p, db: db, auth: a, models: map[string]*Model{}, now: time.Now}
	for _, m := range definitions(p) {
		r.add(m)
	}
	return r
}

func (r *Registry) add(m *Model) {
	v := r.profile.Version
	kept := m.Fields[:0]
	for _, f := range m.Fields {
		if (f.Since != 0 && v < f.Since) || (f.Until != 0 && v > f.Until) {
			continue
		}
		f.model = m
		kept = append(kept, f)
	}
	m.Fields = kept
	m.byName = make(map[string]*Field, len(kept))
	for _, f := range kept {
		m.byName[f.Name] = f
	}
	m.active = m.byName["active"] != nil && m.byName["active"].stored()
	for name, meth := range m.Methods {
		if (meth.Since != 0 && v < meth.Since) || (meth.Until != 0 && v > meth.Until) {
			delete(m.Methods, name)
		}
	}
	r.models[m.Name] = m
}

// Model returns a model by name, or nil.
func (r *Registry) Model(name string) *Model { return r.models[name] }

// Models lists the model names, sorted.
func (r *Registry) Models() []string {
	var out []string
	for n := range r.models {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Profile returns the registry's profile.
func (r *Registry) Profile() *okapi.Profile { return r.profile }

// SetClock replaces the clock (tests).
func (r *Registry) SetClock(now func() time.Time) { r.now = now }

// querier is what reads need: the reader pool or a transaction.
type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// Env is one call's environment: who calls, with which Odoo context, inside
// which transaction.
type Env struct {
	ctx     context.Context
	reg     *Registry
	User    *okapi.User
	Context map[string]any
	q       querier
	tx      *sqldb.Tx // nil for a read-only call
	sudo    bool      // internal work that rights do not apply to
	now     time.Time
}

// Ctx returns the call's context.Context.
func (e *Env) Ctx() context.Context { return e.ctx }

// exec runs a write statement; it fails cleanly outside a transaction.
func (e *Env) exec(q string, args ...any) (sql.Result, error) {
	if e.tx == nil {
		return nil, fmt.Errorf("model: write outside a transaction")
	}
	return e.tx.Exec(e.ctx, q, args...)
}

// nowText is the call's timestamp as stored.
func (e *Env) nowText() string { return e.now.UTC().Format(sqldb.TimeLayout) }

// activeTest reports whether archived records are hidden (the default;
// context {"active_test": false} shows them).
func (e *Env) activeTest() bool {
	if v, ok := e.Context["active_test"]; ok {
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return true
}
