package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/sqldb"
)

// domainTerm is a compiled piece of WHERE clause and its arguments.
type domainTerm struct {
	sql  string
	args []any
}

var (
	termTrue  = domainTerm{sql: "TRUE"}
	termFalse = domainTerm{sql: "FALSE"}
)

func and(ts ...domainTerm) domainTerm {
	var parts []string
	var args []any
	for _, t := range ts {
		if t.sql == "TRUE" || t.sql == "" {
			continue
		}
		if t.sql == "FALSE" {
			return termFalse
		}
		parts = append(parts, "("+t.sql+")")
		args = append(args, t.args...)
	}
	if len(parts) == 0 {
		return termTrue
	}
	return domainTerm{strings.Join(parts, " AND "), args}
}

func or(ts ...domainTerm) domainTerm {
	var parts []string
	var args []any
	for _, t := range ts {
		if t.sql == "TRUE" {
			return termTrue
		}
		if t.sql == "FALSE" || t.sql == "" {
			continue
		}
		parts = append(parts, "("+t.sql+")")
		args = append(args, t.args...)
	}
	if len(parts) == 0 {
		return termFalse
	}
	return domainTerm{strings.Join(parts, " OR "), args}
}

func not(t domainTerm) domainTerm {
	switch t.sql {
	case "TRUE":
		return termFalse
	case "FALSE":
		return termTrue
	}
	return domainTerm{"NOT (" + t.sql + ")", t.args}
}

// limits on what a domain may ask, so that a hostile one cannot make a
// query of unbounded size.
const (
	maxDomainTerms = 1000
	maxInValues    = 100_000
	maxPathDepth   = 8
	// maxLikePattern is SQLite's own limit on a LIKE pattern; the same on
	// PostgreSQL keeps both databases answering alike.
	maxLikePattern = 50_000
)

// compiler turns domains on one model into SQL against an alias.
type compiler struct {
	e      *Env
	n      *int // alias counter shared by nested compilers
	model  *Model
	alias  string // main table
	dalias string // inherits table, when the model has one
	terms  int
}

func (e *Env) newCompiler(m *Model, alias, dalias string, counter *int) *compiler {
	if counter == nil {
		counter = new(int)
	}
	return &compiler{e: e, n: counter, model: m, alias: alias, dalias: dalias}
}

func (c *compiler) fresh() string {
	*c.n++
	return "a" + strconv.Itoa(*c.n)
}

// fromClause returns "table alias [JOIN inherits dalias ON …]" for a model.
func fromClause(m *Model, alias, dalias string) string {
	s := m.Table + " " + alias
	if m.Inherits != "" {
		s += " JOIN " + m.InheritsTable + " " + dalias + " ON " + dalias + ".id = " + alias + "." + m.Field(m.Inherits).Column
	}
	return s
}

// column returns the SQL expression of a stored field.
func (c *compiler) column(f *Field) string {
	if f.Delegated {
		return c.dalias + "." + f.Column
	}
	return c.alias + "." + f.Column
}

// invalidDomain is Odoo's error for a domain that is not a list: up to 18
// the assertion of normalize_domain (odoo/osv/expression.py 18.0), from 19
// the TypeError of the Domain class (odoo/orm/domains.py 19.0).
func (c *compiler) invalidDomain(v any) error {
	if c.e.reg.profile.Version <= 18 {
		return &okapi.Error{Code: okapi.EAssertion, Message: "Domains to normalize must have a 'domain' form: a list or tuple of domain components"}
	}
	return okapi.Errorf(okapi.ETypeError, "Domain() invalid argument type for domain: %s", pyRepr(v))
}

