package model

import (
	"context"
	"sort"
	"strings"

	"github.com/okapi-erp/okapi"
)

// Doc is what Odoo 19 publishes about a model's methods to bearer keys on
// /doc-bearer/<model>.json (addons/api_doc/controllers/api_doc.py of 19.0):
// for each public method its signature text, its parameters in order (the
// keyword-only ones and **kwargs with their "kind"), and "api": ["model"]
// for a method that takes no records. Protocol bridges read it to name
// execute_kw's positional arguments. The user must be able to read the
// model, as in Odoo; fields are left out (fields_get gives them).
func (r *Registry) Doc(ctx context.Context, u *okapi.User, model string) (okapi.Struct, error) {
	m := r.models[model]
	if m == nil {
		return nil, okapi.Errorf(okapi.ENotFound, "the model '%s' does not exist", model)
	}
	e := &Env{ctx: ctx, reg: r, User: u, q: r.db, now: r.now().UTC()}
	if err := e.checkAccess(m, opRead); err != nil {
		return nil, err
	}
	names := map[string]*Method{}
	for n, meth := range r.generic() {
		names[n] = meth
	}
	for n, meth := range m.Methods {
		names[n] = meth
	}
	order := make([]string, 0, len(names))
	for n := range names {
		if !strings.HasPrefix(n, "_") {
			order = append(order, n)
		}
	}
	sort.Strings(order)
	methods := make(okapi.Struct, 0, len(order))
	for _, n := range order {
		methods = append(methods, okapi.Member{Name: n, Value: names[n].doc()})
	}
	return okapi.Struct{
		{Name: "model", Value: model},
		{Name: "name", Value: m.Description},
		{Name: "doc", Value: nil},
		{Name: "methods", Value: methods},
	}, nil
}

// doc is one method's entry: signature, parameters, api.
func (m *Method) doc() okapi.Struct {
	var sig []string
	params := okapi.Struct{}
	param := func(p Param, kind string) {
		entry := okapi.Struct{{Name: "name", Value: p.Name}}
		if kind != "" {
			entry = append(entry, okapi.Member{Name: "kind", Value: kind})
		}
		text := p.Name
		if !p.Required {
			entry = append(entry, okapi.Member{Name: "default", Value: p.Default})
			text += "=" + pyRepr(p.Default)
		}
		params = append(params, okapi.Member{Name: p.Name, Value: entry})
		sig = append(sig, text)
	}
	for _, p := range m.Params {
		param(p, "")
	}
	if len(m.KwOnly) > 0 {
		sig = append(sig, "*")
	}
	for _, p := range m.KwOnly {
		param(p, "KEYWORD_ONLY")
	}
	if m.VarKw {
		params = append(params, okapi.Member{Name: "kwargs", Value: okapi.Struct{{Name: "name", Value: "kwargs"}, {Name: "kind", Value: "VAR_KEYWORD"}}})
		sig = append(sig, "**kwargs")
	}
	api := []any{}
	if m.Model {
		api = append(api, "model")
	}
	return okapi.Struct{
		{Name: "signature", Value: "(" + strings.Join(sig, ", ") + ")"},
		{Name: "parameters", Value: params},
		{Name: "api", Value: api},
		{Name: "model", Value: "core"},
		{Name: "module", Value: "core"},
	}
}
