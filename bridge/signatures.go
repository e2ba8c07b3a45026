package bridge

import "sort"

// Signature is what the bridge needs to know of a method's Python
// signature to move its arguments between positions and names.
type Signature struct {
	Method string
	// Records: the method runs on records, which execute_kw passes as the
	// first positional argument and JSON-2 as "ids". An @api.model method
	// has none.
	Records bool
	// Params are the parameters after self (and the records) that may be
	// given by position or by name, in their order.
	Params []string
	// Required is how many of Params, from the first, have no default
	// (Python puts those first).
	Required int
	// KwOnly are the keyword-only parameters.
	KwOnly []string
	// VarArgs: the method takes *args, whose positions have no names.
	VarArgs bool
	// VarKw: the method takes **kwargs.
	VarKw bool
	// aliases maps a parameter's name in other Odoo versions to its name
	// here (search's domain was "args" up to 15).
	aliases map[string]string
}

// name returns the parameter name k stands for in this signature: k itself,
// or the name this version gives a parameter that other versions call k.
func (s *Signature) name(k string) string {
	if n, ok := s.aliases[k]; ok {
		return n
	}
	return k
}

// orm is one method of Odoo's ORM (BaseModel, and the web client's methods
// the web module adds to every model) across versions. Each variant holds
// from its version until the next variant's.
type orm struct {
	method   string
	records  bool
	since    int // first version with the method (14 when older)
	until    int // last version with the method (0: still there in 19)
	varKw    bool
	variants []variant
	// synonyms are names of the same parameter in different versions.
	synonyms [][2]string
}

type variant struct {
	from   int
	params []string
	// required is how many of params, from the first, have no default.
	required int
}

// ormMethods are the signatures, read from Odoo's source: odoo/models.py of
// 14.0, 15.0, 16.0, 17.0 and 18.0, odoo/orm/models.py of 19.0, and
// addons/web/models/models.py of each for the web_* methods. Only the
// parameter names and their order matter here.
var ormMethods = []orm{
	// 14.0–15.0: search(self, args, offset=0, limit=None, order=None, count=False)
	// 16.0:      search(self, domain, offset=0, limit=None, order=None, count=False)
	// 17.0–19.0: search(self, domain, offset=0, limit=None, order=None)
	{method: "search", variants: []variant{
		{14, []string{"args", "offset", "limit", "order", "count"}, 1},
		{16, []string{"domain", "offset", "limit", "order", "count"}, 1},
		{17, []string{"domain", "offset", "limit", "order"}, 1},
	}, synonyms: [][2]string{{"args", "domain"}}},
	// 14.0–15.0: search_count(self, args); 16.0 on: (self, domain, limit=None)
	{method: "search_count", variants: []variant{
		{14, []string{"args"}, 1},
		{16, []string{"domain", "limit"}, 1},
	}, synonyms: [][2]string{{"args", "domain"}}},
	// search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs)
	{method: "search_read", varKw: true, variants: []variant{
		{14, []string{"domain", "fields", "offset", "limit", "order"}, 0},
	}},
	// 17.0 on: search_fetch(self, domain, field_names, offset=0, limit=None, order=None)
	{method: "search_fetch", since: 17, variants: []variant{
		{17, []string{"domain", "field_names", "offset", "limit", "order"}, 2},
	}},
	// read(self, fields=None, load='_classic_read')
	{method: "read", records: true, variants: []variant{{14, []string{"fields", "load"}, 0}}},
	// 17.0 on: fetch(self, field_names)
	{method: "fetch", records: true, since: 17, variants: []variant{{17, []string{"field_names"}, 1}}},
	// write(self, vals)
	{method: "write", records: true, variants: []variant{{14, []string{"vals"}, 1}}},
	// create(self, vals_list), @api.model_create_multi
	{method: "create", variants: []variant{{14, []string{"vals_list"}, 1}}},
	// unlink(self)
	{method: "unlink", records: true, variants: []variant{{14, nil, 0}}},
	// copy(self, default=None), copy_data(self, default=None)
	{method: "copy", records: true, variants: []variant{{14, []string{"default"}, 0}}},
	{method: "copy_data", records: true, variants: []variant{{14, []string{"default"}, 0}}},
	// exists(self)
	{method: "exists", records: true, variants: []variant{{14, nil, 0}}},
	// fields_get(self, allfields=None, attributes=None)
	{method: "fields_get", variants: []variant{{14, []string{"allfields", "attributes"}, 0}}},
	// up to 16.0: name_search(self, name='', args=None, operator='ilike', limit=100)
	// 17.0 on:    name_search(self, name='', domain=None, operator='ilike', limit=100)
	{method: "name_search", variants: []variant{
		{14, []string{"name", "args", "operator", "limit"}, 0},
		{17, []string{"name", "domain", "operator", "limit"}, 0},
	}, synonyms: [][2]string{{"args", "domain"}}},
	// up to 16.0: name_get(self); display_name replaced it in 17.0.
	{method: "name_get", records: true, until: 16, variants: []variant{{14, nil, 0}}},
	// name_create(self, name)
	{method: "name_create", variants: []variant{{14, []string{"name"}, 1}}},
	// up to 18.0: default_get(self, fields_list); 19.0: default_get(self, fields)
	{method: "default_get", variants: []variant{
		{14, []string{"fields_list"}, 1},
		{19, []string{"fields"}, 1},
	}, synonyms: [][2]string{{"fields_list", "fields"}}},
	// read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True)
	// (19.0 keeps it, deprecated, beside formatted_read_group)
	{method: "read_group", variants: []variant{
		{14, []string{"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"}, 3},
	}},
	// 19.0: formatted_read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None)
	{method: "formatted_read_group", since: 19, variants: []variant{
		{19, []string{"domain", "groupby", "aggregates", "having", "offset", "limit", "order"}, 1},
	}},
	// up to 18.0: check_access_rights(self, operation, raise_exception=True),
	// deprecated in 18.0 for has_access/check_access, gone in 19.0.
	{method: "check_access_rights", until: 18, variants: []variant{{14, []string{"operation", "raise_exception"}, 1}}},
	// up to 18.0: check_access_rule(self, operation)
	{method: "check_access_rule", records: true, until: 18, variants: []variant{{14, []string{"operation"}, 1}}},
	// 18.0 on: has_access(self, operation), check_access(self, operation)
	{method: "has_access", records: true, since: 18, variants: []variant{{18, []string{"operation"}, 1}}},
	{method: "check_access", records: true, since: 18, variants: []variant{{18, []string{"operation"}, 1}}},
	// get_metadata(self), action_archive(self), action_unarchive(self)
	{method: "get_metadata", records: true, variants: []variant{{14, nil, 0}}},
	{method: "action_archive", records: true, variants: []variant{{14, nil, 0}}},
	{method: "action_unarchive", records: true, variants: []variant{{14, nil, 0}}},
	// export_data(self, fields_to_export); load(self, fields, data)
	{method: "export_data", records: true, variants: []variant{{14, []string{"fields_to_export"}, 1}}},
	{method: "load", variants: []variant{{14, []string{"fields", "data"}, 2}}},
	// up to 16.0: onchange(self, values, field_name, field_onchange)
	// 17.0 on:    onchange(self, values, field_names, fields_spec)
	{method: "onchange", records: true, variants: []variant{
		{14, []string{"values", "field_name", "field_onchange"}, 3},
		{17, []string{"values", "field_names", "fields_spec"}, 3},
	}},
	// web module. 14.0: web_search_read(self, domain=None, fields=None, offset=0, limit=None, order=None)
	// 15.0–16.0: the same and count_limit=None
	// 17.0 on:   web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None)
	{method: "web_search_read", variants: []variant{
		{14, []string{"domain", "fields", "offset", "limit", "order"}, 0},
		{15, []string{"domain", "fields", "offset", "limit", "order", "count_limit"}, 0},
		{17, []string{"domain", "specification", "offset", "limit", "order", "count_limit"}, 2},
	}},
	// 17.0 on: web_read(self, specification); web_save(self, vals, specification, next_id=None)
	{method: "web_read", records: true, since: 17, variants: []variant{{17, []string{"specification"}, 1}}},
	{method: "web_save", records: true, since: 17, variants: []variant{{17, []string{"vals", "specification", "next_id"}, 2}}},
}