// compile compiles a domain (a list in Odoo's prefix notation).
func (c *compiler) compile(domain any) (domainTerm, error) {
	var items []any
	switch d := domain.(type) {
	case nil:
		return termTrue, nil
	case []any:
		items = d
	case bool:
		if d {
			return termTrue, nil
		}
		return termFalse, nil
	default:
		return domainTerm{}, c.invalidDomain(domain)
	}
	if len(items) > maxDomainTerms {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Domain too long: at most %d terms.", maxDomainTerms)
	}
	var stack []domainTerm
	pop := func() (domainTerm, bool) {
		if len(stack) == 0 {
			return domainTerm{}, false
		}
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return t, true
	}
	for i := len(items) - 1; i >= 0; i-- {
		switch it := items[i].(type) {
		case string:
			switch it {
			case "!":
				t, ok := pop()
				if !ok {
					return domainTerm{}, badDomain(domain)
				}
				stack = append(stack, not(t))
			case "&", "|":
				a, ok1 := pop()
				b, ok2 := pop()
				if !ok1 || !ok2 {
					return domainTerm{}, badDomain(domain)
				}
				if it == "&" {
					stack = append(stack, and(a, b))
				} else {
					stack = append(stack, or(a, b))
				}
			default:
				return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid domain term %s: an operator must be '&', '|' or '!', a condition a list of three items.", pyRepr(it))
			}
		case []any:
			t, err := c.leaf(it)
			if err != nil {
				return domainTerm{}, err
			}
			stack = append(stack, t)
		case bool:
			if it {
				stack = append(stack, termTrue)
			} else {
				stack = append(stack, termFalse)
			}
		default:
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid domain term %s: a condition is a list of three items.", pyRepr(it))
		}
	}
	return and(stack...), nil
}

func badDomain(d any) error {
	return okapi.Errorf(okapi.EValueError, "Invalid domain %s: an operator lacks its operands.", pyRepr(d))
}

