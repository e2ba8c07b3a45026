package model

import (
	"context"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/sqldb"
)

// method finds a method of m: its own, or a generic one.
func (r *Registry) method(m *Model, name string) *Method {
	if meth, ok := m.Methods[name]; ok {
		return meth
	}
	return r.generic()[name]
}

func (r *Registry) generic() map[string]*Method {
	r.genOnce.Do(func() { r.gen = genericMethods(r.profile.Version) })
	return r.gen
}

// resolve checks the model and method of a call.
func (r *Registry) resolve(model, method string, json2 bool) (*Model, *Method, error) {
	m := r.models[model]
	if m == nil {
		if json2 {
			return nil, nil, okapi.Errorf(okapi.ENotFound, "the model '%s' does not exist", model)
		}
		return nil, nil, okapi.Errorf(okapi.EUser, "Object %s doesn't exist", model)
	}
	// Up to 17 the texts name the method alone (odoo/service/model.py
	// 17.0); 18 qualifies it with the model.
	old := r.profile.Version <= 17
	private := func() error {
		if old {
			return okapi.Errorf(okapi.EAccess, "Private methods (such as %s) cannot be called remotely.", method)
		}
		return okapi.Errorf(okapi.EAccess, "Private methods (such as '%s.%s') cannot be called remotely.", model, method)
	}
	if strings.HasPrefix(method, "_") {
		return nil, nil, private()
	}
	meth := r.method(m, method)
	if meth != nil && meth.PrivateSince != 0 && r.profile.Version >= meth.PrivateSince {
		return nil, nil, private()
	}
	if meth == nil {
		switch {
		case json2:
			return nil, nil, okapi.Errorf(okapi.ENotFound, "The method '%s.%s' does not exist", model, method)
		case old:
			return nil, nil, okapi.Errorf(okapi.EAttributeError, "The method '%s' does not exist on the model '%s'", method, model)
		}
		return nil, nil, okapi.Errorf(okapi.EAttributeError, "The method '%s.%s' does not exist", model, method)
	}
	return m, meth, nil
}

// Execute runs an execute_kw call: positional args (record methods take
// their ids first) and keyword arguments, as Python would bind them. A
// "context" keyword argument is the Odoo context, as in Odoo's call_kw.
func (r *Registry) Execute(ctx context.Context, u *okapi.User, model, method string, args []any, kwargs map[string]any) (any, error) {
	m, meth, err := r.resolve(model, method, false)
	if err != nil {
		return nil, err
	}
	var odooCtx map[string]any
	if c, ok := kwargs["context"]; ok {
		odooCtx, _ = c.(map[string]any)
		kw := make(map[string]any, len(kwargs))
		for k, v := range kwargs {
			if k != "context" {
				kw[k] = v
			}
		}
		kwargs = kw
	}
	var ids []int64
	if !meth.Model {
		if len(args) == 0 {
			return nil, &okapi.Error{Code: okapi.ETypeError, Message: meth.Qual + "() missing the records: pass a list of ids as the first argument"}
		}
		if ids, err = idsArg(args[0]); err != nil {
			return nil, err
		}
		args = args[1:]
	}
	bound, err := meth.bindPositional(args, kwargs)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, u, m, meth, ids, bound, odooCtx)
}

// ExecuteNamed runs a JSON-2 call: named arguments, the records in ids and
// the Odoo context in context. Binding mistakes are 422s.
func (r *Registry) ExecuteNamed(ctx context.Context, u *okapi.User, model, method string, params map[string]any) (any, error) {
	m, meth, err := r.resolve(model, method, true)
	if err != nil {
		return nil, err
	}
	named := make(map[string]any, len(params))
	var rawIDs any
	var odooCtx map[string]any
	for k, v := range params {
		switch k {
		case "ids":
			rawIDs = v
		case "context":
			odooCtx, _ = v.(map[string]any)
		default:
			named[k] = v
		}
	}
	ids, err := idsArg(rawIDs)
	if err != nil {
		return nil, &okapi.Error{Code: okapi.EUnprocessable, Message: okapi.ErrorMessage(err)}
	}
	if meth.Model && len(ids) > 0 {
		return nil, okapi.Errorf(okapi.EUnprocessable, "cannot call %s.%s with ids", model, method)
	}
	bound, err := meth.bindNamed(named)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, u, m, meth, ids, bound, odooCtx)
}

// run executes a bound call in one transaction: a read-write one for
// methods that write, none for reads (each read is one consistent SELECT,
// plus lookups of names that do not need to agree to the microsecond).
func (r *Registry) run(ctx context.Context, u *okapi.User, m *Model, meth *Method, ids []int64, a Args, odooCtx map[string]any) (any, error) {
	if hasNUL(a.Values) || hasNUL(a.Extra) {
		// PostgreSQL cannot hold NUL in text; Odoo answers with
		// psycopg2's ValueError, and so do both databases here.
		return nil, okapi.Errorf(okapi.EValueError, "A string literal cannot contain NUL (0x00) characters.")
	}
	if meth.Write && u != nil && u.ReadOnly {
		// Every write checks the access rights, which refuse it; this
		// refuses it before any transaction, whatever the method does.
		return nil, readOnlyError(m)
	}
	e := &Env{ctx: ctx, reg: r, User: u, Context: odooCtx, now: r.now().UTC()}
	if !meth.Write {
		e.q = r.db
		return meth.Fn(e, m, ids, a)
	}
	var out any
	err := r.db.Write(ctx, func(tx *sqldb.Tx) error {
		e.q, e.tx = tx, tx
		var err error
		out, err = meth.Fn(e, m, ids, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Sudo runs fn with an environment that bypasses rights, inside a write
// transaction; the web pages use it for work the service layer vouches for.
func (r *Registry) Sudo(ctx context.Context, u *okapi.User, fn func(e *Env) error) error {
	return r.db.Write(ctx, func(tx *sqldb.Tx) error {
		e := &Env{ctx: ctx, reg: r, User: u, q: tx, tx: tx, sudo: true, now: r.now().UTC()}
		return fn(e)
	})
}

// hasNUL reports whether a decoded value holds a NUL character in any
// string or key.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// pureReads are the ORM's methods whose answer depends on nothing but their
// arguments, their user and the stored data: no clock, no side effect.
var pureReads = map[string]bool{"search": true, "search_read": true, "read": true, "search_count": true,
	"exists": true, "fields_get": true, "name_search": true, "name_get": true}

// Pure reports whether model.method is one of the ORM's pure reads on a
// model whose stored data says all there is (the read cache keeps such
// answers). API keys are left out: whether one shows depends on the clock
// (its expiry) as well as on the stored rows.
func (r *Registry) Pure(model, method string) bool {
	if !pureReads[method] || strings.HasPrefix(model, "res.users.apikeys") {
		return false
	}
	m := r.models[model]
	if m == nil {
		return false
	}
	meth := r.method(m, method)
	return meth != nil && !meth.Write
}