// MinVersion and MaxVersion bound the Odoo versions the table covers.
const (
	MinVersion = 14
	MaxVersion = 19
)

// tables holds the ORM's signatures per version, built once.
var tables = func() map[int]map[string]*Signature {
	out := map[int]map[string]*Signature{}
	for v := MinVersion; v <= MaxVersion; v++ {
		t := map[string]*Signature{}
		for _, m := range ormMethods {
			if sig := m.at(v); sig != nil {
				t[m.method] = sig
			}
		}
		out[v] = t
	}
	return out
}()

// at returns the method's signature in version v, or nil when v lacks it.
func (m *orm) at(v int) *Signature {
	if v < m.since || m.until != 0 && v > m.until {
		return nil
	}
	var cur *variant
	for i := range m.variants {
		if m.variants[i].from <= v {
			cur = &m.variants[i]
		}
	}
	if cur == nil {
		return nil
	}
	s := &Signature{Method: m.method, Records: m.records, Params: cur.params, Required: cur.required, VarKw: m.varKw}
	for _, pair := range m.synonyms {
		for i, p := range s.Params {
			if p == pair[0] || p == pair[1] {
				other := pair[0]
				if p == pair[0] {
					other = pair[1]
				}
				if s.aliases == nil {
					s.aliases = map[string]string{}
				}
				s.aliases[other] = s.Params[i]
			}
		}
	}
	return s
}

// ORMSignature returns the signature of one of the ORM's methods in Odoo
// version v (14–19; a later version is read as 19), or nil when the ORM has
// no such method in that version.
func ORMSignature(v int, method string) *Signature {
	return tables[clampVersion(v)][method]
}

// ORMMethods lists the ORM methods the table knows in version v, sorted.
func ORMMethods(v int) []string {
	t := tables[clampVersion(v)]
	out := make([]string, 0, len(t))
	for m := range t {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func clampVersion(v int) int {
	return min(max(v, MinVersion), MaxVersion)
}