func leafText(l []any) string {
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = pyRepr(x)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

var operators = map[string]bool{
	"=": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true, "=?": true,
	"like": true, "ilike": true, "not like": true, "not ilike": true, "=like": true, "=ilike": true,
	"in": true, "not in": true, "child_of": true, "parent_of": true, "any": true, "not any": true,
}

// leaf compiles one condition [path, operator, value].
func (c *compiler) leaf(l []any) (domainTerm, error) {
	c.terms++
	if c.terms > maxDomainTerms {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Domain too long: at most %d terms.", maxDomainTerms)
	}
	if len(l) != 3 {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: a condition is a list of three items.", leafText(l))
	}
	// Odoo's constant leaves: (1, '=', 1) is true, (0, '=', 1) false.
	if n, ok := l[0].(int64); ok && l[1] == "=" {
		if m, ok := l[2].(int64); ok && m == 1 {
			if n == 1 {
				return termTrue, nil
			}
			if n == 0 {
				return termFalse, nil
			}
		}
	}
	path, ok := l[0].(string)
	if !ok || path == "" {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: the field name must be a string.", leafText(l))
	}
	opRaw, ok := l[1].(string)
	if !ok {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: the operator must be a string.", leafText(l))
	}
	op := strings.ToLower(opRaw)
	if op == "<>" {
		op = "!="
	}
	if !operators[op] {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: unknown operator %s.", leafText(l), pyRepr(opRaw))
	}
	if (op == "any" || op == "not any") && c.e.reg.profile.Version < 17 {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: unknown operator %s.", leafText(l), pyRepr(opRaw))
	}
	parts := strings.Split(path, ".")
	if len(parts) > maxPathDepth {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: the path is too long.", leafText(l))
	}
	return c.path(parts, op, l[2], l)
}

// path compiles a condition on a (possibly dotted) field path.
func (c *compiler) path(parts []string, op string, value any, leaf []any) (domainTerm, error) {
	f := c.model.Field(parts[0])
	if f == nil || f.Hidden {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid field %s.%s in leaf %s", c.model.Name, parts[0], leafText(leaf))
	}
	if len(parts) > 1 {
		if f.Relation == "" {
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid field %s.%s in leaf %s: it has no related model to follow.", c.model.Name, parts[0], leafText(leaf))
		}
		sub := c.e.reg.models[f.Relation]
		return c.related(f, sub, func(sc *compiler) (domainTerm, error) {
			return sc.path(parts[1:], op, value, leaf)
		})
	}
	if f.Search != nil && !f.stored() {
		return f.Search(c, op, value)
	}
	if op == "any" || op == "not any" {
		if f.Relation == "" {
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: 'any' needs a relational field.", leafText(leaf))
		}
		sub := c.e.reg.models[f.Relation]
		t, err := c.related(f, sub, func(sc *compiler) (domainTerm, error) { return sc.compile(value) })
		if err != nil {
			return t, err
		}
		if op == "not any" {
			if f.Type == Many2one {
				// A record with no value has none that matches: "col IN
				// (subquery)" is unknown there, so say it (Odoo 17 does).
				return or(not(t), domainTerm{c.column(f) + " IS NULL", nil}), nil
			}
			return not(t), nil
		}
		return t, nil
	}
	if !f.stored() && !f.relationalMany() {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: field %s.%s cannot be searched.", leafText(leaf), c.model.Name, f.Name)
	}
	switch {
	case op == "child_of" || op == "parent_of":
		return c.hierarchy(f, op, value, leaf)
	case f.relationalMany():
		return c.x2many(f, op, value, leaf)
	case f.Type == Many2one:
		if s, ok := value.(string); ok || isStringList(value) {
			// A name instead of an id: match the comodel's names.
			return c.many2oneByName(f, op, s, value, leaf)
		}
	}
	return c.scalar(c.column(f), f, op, value, leaf)
}

func isStringList(v any) bool {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return false
	}
	for _, x := range l {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}

// related compiles a condition on the comodel of f and links it back: a
// many2one through "col IN (subquery)", an x2many through EXISTS.
func (c *compiler) related(f *Field, sub *Model, inner func(*compiler) (domainTerm, error)) (domainTerm, error) {
	if sub == nil {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Field %s.%s points to a model Okapi does not have.", c.model.Name, f.Name)
	}
	sa, sd := c.fresh(), c.fresh()
	sc := c.e.newCompiler(sub, sa, sd, c.n)
	sc.terms = c.terms
	t, err := inner(sc)
	c.terms = sc.terms
	if err != nil {
		return t, err
	}
	where := t.sql
	if where == "" {
		where = "TRUE"
	}
	switch f.Type {
	case Many2one:
		return domainTerm{c.column(f) + " IN (SELECT " + sa + ".id FROM " + fromClause(sub, sa, sd) + " WHERE " + where + ")", t.args}, nil
	case One2many:
		inv := sub.Field(f.Inverse)
		if inv == nil || !inv.stored() {
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "Field %s.%s cannot be searched.", c.model.Name, f.Name)
		}
		return domainTerm{"EXISTS (SELECT 1 FROM " + fromClause(sub, sa, sd) + " WHERE " + sa + "." + inv.Column + " = " + c.alias + ".id AND " + where + ")", t.args}, nil
	case Many2many:
		rel := c.fresh()
		return domainTerm{"EXISTS (SELECT 1 FROM " + f.RelTable + " " + rel + " JOIN " + fromClause(sub, sa, sd) + " ON " + sa + ".id = " + rel + "." + f.RelOther +
			" WHERE " + rel + "." + f.RelCol + " = " + c.alias + ".id AND " + where + ")", t.args}, nil
	}
	return domainTerm{}, okapi.Errorf(okapi.EValueError, "Field %s.%s has no related model to follow.", c.model.Name, f.Name)
}

