package model

import (
	"fmt"
	"strings"

	"github.com/okapi-erp/okapi"
)

// Param is one parameter of a method, as Python declares it.
type Param struct {
	Name     string
	Required bool
	Default  any
}

// Method is a method callable over RPC, with the Python signature that
// decides how positional and keyword arguments bind and how binding errors
// are worded.
type Method struct {
	Name string
	// Model: an @api.model method, called without ids.
	Model bool
	// Params after self (and, for record methods, after the records).
	Params []Param
	// KwOnly are keyword-only parameters.
	KwOnly []Param
	// VarKw: the method takes **kwargs and checks them itself.
	VarKw bool
	// Qual is the Python qualified name used in TypeError messages.
	Qual string
	// Write: the call needs a read-write transaction.
	Write bool
	// Since and Until bound the versions that have the method.
	Since, Until int
	// PrivateSince is the first version that marks the method
	// @api.private: it is there, but refused to remote callers as a
	// method named with "_" is (Odoo 19's odoo/orm/models.py: exists,
	// check_access — "use has_access").
	PrivateSince int
	Fn           func(e *Env, m *Model, ids []int64, a Args) (any, error)
}

// Args are bound arguments by parameter name; extra keyword arguments of a
// VarKw method are in Extra.
type Args struct {
	Values map[string]any
	Extra  map[string]any
}

// Get returns an argument, or its default.
func (a Args) Get(name string) any { return a.Values[name] }

// bindPositional binds execute_kw's args and kwargs as Python would, with
// Python's wording of every mistake.
func (m *Method) bindPositional(args []any, kwargs map[string]any) (Args, error) {
	out := Args{Values: map[string]any{}, Extra: map[string]any{}}
	// Count "self" (and the records) as Python's messages do.
	offset := 1
	if len(args) > len(m.Params) {
		min, max := offset, offset+len(m.Params)
		for _, p := range m.Params {
			if p.Required {
				min++
			}
		}
		given := len(args) + offset
		if min == max {
			return out, m.typeError("takes %d positional argument%s but %d were given", max, plural(max), given)
		}
		return out, m.typeError("takes from %d to %d positional arguments but %d were given", min, max, given)
	}
	for i, v := range args {
		out.Values[m.Params[i].Name] = v
	}
	known := map[string]bool{}
	for _, p := range m.Params {
		known[p.Name] = true
	}
	for _, p := range m.KwOnly {
		known[p.Name] = true
	}
	for _, k := range sortedKeys(kwargs) {
		v := kwargs[k]
		if !known[k] {
			if m.VarKw {
				out.Extra[k] = v
				continue
			}
			return out, m.typeError("got an unexpected keyword argument '%s'", k)
		}
		if _, dup := out.Values[k]; dup {
			return out, m.typeError("got multiple values for argument '%s'", k)
		}
		out.Values[k] = v
	}
	var missing []string
	for _, p := range m.Params {
		if _, ok := out.Values[p.Name]; !ok {
			if p.Required {
				missing = append(missing, "'"+p.Name+"'")
			} else {
				out.Values[p.Name] = p.Default
			}
		}
	}
	if len(missing) > 0 {
		return out, m.typeError("missing %d required positional argument%s: %s", len(missing), plural(len(missing)), pyList(missing))
	}
	for _, p := range m.KwOnly {
		if _, ok := out.Values[p.Name]; !ok {
			out.Values[p.Name] = p.Default
		}
	}
	return out, nil
}

// BindKeywords binds keyword arguments alone as Python binds them, with
// Python's words for every mistake: the routes that Odoo declares as Python
// functions (such as /jsonrpc's RPC.jsonrpc(service, method, args)) use it
// for their own signatures.
func (m *Method) BindKeywords(kwargs map[string]any) (Args, error) {
	return m.bindPositional(nil, kwargs)
}

