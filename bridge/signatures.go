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
	// Private: the method is there but @api.private, which Odoo (19 on)
	// refuses to run for a remote caller, over every protocol.
	Private bool
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
	method  string
	records bool
	since   int // first version with the method (14 when older)
	until   int // last version with the method (0: still there in 19)
	// private is the first version where the method is @api.private: it
	// is still there, but Odoo refuses to run it for a remote caller.
	private  int
	variants []variant
	// synonyms are names of the same parameter in different versions.
	synonyms [][2]string
}

type variant struct {
	from   int
	params []string
	// required is how many of params, from the first, have no default.
	required int
	// kwOnly are the keyword-only parameters (after a bare *).
	kwOnly []string
	// varKw: the method takes **kwargs.
	varKw bool
}

// ormMethods are the signatures, each read line by line from one copy of
// each version's source (a stable branch's nightly, its release.py giving
// version_info (N, 0, 0, FINAL)), and checked against a second copy where
// one was at hand:
//
//	14.0 ShaheenHossain/modcom_14c@85fb936ae18ef84eb62a409a0e89069f67a11ad2
//	     odoo/models.py, addons/web/models/models.py (Odoo 14.0 Community
//	     under another name in its file headers; no second copy)
//	15.0 LucasLei-python/odoo15@c8796e5629af6b97fe9df870e2a9bc458ba49266
//	     (15.0-20220106) odoo/models.py, odoo/addons/web/models/models.py;
//	     second: stagenie/odoo15-dev@81ec7766a9284161f767dfe6fb1fbb0a97c39983
//	16.0 gzambrano27/odoo16@3b0b9886a9c7b8eda515ac6f2ec3a9d785e72216
//	     odoo/models.py, addons/web/models/models.py
//	17.0 Clyde1030/odoo17@62a16a12e3e0e898e712402d0bf2ec62f31a6964
//	     odoo/models.py, odoo/addons/web/models/models.py;
//	     second: 3bdo72/odoo17@965feadac8c38623511fbb8a1df8cf0cf55bff6e
//	18.0 Yousef2701/Odoo18@3f92e255c94b914aaf430c4b7c49cfd025f875a3
//	     odoo/models.py, addons/web/models/models.py;
//	     second: ahmadjkff/Odoo18@0228ba54576ca13406378b03b2652c6d0599bdec
//	19.0 AmitbhatiAvantenow/HRSD-PP@3ea050f5f2742c8b5bded6d93e3690107578187f
//	     (19.0, Python up to 3.14) odoo/orm/models.py, addons/web/models/models.py,
//	     and odoo/service/model.py for what @api.private does;
//	     second: jnvdx6/skymedic-odoo@9d42cd40b6d1d901cce6091c7544f595c456dc45
//
// "record method" below means no @api.model: execute_kw passes the ids
// first. Deprecated methods (warnings, @api.deprecated) are still there and
// still run; Odoo 19 only leaves them out of what it publishes.
var ormMethods = []orm{
	// 14–16: @api.model search(self, args|domain, offset=0, limit=None, order=None, count=False);
	// 14, 15 call the domain args, 16 domain; 17 dropped count (search_count does it).
	{method: "search", variants: []variant{
		{from: 14, params: []string{"args", "offset", "limit", "order", "count"}, required: 1},
		{from: 16, params: []string{"domain", "offset", "limit", "order", "count"}, required: 1},
		{from: 17, params: []string{"domain", "offset", "limit", "order"}, required: 1},
	}, synonyms: [][2]string{{"args", "domain"}}},
	// @api.model. 14, 15: search_count(self, args); 16 on: (self, domain, limit=None).
	{method: "search_count", variants: []variant{
		{from: 14, params: []string{"args"}, required: 1},
		{from: 16, params: []string{"domain", "limit"}, required: 1},
	}, synonyms: [][2]string{{"args", "domain"}}},
	// @api.model search_read(self, domain=None, fields=None, offset=0, limit=None, order=None);
	// 15 added **read_kwargs.
	{method: "search_read", variants: []variant{
		{from: 14, params: []string{"domain", "fields", "offset", "limit", "order"}},
		{from: 15, params: []string{"domain", "fields", "offset", "limit", "order"}, varKw: true},
	}},
	// @api.model, 17 on. 17, 18: search_fetch(self, domain, field_names, offset=0, limit=None, order=None);
	// 19: field_names=None, and @api.private.
	{method: "search_fetch", since: 17, private: 19, variants: []variant{
		{from: 17, params: []string{"domain", "field_names", "offset", "limit", "order"}, required: 2},
		{from: 19, params: []string{"domain", "field_names", "offset", "limit", "order"}, required: 1},
	}},
	// Record method: read(self, fields=None, load='_classic_read').
	{method: "read", records: true, variants: []variant{{from: 14, params: []string{"fields", "load"}}}},
	// Record method, 17 on. 17, 18: fetch(self, field_names); 19: field_names=None, @api.private.
	{method: "fetch", records: true, since: 17, private: 19, variants: []variant{
		{from: 17, params: []string{"field_names"}, required: 1},
		{from: 19, params: []string{"field_names"}},
	}},
	// Record method: write(self, vals).
	{method: "write", records: true, variants: []variant{{from: 14, params: []string{"vals"}, required: 1}}},
	// @api.model_create_multi (no ids): create(self, vals_list).
	{method: "create", variants: []variant{{from: 14, params: []string{"vals_list"}, required: 1}}},
	// Record method: unlink(self).
	{method: "unlink", records: true, variants: []variant{{from: 14}}},
	// Record methods: copy(self, default=None), copy_data(self, default=None).
	{method: "copy", records: true, variants: []variant{{from: 14, params: []string{"default"}}}},
	{method: "copy_data", records: true, variants: []variant{{from: 14, params: []string{"default"}}}},
	// Record method: exists(self); @api.private in 19.
	{method: "exists", records: true, private: 19, variants: []variant{{from: 14}}},
	// @api.model fields_get(self, allfields=None, attributes=None).
	{method: "fields_get", variants: []variant{{from: 14, params: []string{"allfields", "attributes"}}}},
	// @api.model. 14–18: name_search(self, name='', args=None, operator='ilike', limit=100);
	// 19 calls the domain domain.
	{method: "name_search", variants: []variant{
		{from: 14, params: []string{"name", "args", "operator", "limit"}},
		{from: 19, params: []string{"name", "domain", "operator", "limit"}},
	}, synonyms: [][2]string{{"args", "domain"}}},
	// Record method, 14–17: name_get(self) (17 deprecates it: display_name); gone in 18.
	{method: "name_get", records: true, until: 17, variants: []variant{{from: 14}}},
	// @api.model name_create(self, name).
	{method: "name_create", variants: []variant{{from: 14, params: []string{"name"}, required: 1}}},
	// @api.model. 14–18: default_get(self, fields_list); 19: default_get(self, fields).
	{method: "default_get", variants: []variant{
		{from: 14, params: []string{"fields_list"}, required: 1},
		{from: 19, params: []string{"fields"}, required: 1},
	}, synonyms: [][2]string{{"fields_list", "fields"}}},
	// @api.model read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True),
	// the same in 14–19 (19 deprecates it for formatted_read_group).
	{method: "read_group", variants: []variant{
		{from: 14, params: []string{"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"}, required: 3},
	}},
	// 19, web module, @api.model: formatted_read_group(self, domain, groupby=(),
	// aggregates=(), having=(), offset=0, limit=None, order=None).
	{method: "formatted_read_group", since: 19, variants: []variant{
		{from: 19, params: []string{"domain", "groupby", "aggregates", "having", "offset", "limit", "order"}, required: 1},
	}},
	// @api.model check_access_rights(self, operation, raise_exception=True), 14–19
	// (18 and 19 deprecate it for check_access/has_access; 19 still runs it).
	{method: "check_access_rights", variants: []variant{{from: 14, params: []string{"operation", "raise_exception"}, required: 1}}},
	// Record method check_access_rule(self, operation), 14–19 (deprecated from 18).
	{method: "check_access_rule", records: true, variants: []variant{{from: 14, params: []string{"operation"}, required: 1}}},
	// Record methods, 18 on: has_access(self, operation), check_access(self, operation);
	// 19 makes check_access @api.private ("use has_access").
	{method: "has_access", records: true, since: 18, variants: []variant{{from: 18, params: []string{"operation"}, required: 1}}},
	{method: "check_access", records: true, since: 18, private: 19, variants: []variant{{from: 18, params: []string{"operation"}, required: 1}}},
	// Record methods: get_metadata(self), action_archive(self), action_unarchive(self).
	{method: "get_metadata", records: true, variants: []variant{{from: 14}}},
	{method: "action_archive", records: true, variants: []variant{{from: 14}}},
	{method: "action_unarchive", records: true, variants: []variant{{from: 14}}},
	// Record method export_data(self, fields_to_export); @api.model load(self, fields, data).
	{method: "export_data", records: true, variants: []variant{{from: 14, params: []string{"fields_to_export"}, required: 1}}},
	{method: "load", variants: []variant{{from: 14, params: []string{"fields", "data"}, required: 2}}},
	// Record method. 14–16: onchange(self, values, field_name, field_onchange);
	// 17 on: onchange(self, values, field_names, fields_spec) (the web module
	// overrides it with the same parameters).
	{method: "onchange", records: true, variants: []variant{
		{from: 14, params: []string{"values", "field_name", "field_onchange"}, required: 3},
		{from: 17, params: []string{"values", "field_names", "fields_spec"}, required: 3},
	}},
	// Web module, @api.model. 14, 15: web_search_read(self, domain=None, fields=None,
	// offset=0, limit=None, order=None); 16 added count_limit=None; 17 on:
	// web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None).
	{method: "web_search_read", variants: []variant{
		{from: 14, params: []string{"domain", "fields", "offset", "limit", "order"}},
		{from: 16, params: []string{"domain", "fields", "offset", "limit", "order", "count_limit"}},
		{from: 17, params: []string{"domain", "specification", "offset", "limit", "order", "count_limit"}, required: 2},
	}},
	// Web module, @api.model. 14–16: web_read_group(self, domain, fields, groupby,
	// limit=None, offset=0, orderby=False, lazy=True, expand=False, expand_limit=None,
	// expand_orderby=False); 17, 18 without the expand ones; 19:
	// web_read_group(self, domain, groupby, aggregates=(), limit=None, offset=0,
	// order=None, *, auto_unfold=False, opening_info=None, unfold_read_specification=None,
	// unfold_read_default_limit=80, groupby_read_specification=None).
	{method: "web_read_group", variants: []variant{
		{from: 14, params: []string{"domain", "fields", "groupby", "limit", "offset", "orderby", "lazy", "expand", "expand_limit", "expand_orderby"}, required: 3},
		{from: 17, params: []string{"domain", "fields", "groupby", "limit", "offset", "orderby", "lazy"}, required: 3},
		{from: 19, params: []string{"domain", "groupby", "aggregates", "limit", "offset", "order"}, required: 2,
			kwOnly: []string{"auto_unfold", "opening_info", "unfold_read_specification", "unfold_read_default_limit", "groupby_read_specification"}},
	}},
	// 19, web module, @api.model: web_name_search(self, name, specification,
	// domain=None, operator='ilike', limit=100).
	{method: "web_name_search", since: 19, variants: []variant{
		{from: 19, params: []string{"name", "specification", "domain", "operator", "limit"}, required: 2},
	}},
	// Web module, record methods, 17 on: web_read(self, specification);
	// web_save(self, vals, specification, next_id=None).
	{method: "web_read", records: true, since: 17, variants: []variant{{from: 17, params: []string{"specification"}, required: 1}}},
	// Views, all @api.model. 14–16: load_views(self, views, options=None) and
	// fields_view_get(self, view_id=None, view_type='form', toolbar=False,
	// submenu=False) (14, 15: odoo/models.py, the web module overriding the
	// latter with the same parameters; 16: odoo/addons/base/models/
	// ir_ui_view.py, both deprecated for the next two); 17 removed both.
	// 16 on: get_views(self, views, options=None) and get_view(self,
	// view_id=None, view_type='form', **options) (ir_ui_view.py; 18, 19 add
	// @api.readonly, not @api.private).
	{method: "load_views", until: 16, variants: []variant{{from: 14, params: []string{"views", "options"}, required: 1}}},
	{method: "fields_view_get", until: 16, variants: []variant{{from: 14, params: []string{"view_id", "view_type", "toolbar", "submenu"}}}},
	{method: "get_views", since: 16, variants: []variant{{from: 16, params: []string{"views", "options"}, required: 1}}},
	{method: "get_view", since: 16, variants: []variant{{from: 16, params: []string{"view_id", "view_type"}, varKw: true}}},
	{method: "web_save", records: true, since: 17, variants: []variant{{from: 17, params: []string{"vals", "specification", "next_id"}, required: 2}}},
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
	s := &Signature{Method: m.method, Records: m.records, Params: cur.params, Required: cur.required,
		KwOnly: cur.kwOnly, VarKw: cur.varKw, Private: m.private != 0 && v >= m.private}
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