// x2many compiles a condition directly on a one2many/many2many field:
// ids, False, or names.
func (c *compiler) x2many(f *Field, op string, value any, leaf []any) (domainTerm, error) {
	sub := c.e.reg.models[f.Relation]
	empty := value == false || value == nil
	if l, ok := value.([]any); ok && len(l) == 0 {
		empty = true
	}
	exists := func(inner func(*compiler) (domainTerm, error)) (domainTerm, error) { return c.related(f, sub, inner) }
	anyRow := func(*compiler) (domainTerm, error) { return termTrue, nil }
	switch {
	case empty && (op == "=" || op == "in"):
		t, err := exists(anyRow)
		return not(t), err
	case empty && (op == "!=" || op == "not in"):
		return exists(anyRow)
	}
	var inner func(*compiler) (domainTerm, error)
	positive := true
	switch op {
	case "=", "in", "!=", "not in":
		positive = op == "=" || op == "in"
		if _, isStr := value.(string); isStr || isStringList(value) {
			inner = func(sc *compiler) (domainTerm, error) { return sc.nameMatch("=", value) }
		} else {
			inner = func(sc *compiler) (domainTerm, error) {
				return sc.scalar(sc.alias+".id", sc.model.Field("id"), "in", value, leaf)
			}
		}
	case "like", "ilike", "=like", "=ilike", "not like", "not ilike":
		positive = !strings.HasPrefix(op, "not ")
		pos := strings.TrimPrefix(op, "not ")
		inner = func(sc *compiler) (domainTerm, error) { return sc.nameMatch(pos, value) }
	default:
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: operator %s is not supported on %s fields.", leafText(leaf), pyRepr(op), f.Type)
	}
	t, err := exists(inner)
	if err != nil || positive {
		return t, err
	}
	return not(t), nil
}

// nameMatch matches the records of the compiler's model by display name.
func (c *compiler) nameMatch(op string, value any) (domainTerm, error) {
	f := c.model.Field(recNameField(c.model))
	if f == nil || !f.stored() {
		return termFalse, nil
	}
	if op == "=" {
		if l, ok := value.([]any); ok {
			return c.scalar(c.column(f), f, "in", l, nil)
		}
	}
	return c.scalar(c.column(f), f, op, value, nil)
}

// recNameField is the field holding a model's display name.
func recNameField(m *Model) string {
	if f := m.Field("display_name"); f != nil && f.stored() {
		return "display_name"
	}
	return "name"
}

// many2oneByName compiles a many2one condition given by name(s).
func (c *compiler) many2oneByName(f *Field, op, s string, value any, leaf []any) (domainTerm, error) {
	sub := c.e.reg.models[f.Relation]
	positive := true
	inner := op
	switch op {
	case "!=", "not in":
		positive, inner = false, "="
	case "not like", "not ilike":
		positive, inner = false, strings.TrimPrefix(op, "not ")
	case "in":
		inner = "="
	case "=", "like", "ilike", "=like", "=ilike":
	default:
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: operator %s needs an id, not a name.", leafText(leaf), pyRepr(op))
	}
	_ = s
	t, err := c.related(f, sub, func(sc *compiler) (domainTerm, error) { return sc.nameMatch(inner, value) })
	if err != nil || positive {
		return t, err
	}
	return or(not(t), domainTerm{c.column(f) + " IS NULL", nil}), nil
}

// hierarchy compiles child_of and parent_of through the model's parent field.
func (c *compiler) hierarchy(f *Field, op string, value any, leaf []any) (domainTerm, error) {
	target := c.model
	if f.Name != "id" {
		target = c.e.reg.models[f.Relation]
	}
	if target == nil || target.Parent == "" {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: %s has no parent field for %s.", leafText(leaf), c.model.Name, op)
	}
	ids, err := idList(value)
	if err != nil {
		return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: %s needs record ids.", leafText(leaf), op)
	}
	if len(ids) == 0 {
		return termFalse, nil
	}
	parentCol := target.Field(target.Parent).Column
	in, args := c.e.inIDs("id", ids)
	var cte string
	if op == "child_of" {
		cte = "WITH RECURSIVE h(id) AS (SELECT id FROM " + target.Table + " WHERE " + in + " UNION SELECT x.id FROM " +
			target.Table + " x JOIN h ON x." + parentCol + " = h.id) SELECT id FROM h"
	} else {
		cte = "WITH RECURSIVE h(id, pid) AS (SELECT id, " + parentCol + " FROM " + target.Table + " WHERE " + in + " UNION SELECT x.id, x." +
			parentCol + " FROM " + target.Table + " x JOIN h ON x.id = h.pid) SELECT id FROM h"
	}
	col := c.alias + ".id"
	if f.Name != "id" {
		col = c.column(f)
	}
	if f.relationalMany() {
		sub := target
		return c.related(f, sub, func(sc *compiler) (domainTerm, error) {
			return domainTerm{sc.alias + ".id IN (" + cte + ")", args}, nil
		})
	}
	return domainTerm{col + " IN (" + cte + ")", args}, nil
}