// bindNamed binds JSON-2's named arguments; its mistakes are 422s worded as
// Python's inspect.Signature.bind words them.
func (m *Method) bindNamed(named map[string]any) (Args, error) {
	out := Args{Values: map[string]any{}, Extra: map[string]any{}}
	known := map[string]bool{}
	for _, p := range m.Params {
		known[p.Name] = true
	}
	for _, p := range m.KwOnly {
		known[p.Name] = true
	}
	for _, k := range sortedKeys(named) {
		if !known[k] {
			if m.VarKw {
				out.Extra[k] = named[k]
				continue
			}
			return out, okapi.Errorf(okapi.EUnprocessable, "got an unexpected keyword argument '%s'", k)
		}
		out.Values[k] = named[k]
	}
	for _, p := range append(append([]Param{}, m.Params...), m.KwOnly...) {
		if _, ok := out.Values[p.Name]; !ok {
			if p.Required {
				return out, okapi.Errorf(okapi.EUnprocessable, "missing a required argument: '%s'", p.Name)
			}
			out.Values[p.Name] = p.Default
		}
	}
	return out, nil
}

func (m *Method) typeError(format string, args ...any) error {
	return &okapi.Error{Code: okapi.ETypeError, Message: m.Qual + "() " + fmt.Sprintf(format, args...)}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// pyList joins names as Python's messages do: 'a', 'a' and 'b', 'a', 'b', and 'c'.
func pyList(items []string) string {
	switch len(items) {
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Argument readers: Odoo's methods accept False/None for "not given", and
// test their options by truthiness (odoo/models.py 17.0, search_fetch:
// "if offset", "if limit", "if order"), so any falsy value is "not given":
// client libraries send the options they were not given as <value/> (the
// empty string), False or None.

// pyFalsy reports whether Python would find a decoded value false.
func pyFalsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case int64:
		return x == 0
	case int:
		return x == 0
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func intArg(a Args, name string, def int64) (int64, error) {
	v := a.Get(name)
	if pyFalsy(v) {
		// A limit of 0 is "no limit" too: clients such as odoo-await send
		// it by default.
		return def, nil
	}
	n, ok := toInt(v)
	if !ok || n < 0 && def >= 0 {
		return 0, okapi.Errorf(okapi.ETypeError, "'%s' must be a non-negative integer, not %s", name, pyRepr(v))
	}
	return n, nil
}

func stringArg(a Args, name string) (string, error) {
	v := a.Get(name)
	if pyFalsy(v) {
		return "", nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	}
	return "", okapi.Errorf(okapi.ETypeError, "'%s' must be a string, not %s", name, pyRepr(v))
}

func stringsArg(a Args, name string) ([]string, error) {
	v := a.Get(name)
	if pyFalsy(v) {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, okapi.Errorf(okapi.ETypeError, "'%s' must be a list of field names, not %s", name, pyRepr(v))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, okapi.Errorf(okapi.ETypeError, "'%s' must be a list of field names, not %s", name, pyRepr(v))
}

// loadArg reads read()'s load parameter: only '_classic_read' (the
// default) gives many2one values as [id, name]; anything else — None,
// '_classic_write', ” — the bare id, as Odoo's convert_to_read compares
// load with '_classic_read' (models.py 14.0-19.0; real Odoo 16.0 and 17.0
// answered load=None and load='_classic_write' with the bare id).
func loadArg(v any) bool {
	s, ok := v.(string)
	return ok && s == "_classic_read"
}

// readKwargs checks search_read's extra keyword arguments: only load is
// known, as in Odoo where the rest reach _read_format (17+) or read (up to
// 16, odoo/models.py 16.0 search_read) and fail there.
func readKwargs(v int, extra map[string]any) (bool, error) {
	load := true
	reader := "BaseModel._read_format()"
	if v <= 16 {
		reader = "BaseModel.read()"
	}
	for _, k := range sortedKeys(extra) {
		if k != "load" {
			return false, &okapi.Error{Code: okapi.ETypeError, Message: reader + " got an unexpected keyword argument '" + k + "'"}
		}
		load = loadArg(extra[k])
	}
	return load, nil
}

// pageArgs reads search's offset (default 0), limit (default none) and
// order arguments.
func pageArgs(a Args) (offset, limit int64, order string, err error) {
	if offset, err = intArg(a, "offset", 0); err != nil {
		return
	}
	if limit, err = intArg(a, "limit", -1); err != nil {
		return
	}
	order, err = stringArg(a, "order")
	return
}

// genericMethods are the methods every model has, with each version's
// signatures.
func genericMethods(v int) map[string]*Method {
	ms := []*Method{
		{Name: "search", Model: true, Qual: "BaseModel.search",
			Params: searchParams(v),
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				if err := e.checkAccess(m, opRead); err != nil {
					return nil, err
				}
				offset, limit, order, err := pageArgs(a)
				if err != nil {
					return nil, err
				}
				if c, ok := a.Values["count"]; ok && c == true {
					return e.searchCount(m, a.Get("domain"), -1)
				}
				ids, err := e.searchIDs(m, a.Get("domain"), offset, limit, order)
				if ids == nil && err == nil {
					ids = []int64{}
				}
				return ids, err
			}},
		{Name: "search_count", Model: true, Qual: "BaseModel.search_count",
			Params: []Param{{Name: "domain", Required: true}, {Name: "limit"}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				if err := e.checkAccess(m, opRead); err != nil {
					return nil, err
				}
				limit, err := intArg(a, "limit", -1)
				if err != nil {
					return nil, err
				}
				return e.searchCount(m, a.Get("domain"), limit)
			}},
		{Name: "search_read", Model: true, Qual: "BaseModel.search_read", VarKw: true,
			Params: []Param{{Name: "domain"}, {Name: "fields"}, {Name: "offset", Default: int64(0)}, {Name: "limit"}, {Name: "order"}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				load, err := readKwargs(v, a.Extra)
				if err != nil {
					return nil, err
				}
				fields, err := stringsArg(a, "fields")
				if err != nil {
					return nil, err
				}
				offset, limit, order, err := pageArgs(a)
				if err != nil {
					return nil, err
				}
				return e.searchRead(m, a.Get("domain"), fields, offset, limit, order, load)
			}},
		{Name: "read", Qual: "BaseModel.read",
			Params: []Param{{Name: "fields"}, {Name: "load", Default: "_classic_read"}},
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				fields, err := stringsArg(a, "fields")
				if err != nil {
					return nil, err
				}
				return e.read(m, ids, fields, loadArg(a.Get("load")))
			}},
		{Name: "create", Model: true, Write: true, Qual: "BaseModel.create",
			Params: []Param{{Name: "vals_list", Required: true}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				if err := e.checkAccess(m, opCreate); err != nil {
					return nil, err
				}
				switch v := a.Get("vals_list").(type) {
				case map[string]any:
					return e.create(m, v)
				case []any:
					ids := make([]int64, 0, len(v))
					for _, x := range v {
						vals, ok := x.(map[string]any)
						if !ok {
							return nil, okapi.Errorf(okapi.EValueError, "create() takes a dict of values, or a list of dicts; got %s", pyRepr(x))
						}
						id, err := e.create(m, vals)
						if err != nil {
							return nil, err
						}
						ids = append(ids, id)
					}
					return ids, nil
				}
				return nil, okapi.Errorf(okapi.EValueError, "create() takes a dict of values, or a list of dicts; got %s", pyRepr(a.Get("vals_list")))
			}},
		{Name: "write", Write: true, Qual: "BaseModel.write",
			Params: []Param{{Name: "vals", Required: true}},
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				vals, ok := a.Get("vals").(map[string]any)
				if !ok {
					return nil, okapi.Errorf(okapi.EValueError, "write() takes a dict of values; got %s", pyRepr(a.Get("vals")))
				}
				if err := e.checkAccess(m, opWrite); err != nil {
					return nil, err
				}
				return true, e.write(m, ids, vals)
			}},
		{Name: "unlink", Write: true, Qual: "BaseModel.unlink",
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				if err := e.checkAccess(m, opUnlink); err != nil {
					return nil, err
				}
				return true, e.unlink(m, ids)
			}},
		{Name: "exists", Qual: "BaseModel.exists", PrivateSince: 19,
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				found, err := e.existing(m, uniqueIDs(ids), nil)
				if found == nil && err == nil {
					found = []int64{}
				}
				return found, err
			}},
		{Name: "fields_get", Model: true, Qual: "BaseModel.fields_get",
			Params: []Param{{Name: "allfields"}, {Name: "attributes"}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				all, err := stringsArg(a, "allfields")
				if err != nil {
					return nil, err
				}
				attrs, err := stringsArg(a, "attributes")
				if err != nil {
					return nil, err
				}
				return e.fieldsGet(m, all, attrs)
			}},
		{Name: "name_search", Model: true, Qual: "BaseModel.name_search",
			Params: []Param{{Name: "name", Default: ""}, {Name: nameSearchDomain(v)}, {Name: "operator", Default: "ilike"}, {Name: "limit", Default: int64(100)}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				name, err := stringArg(a, "name")
				if err != nil {
					return nil, err
				}
				op, err := stringArg(a, "operator")
				if err != nil {
					return nil, err
				}
				if op == "" {
					op = "ilike"
				}
				// Absent, the parameter's default (100) applies; falsy is no limit.
				limit, err := intArg(a, "limit", -1)
				if err != nil {
					return nil, err
				}
				return e.nameSearch(m, name, a.Get(nameSearchDomain(v)), op, limit)
			}},
		// 17 still answers name_get, deprecated (odoo/models.py 17.0
		// warns in its log only); 18 removed it.
		{Name: "name_get", Until: 17, Qual: "BaseModel.name_get",
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				if err := e.checkAccess(m, opRead); err != nil {
					return nil, err
				}
				if err := e.checkRecords(m, ids, opRead); err != nil {
					return nil, err
				}
				return e.namePairs(m, ids)
			}},
		{Name: "default_get", Model: true, Qual: "BaseModel.default_get",
			Params: []Param{{Name: defaultGetFields(v), Required: true}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				names, err := stringsArg(a, defaultGetFields(v))
				if err != nil {
					return nil, err
				}
				return e.defaultGet(m, names)
			}},
		{Name: "check_access_rights", Model: true, Qual: "BaseModel.check_access_rights",
			Params: []Param{{Name: "operation", Required: true}, {Name: "raise_exception", Default: true}},
			Fn: func(e *Env, m *Model, _ []int64, a Args) (any, error) {
				op, err := operationArg(a)
				if err != nil {
					return nil, err
				}
				if err := e.checkAccess(m, op); err != nil {
					if a.Get("raise_exception") == false {
						return false, nil
					}
					return nil, err
				}
				return true, nil
			}},
		{Name: "has_access", Since: 18, Qual: "BaseModel.has_access",
			Params: []Param{{Name: "operation", Required: true}},
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				op, err := operationArg(a)
				if err != nil {
					return nil, err
				}
				if !e.canAccess(m, op) {
					return false, nil
				}
				return e.checkRecords(m, ids, op) == nil, nil
			}},
		{Name: "check_access", Since: 18, PrivateSince: 19, Qual: "BaseModel.check_access",
			Params: []Param{{Name: "operation", Required: true}},
			Fn: func(e *Env, m *Model, ids []int64, a Args) (any, error) {
				op, err := operationArg(a)
				if err != nil {
					return nil, err
				}
				if err := e.checkAccess(m, op); err != nil {
					return nil, err
				}
				return nil, e.checkRecords(m, ids, op)
			}},
		{Name: "name_create", Model: true, Write: true, Qual: "BaseModel.name_create",
			Params: []Param{{Name: "name", Required: true}},
			Fn:     func(e *Env, m *Model, _ []int64, a Args) (any, error) { return e.nameCreate(m, a.Get("name")) }},
	}
	out := map[string]*Method{}
	for _, m := range ms {
		if (m.Since == 0 || v >= m.Since) && (m.Until == 0 || v <= m.Until) {
			out[m.Name] = m
		}
	}
	return out
}

func searchParams(v int) []Param {
	p := []Param{{Name: "domain", Required: true}, {Name: "offset", Default: int64(0)}, {Name: "limit"}, {Name: "order"}}
	if v <= 16 {
		p = append(p, Param{Name: "count", Default: false})
	}
	return p
}

// nameSearchDomain is the name of name_search's domain parameter: args up to
// 18 (odoo/models.py of 17.0 and 18.0 still say args), domain in 19
// (odoo/orm/models.py of 19.0); bridge/signatures.go names the copies read.
func nameSearchDomain(v int) string {
	if v <= 18 {
		return "args"
	}
	return "domain"
}

// defaultGetFields is the name of default_get's parameter: fields_list up
// to 18, fields in 19 (odoo/orm/models.py of 19.0).
func defaultGetFields(v int) string {
	if v <= 18 {
		return "fields_list"
	}
	return "fields"
}

func operationArg(a Args) (string, error) {
	op, _ := a.Get("operation").(string)
	switch op {
	case opRead, opWrite, opCreate, opUnlink:
		return op, nil
	}
	return "", okapi.Errorf(okapi.EValueError, "Invalid access mode %s: use read, write, create or unlink.", pyRepr(a.Get("operation")))
}