func idList(v any) ([]int64, error) {
	switch x := v.(type) {
	case int64:
		return []int64{x}, nil
	case []any:
		if len(x) > maxInValues {
			return nil, fmt.Errorf("too many ids")
		}
		out := make([]int64, 0, len(x))
		for _, e := range x {
			n, ok := e.(int64)
			if !ok {
				return nil, fmt.Errorf("not an id")
			}
			out = append(out, n)
		}
		return out, nil
	case bool:
		if !x {
			return nil, nil
		}
	}
	return nil, fmt.Errorf("not an id")
}

func placeholders(n int) string { return sqldb.Placeholders(n) }

// inIDs is "col IN (ids)" and its arguments, a long list as one parameter
// (sqldb.In).
func (e *Env) inIDs(col string, ids []int64) (string, []any) {
	return sqldb.In(e.reg.db.Dialect, col, idArgs(ids))
}

// scalar compiles a condition on a column.
func (c *compiler) scalar(col string, f *Field, op string, value any, leaf []any) (domainTerm, error) {
	isNull := value == nil || value == false && f.Type != Boolean
	switch op {
	case "=?":
		if value == nil || value == false {
			return termTrue, nil
		}
		op = "="
	case "child_of", "parent_of":
		return c.hierarchy(f, op, value, leaf)
	}
	switch op {
	case "=", "!=":
		if f.Type == Boolean {
			b, ok := value.(bool)
			if !ok {
				n, isInt := value.(int64)
				if !isInt {
					return domainTerm{}, c.valueError(f, value, leaf)
				}
				b = n != 0
			}
			if (op == "=") == b {
				return domainTerm{col + " = TRUE", nil}, nil
			}
			return domainTerm{"(" + col + " IS NULL OR " + col + " = FALSE)", nil}, nil
		}
		if isNull {
			if op == "=" {
				if f.Type == Char || f.Type == Text || f.Type == HTML || f.Type == Selection {
					return domainTerm{"(" + col + " IS NULL OR " + col + " = '')", nil}, nil
				}
				return domainTerm{col + " IS NULL", nil}, nil
			}
			if f.Type == Char || f.Type == Text || f.Type == HTML || f.Type == Selection {
				return domainTerm{"(" + col + " IS NOT NULL AND " + col + " <> '')", nil}, nil
			}
			return domainTerm{col + " IS NOT NULL", nil}, nil
		}
		v, err := c.coerce(f, value, leaf)
		if err != nil {
			return domainTerm{}, err
		}
		if op == "=" {
			return domainTerm{col + " = ?", []any{v}}, nil
		}
		return domainTerm{"(" + col + " <> ? OR " + col + " IS NULL)", []any{v}}, nil
	case "<", ">", "<=", ">=":
		if isNull {
			return termFalse, nil
		}
		v, err := c.coerce(f, value, leaf)
		if err != nil {
			return domainTerm{}, err
		}
		return domainTerm{col + " " + op + " ?", []any{v}}, nil
	case "in", "not in":
		var list []any
		switch x := value.(type) {
		case []any:
			list = x
		default:
			list = []any{value}
		}
		if len(list) > maxInValues {
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "Too many values in leaf: at most %d.", maxInValues)
		}
		withNull := false
		var args []any
		for _, x := range list {
			if x == nil || x == false && f.Type != Boolean {
				withNull = true
				continue
			}
			v, err := c.coerce(f, x, leaf)
			if err != nil {
				return domainTerm{}, err
			}
			args = append(args, v)
		}
		var t domainTerm
		if len(args) == 0 {
			t = termFalse
		} else {
			sql, a := sqldb.In(c.e.reg.db.Dialect, col, args)
			t = domainTerm{sql, a}
		}
		if withNull {
			t = or(t, domainTerm{col + " IS NULL", nil})
		}
		if op == "not in" {
			if withNull {
				return not(t), nil
			}
			return or(not(t), domainTerm{col + " IS NULL", nil}), nil
		}
		return t, nil
	case "like", "ilike", "not like", "not ilike", "=like", "=ilike":
		s, ok := likeValue(value)
		if !ok {
			return domainTerm{}, c.valueError(f, value, leaf)
		}
		neg := strings.HasPrefix(op, "not ")
		base := strings.TrimPrefix(op, "not ")
		pattern := s
		if base == "like" || base == "ilike" {
			// As Odoo (expression.py 14-17, the field conditions of 18-19):
			// the value goes between two %, its own % and _ still wildcards
			// — real Odoo 16.0 and 17.0 match ('name', 'like', '%_') on
			// every name of two characters or more.
			pattern = "%" + s + "%"
		}
		if len(pattern) > maxLikePattern {
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "The %s pattern on %s.%s is too long (at most %d bytes).", op, c.model.Name, f.Name, maxLikePattern)
		}
		if n := len(pattern) - len(strings.TrimRight(pattern, `\`)); n%2 == 1 {
			// PostgreSQL refuses a pattern ending with its escape character.
			return domainTerm{}, okapi.Errorf(okapi.EValueError, "The %s pattern %s on %s.%s ends with the escape character '\\'.", op, pyRepr(s), c.model.Name, f.Name)
		}
		target := col
		if f.Type != Char && f.Type != Text && f.Type != HTML && f.Type != Selection {
			target = "CAST(" + col + " AS TEXT)"
		}
		var cond string
		if base == "ilike" || base == "=ilike" {
			cond = c.e.reg.db.Dialect.ILike(target, "?")
		} else {
			cond = c.e.reg.db.Dialect.Like(target, "?")
		}
		t := domainTerm{cond, []any{pattern}}
		if neg {
			return or(not(t), domainTerm{col + " IS NULL", nil}), nil
		}
		return t, nil
	}
	return domainTerm{}, okapi.Errorf(okapi.EValueError, "Invalid leaf %s: operator %s is not supported here.", leafText(leaf), pyRepr(op))
}

func likeValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// EscapeLike makes a value match literally inside a LIKE pattern (and in
// the domain operators like, ilike, =like, =ilike).
func EscapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func (c *compiler) valueError(f *Field, v any, leaf []any) error {
	if leaf != nil {
		return okapi.Errorf(okapi.EValueError, "Invalid value %s for %s field %s.%s in leaf %s", pyRepr(v), f.Type, c.model.Name, f.Name, leafText(leaf))
	}
	return okapi.Errorf(okapi.EValueError, "Invalid value %s for %s field %s.%s", pyRepr(v), f.Type, c.model.Name, f.Name)
}

// coerce converts a domain value to what the column compares with.
func (c *compiler) coerce(f *Field, v any, leaf []any) (any, error) {
	switch f.Type {
	case Integer, Many2one, One2many, Many2many:
		if n, ok := toInt(v); ok {
			return n, nil
		}
	case Float, Monetary:
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if n, err := strconv.ParseFloat(x, 64); err == nil {
				return n, nil
			}
		}
	case Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	case Date, Datetime:
		if t, ok := v.(time.Time); ok {
			// An XML-RPC <dateTime.iso8601>, which Odoo reads as a
			// datetime: the same instant as Odoo's string.
			v = t.UTC().Format("2006-01-02 15:04:05")
		}
		if s, ok := v.(string); ok {
			t, err := f.timeValue(s)
			if err == nil {
				return t, nil
			}
		}
	default:
		if s, ok := likeValue(v); ok {
			return s, nil
		}
		if b, ok := v.(bool); ok && b {
			return "True", nil
		}
	}
	return nil, c.valueError(f, v, leaf)
}
