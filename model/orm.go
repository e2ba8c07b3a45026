package model

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
)

// query is a SELECT being built: FROM, WHERE and its arguments.
type query struct {
	c     *compiler
	where domainTerm
}

// baseQuery returns the FROM/WHERE for op on m: the domain, the record rules
// and, unless the domain speaks of "active" or the context turns it off,
// only active records.
func (e *Env) baseQuery(m *Model, domain any, op string, activeFilter bool) (*query, error) {
	c := e.newCompiler(m, "t", "d", nil)
	t, err := c.compile(domain)
	if err != nil {
		return nil, err
	}
	rules, err := e.ruleTerm(c, m, op)
	if err != nil {
		return nil, err
	}
	parts := []domainTerm{t, rules}
	if activeFilter && m.active && e.activeTest() && !mentionsActive(domain) {
		parts = append(parts, domainTerm{c.column(m.Field("active")) + " = TRUE", nil})
	}
	return &query{c: c, where: and(parts...)}, nil
}

func mentionsActive(domain any) bool {
	l, ok := domain.([]any)
	if !ok {
		return false
	}
	for _, it := range l {
		if leaf, ok := it.([]any); ok && len(leaf) == 3 && leaf[0] == "active" {
			return true
		}
	}
	return false
}

func (q *query) from() string {
	return fromClause(q.c.model, q.c.alias, q.c.dalias)
}

// orderBy compiles an "order" specification against the model's stored
// fields; anything else is refused, so the text never reaches SQL.
func (e *Env) orderBy(c *compiler, m *Model, order string) (string, error) {
	if strings.TrimSpace(order) == "" {
		order = m.Order
	} else if !orderSyntax(e.reg.profile.Version).MatchString(order) || strings.HasSuffix(order, ",") {
		// Odoo's _check_qorder: a UserError (fault 2), before any field.
		return "", &okapi.Error{Code: okapi.EUser, Message: badOrder(order).(*okapi.Error).Message}
	}
	if order == "" {
		order = "id"
	}
	items := strings.Split(order, ",")
	if len(items) > maxOrderTerms {
		// SQLite refuses more than 2000 terms; no real order needs 100.
		return "", badOrder(order)
	}
	var parts []string
	for _, item := range items {
		words := strings.Fields(item)
		if len(words) == 0 || len(words) > 4 {
			return "", badOrder(order)
		}
		f := m.Field(words[0])
		if f == nil && !strings.HasPrefix(words[0], `"`) {
			// What Odoo's ORM says of a name it does not have (models.py
			// 14.0-19.0; real Odoo 16.0 and 17.0 for "no_such desc").
			return "", okapi.Errorf(okapi.EValueError, "Invalid field %s on model %s", pyRepr(words[0]), pyRepr(m.Name))
		}
		if f == nil || f.Hidden || (!f.stored() && f.Name != "display_name") || f.relationalMany() || f.Type == Binary {
			return "", badOrder(order)
		}
		if f.Name == "display_name" && !f.stored() {
			f = m.Field(recNameField(m))
			if f == nil || !f.stored() {
				return "", badOrder(order)
			}
		}
		dir := "ASC"
		nulls := ""
		rest := words[1:]
		if len(rest) > 0 {
			switch strings.ToLower(rest[0]) {
			case "asc":
				rest = rest[1:]
			case "desc":
				dir = "DESC"
				rest = rest[1:]
			}
		}
		if len(rest) == 2 && strings.EqualFold(rest[0], "nulls") && (strings.EqualFold(rest[1], "first") || strings.EqualFold(rest[1], "last")) {
			nulls = strings.ToUpper(rest[1])
			rest = nil
		}
		if len(rest) != 0 {
			return "", badOrder(order)
		}
		expr := c.column(f)
		if f.Type == Many2one {
			// Odoo orders a many2one by the comodel's name.
			if sub := e.reg.models[f.Relation]; sub != nil {
				if nf := sub.Field(recNameField(sub)); nf != nil && nf.stored() {
					sa, sd := c.fresh(), c.fresh()
					sc := e.newCompiler(sub, sa, sd, c.n)
					expr = "(SELECT " + sc.column(nf) + " FROM " + fromClause(sub, sa, sd) + " WHERE " + sa + ".id = " + expr + ")"
				}
			}
		}
		parts = append(parts, e.reg.db.Dialect.OrderTerm(expr, dir == "DESC", nulls, f.Name == "id"))
	}
	return strings.Join(parts, ", "), nil
}

// orderSyntax is Odoo's regex_order for a version (odoo/models.py): field
// names, an optional direction, from 16 an optional ".id", from 17 an
// optional ".property", ":func" and "nulls first|last". Go's regexp has no
// look-behind for Odoo's "(?<!,)$": the caller refuses a trailing comma.
func orderSyntax(version int) *regexp.Regexp {
	switch {
	case version >= 17:
		return orderSyntax17
	case version == 16:
		return orderSyntax16
	}
	return orderSyntax14
}

var (
	orderSyntax14 = regexp.MustCompile(`(?i)^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\s+(desc|asc))?\s*(,|$))+$`)
	orderSyntax16 = regexp.MustCompile(`(?i)^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\.id)?(\s+(desc|asc))?\s*(,|$))+$`)
	orderSyntax17 = regexp.MustCompile(`(?i)^(\s*(([a-z0-9_]+|"[a-z0-9_]+")(\.[a-z0-9_]+)?(:[a-z_]+)?)(\s+(desc|asc))?(\s+(nulls first|nulls last))?\s*(,|$))+$`)
)

// maxOrderTerms bounds the fields an order may name.
const maxOrderTerms = 100

func badOrder(order string) error {
	return okapi.Errorf(okapi.EValueError, "Invalid \"order\" specified (%s). A valid \"order\" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)", order)
}

// searchIDs runs a search and returns ids.
func (e *Env) searchIDs(m *Model, domain any, offset, limit int64, order string) ([]int64, error) {
	q, err := e.baseQuery(m, domain, opRead, true)
	if err != nil {
		return nil, err
	}
	ob, err := e.orderBy(q.c, m, order)
	if err != nil {
		return nil, err
	}
	return e.queryIDs("SELECT t.id FROM "+q.from()+" WHERE "+q.where.sql+" ORDER BY "+ob+limitClause(offset, limit), q.where.args...)
}

func limitClause(offset, limit int64) string {
	s := ""
	if limit >= 0 {
		s += " LIMIT " + strconv.FormatInt(limit, 10)
	} else if offset > 0 {
		// SQLite needs a LIMIT before OFFSET, and PostgreSQL refuses a
		// negative one: the largest bigint means "no limit" to both.
		s += " LIMIT 9223372036854775807"
	}
	if offset > 0 {
		s += " OFFSET " + strconv.FormatInt(offset, 10)
	}
	return s
}

// searchCount counts the records matching domain.
func (e *Env) searchCount(m *Model, domain any, limit int64) (int64, error) {
	q, err := e.baseQuery(m, domain, opRead, true)
	if err != nil {
		return 0, err
	}
	sqlText := "SELECT COUNT(*) FROM " + q.from() + " WHERE " + q.where.sql
	if limit >= 0 {
		sqlText = "SELECT COUNT(*) FROM (SELECT t.id FROM " + q.from() + " WHERE " + q.where.sql + " LIMIT " + strconv.FormatInt(limit, 10) + ") x"
	}
	var n int64
	err = e.q.QueryRow(e.ctx, sqlText, q.where.args...).Scan(&n)
	return n, err
}

// readPlan says which fields a read returns.
type readPlan struct {
	fields []*Field
	load   bool // many2one as [id, name]
}

// plan checks the requested field names. No names means every field the
// user may read.
func (e *Env) plan(m *Model, names []string, load bool) (*readPlan, error) {
	p := &readPlan{load: load}
	if len(names) == 0 {
		for _, f := range m.Fields {
			if !f.Hidden && f.Name != "id" {
				p.fields = append(p.fields, f)
			}
		}
		return p, nil
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "id" || seen[n] {
			continue
		}
		seen[n] = true
		f := m.Field(n)
		if f == nil || f.Hidden {
			return nil, okapi.Errorf(okapi.EValueError, "Invalid field %s on model %s", pyRepr(n), pyRepr(m.Name))
		}
		p.fields = append(p.fields, f)
	}
	return p, nil
}

// readRows runs the SELECT of a plan and returns records in query order.
func (e *Env) readRows(q *query, p *readPlan, tail string) ([]okapi.Struct, []int64, error) {
	cols := []string{"t.id"}
	var stored []*Field
	for _, f := range p.fields {
		if f.stored() {
			cols = append(cols, q.c.column(f))
			stored = append(stored, f)
		}
	}
	sqlText := "SELECT " + strings.Join(cols, ", ") + " FROM " + q.from() + " WHERE " + q.where.sql + tail
	rows, err := e.q.Query(e.ctx, sqlText, q.where.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	dests := make([]any, len(stored)+1)
	var id int64
	dests[0] = &id
	for i, f := range stored {
		dests[i+1] = f.scanDest()
	}
	var recs []okapi.Struct
	var ids []int64
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return nil, nil, err
		}
		rec := make(okapi.Struct, 0, len(p.fields)+1)
		rec = append(rec, okapi.Member{Name: "id", Value: id})
		si := 0
		for _, f := range p.fields {
			if f.stored() {
				si++
				rec = append(rec, okapi.Member{Name: f.Name, Value: f.readValue(dests[si])})
			} else {
				rec = append(rec, okapi.Member{Name: f.Name, Value: false})
			}
		}
		recs = append(recs, rec)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if err := e.complete(q.c.model, p, recs, ids); err != nil {
		return nil, nil, err
	}
	return recs, ids, nil
}

// complete fills what the main SELECT cannot: many2one names, x2many ids and
// computed fields, each with one query per field for all records.
func (e *Env) complete(m *Model, p *readPlan, recs []okapi.Struct, ids []int64) error {
	if len(recs) == 0 {
		return nil
	}
	for fi, f := range p.fields {
		col := fi + 1
		switch {
		case f.Type == Many2one && f.stored():
			if !p.load {
				continue
			}
			refs := map[int64]bool{}
			for _, r := range recs {
				if id, ok := r[col].Value.(int64); ok {
					refs[id] = true
				}
			}
			names, err := e.displayNames(f.Relation, keys(refs))
			if err != nil {
				return err
			}
			for _, r := range recs {
				if id, ok := r[col].Value.(int64); ok {
					r[col].Value = []any{id, names[id]}
				}
			}
		case f.Compute != nil:
			vals, err := f.Compute(e, ids)
			if err != nil {
				return err
			}
			for i, r := range recs {
				v, ok := vals[ids[i]]
				if !ok {
					v = emptyValue(f)
				}
				if n, isInt := v.(int64); isInt && f.Type == Boolean {
					// SQLite gives booleans as integers.
					v = n != 0
				}
				if f.Type == Many2one && p.load {
					if id, ok := v.(int64); ok {
						names, err := e.displayNames(f.Relation, []int64{id})
						if err != nil {
							return err
						}
						v = []any{id, names[id]}
					}
				}
				r[col].Value = v
			}
		case f.relationalMany():
			lists, err := e.x2manyIDs(f, ids)
			if err != nil {
				return err
			}
			for i, r := range recs {
				l := lists[ids[i]]
				if l == nil {
					l = []int64{}
				}
				r[col].Value = l
			}
		}
	}
	return nil
}

func emptyValue(f *Field) any {
	switch f.Type {
	case One2many, Many2many:
		return []int64{}
	case Integer:
		return int64(0)
	case Float, Monetary:
		return float64(0)
	}
	return false
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// displayNames returns records' display names. Like Odoo, it ignores
// rights: seeing a reference's name does not need read access to it.
func (e *Env) displayNames(model string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	m := e.reg.models[model]
	if m == nil || len(ids) == 0 {
		return out, nil
	}
	f := m.Field(recNameField(m))
	if f == nil {
		return out, nil
	}
	if !f.stored() {
		if f.Compute == nil {
			return out, nil
		}
		vals, err := f.Compute(e, ids)
		if err != nil {
			return nil, err
		}
		for id, v := range vals {
			if s, ok := v.(string); ok {
				out[id] = s
			}
		}
		return out, nil
	}
	c := e.newCompiler(m, "t", "d", nil)
	in, args := e.inIDs("t.id", ids)
	rows, err := e.q.Query(e.ctx, "SELECT t.id, "+c.column(f)+" FROM "+fromClause(m, "t", "d")+" WHERE "+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name nullString
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name.V
	}
	return out, rows.Err()
}

// x2manyIDs returns, per record, the ids an x2many field holds.
func (e *Env) x2manyIDs(f *Field, ids []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	var sqlText string
	var args []any
	switch f.Type {
	case Many2many:
		var in string
		in, args = e.inIDs(f.RelCol, ids)
		sqlText = "SELECT " + f.RelCol + ", " + f.RelOther + " FROM " + f.RelTable + " WHERE " + in + " ORDER BY " + f.RelOther
	case One2many:
		sub := e.reg.models[f.Relation]
		inv := sub.Field(f.Inverse)
		if inv == nil || !inv.stored() {
			return out, nil
		}
		cond := ""
		if sub.active && e.activeTest() {
			cond = " AND active = TRUE"
		}
		var in string
		in, args = e.inIDs(inv.Column, ids)
		sqlText = "SELECT " + inv.Column + ", id FROM " + sub.Table + " WHERE " + in + cond + " ORDER BY id"
	}
	rows, err := e.q.Query(e.ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var owner, id int64
		if err := rows.Scan(&owner, &id); err != nil {
			return nil, err
		}
		out[owner] = append(out[owner], id)
	}
	return out, rows.Err()
}

// read returns records by id, in the order asked, dropping ids that do not
// exist (Odoo's read() does). Records that exist but that a rule hides are
// an access error.
func (e *Env) read(m *Model, ids []int64, names []string, load bool) ([]okapi.Struct, error) {
	if err := e.checkAccess(m, opRead); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []okapi.Struct{}, nil
	}
	p, err := e.plan(m, names, load)
	if err != nil {
		return nil, err
	}
	q, err := e.baseQuery(m, nil, opRead, false)
	if err != nil {
		return nil, err
	}
	uniq := uniqueIDs(ids)
	in, inArgs := e.inIDs("t.id", uniq)
	q.where = and(domainTerm{in, inArgs}, q.where)
	recs, got, err := e.readRows(q, p, "")
	if err != nil {
		return nil, err
	}
	if len(got) < len(uniq) {
		if hidden, err := e.existing(m, uniq, got); err != nil {
			return nil, err
		} else if len(hidden) > 0 {
			return nil, e.ruleError(m, opRead, hidden)
		}
	}
	byID := make(map[int64]okapi.Struct, len(recs))
	for i, id := range got {
		byID[id] = recs[i]
	}
	out := make([]okapi.Struct, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// existing returns the ids of want that exist but are not in got.
func (e *Env) existing(m *Model, want, got []int64) ([]int64, error) {
	rest := without(want, got)
	if len(rest) == 0 {
		return nil, nil
	}
	in, args := e.inIDs("id", rest)
	return e.queryIDs("SELECT id FROM "+m.Table+" WHERE "+in, args...)
}

// without returns the ids of ids that are not in drop, in their order.
func without(ids, drop []int64) []int64 {
	gone := make(map[int64]bool, len(drop))
	for _, id := range drop {
		gone[id] = true
	}
	var out []int64
	for _, id := range ids {
		if !gone[id] {
			out = append(out, id)
		}
	}
	return out
}

// searchRead is search and read in one query.
func (e *Env) searchRead(m *Model, domain any, names []string, offset, limit int64, order string, load bool) ([]okapi.Struct, error) {
	if err := e.checkAccess(m, opRead); err != nil {
		return nil, err
	}
	p, err := e.plan(m, names, load)
	if err != nil {
		return nil, err
	}
	q, err := e.baseQuery(m, domain, opRead, true)
	if err != nil {
		return nil, err
	}
	ob, err := e.orderBy(q.c, m, order)
	if err != nil {
		return nil, err
	}
	recs, _, err := e.readRows(q, p, " ORDER BY "+ob+limitClause(offset, limit))
	if recs == nil && err == nil {
		recs = []okapi.Struct{}
	}
	return recs, err
}

// recordsText renders ids as Python shows a recordset: res.partner(7,).
func recordsText(model string, ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	s := strings.Join(parts, ", ")
	if len(ids) == 1 {
		s += ","
	}
	return model + "(" + s + ")"
}

// missingError is Odoo's MissingError for records that are gone.
func (e *Env) missingError(m *Model, ids []int64) error {
	return okapi.Errorf(okapi.EMissing, "Record does not exist or has been deleted.\n(Record: %s, User: %d)", recordsText(m.Name, ids), e.User.ID)
}

// checkRecords makes sure every id exists (MissingError) and that the rules
// for op allow it (AccessError).
func (e *Env) checkRecords(m *Model, ids []int64, op string) error {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	found, err := e.existing(m, ids, nil)
	if err != nil {
		return err
	}
	if len(found) < len(ids) {
		return e.missingError(m, without(ids, found))
	}
	if e.sudo || len(m.Rules) == 0 {
		return nil
	}
	q, err := e.baseQuery(m, nil, op, false)
	if err != nil {
		return err
	}
	in, args := e.inIDs("t.id", ids)
	q.where = and(domainTerm{in, args}, q.where)
	allowed, err := e.queryIDs("SELECT t.id FROM "+q.from()+" WHERE "+q.where.sql, q.where.args...)
	if err != nil {
		return err
	}
	if len(allowed) < len(ids) {
		return e.ruleError(m, op, without(ids, allowed))
	}
	return nil
}

// splitVals sorts write values into main-table columns, inherits-table
// columns and x2many commands, converting each value; unknown fields are an
// error, computed fields are ignored as in Odoo.
type splitVals struct {
	main, delegated map[string]any
	x2many          map[*Field]any
}

func (e *Env) split(m *Model, vals map[string]any) (*splitVals, error) {
	s := &splitVals{main: map[string]any{}, delegated: map[string]any{}, x2many: map[*Field]any{}}
	for name, v := range vals {
		f := m.Field(name)
		if f == nil {
			return nil, okapi.Errorf(okapi.EValueError, "Invalid field %s on model %s", pyRepr(name), pyRepr(m.Name))
		}
		switch {
		case f.relationalMany():
			if f.Type == One2many && f.Inverse == "" {
				continue
			}
			s.x2many[f] = v
		case !f.stored() || f.Name == "id":
			continue
		default:
			cv, err := f.writeValue(v)
			if err != nil {
				return nil, err
			}
			if f.Delegated {
				s.delegated[f.Column] = cv
			} else {
				s.main[f.Column] = cv
			}
		}
	}
	return s, nil
}

// insert writes one row into table and returns its id.
func (e *Env) insert(table string, cols map[string]any) (int64, error) {
	names := make([]string, 0, len(cols))
	for c := range cols {
		names = append(names, c)
	}
	sort.Strings(names)
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = cols[n]
	}
	var id int64
	var q string
	if len(names) == 0 {
		q = "INSERT INTO " + table + " DEFAULT VALUES RETURNING id"
	} else {
		q = "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" + placeholders(len(names)) + ") RETURNING id"
	}
	if e.tx == nil {
		return 0, errors.New("model: insert outside a transaction")
	}
	err := e.tx.QueryRow(e.ctx, q, args...).Scan(&id)
	return id, e.constraintError(err)
}

// update writes columns of rows of table.
func (e *Env) update(table string, ids []int64, cols map[string]any) error {
	if len(cols) == 0 || len(ids) == 0 {
		return nil
	}
	names := make([]string, 0, len(cols))
	for c := range cols {
		names = append(names, c)
	}
	sort.Strings(names)
	sets := make([]string, len(names))
	args := make([]any, 0, len(names)+len(ids))
	for i, n := range names {
		sets[i] = n + " = ?"
		args = append(args, cols[n])
	}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := e.exec("UPDATE "+table+" SET "+strings.Join(sets, ", ")+" WHERE id IN ("+placeholders(len(ids))+")", args...)
	return e.constraintError(err)
}

// constraintError words a database constraint failure as Odoo does.
func (e *Env) constraintError(err error) error {
	if err != nil && e.reg.db.Dialect.IsConstraint(err) {
		return okapi.Errorf(okapi.EValidation, "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.")
	}
	return err
}

// create makes one record and returns its id.
func (e *Env) create(m *Model, vals map[string]any) (int64, error) {
	if vals == nil {
		vals = map[string]any{}
	}
	for _, f := range m.Fields {
		if _, ok := vals[f.Name]; !ok && f.Default != nil {
			vals[f.Name] = f.Default(e)
		}
	}
	if m.BeforeCreate != nil {
		if err := m.BeforeCreate(e, vals); err != nil {
			return 0, err
		}
	}
	var id int64
	if m.Create != nil {
		var err error
		if id, err = m.Create(e, vals); err != nil {
			return 0, err
		}
	} else {
		s, err := e.split(m, vals)
		if err != nil {
			return 0, err
		}
		for _, f := range m.Fields {
			if f.Required && f.stored() && !f.Delegated && f.Name != "id" {
				if v, ok := s.main[f.Column]; !ok || v == nil {
					return 0, okapi.Errorf(okapi.EValidation, "The operation cannot be completed: Missing required value for the field '%s' (%s).\nModel: %s (%s)", f.String, f.Name, m.Description, m.Name)
				}
			}
		}
		e.stamp(m, s.main, true)
		if id, err = e.insert(m.Table, s.main); err != nil {
			return 0, err
		}
		if err := e.applyX2many(m, []int64{id}, s.x2many); err != nil {
			return 0, err
		}
	}
	if !e.sudo && len(m.Rules) > 0 {
		if err := e.checkRecords(m, []int64{id}, opCreate); err != nil {
			return 0, err
		}
	}
	if m.AfterCreate != nil {
		if err := m.AfterCreate(e, id, vals); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// stamp sets the audit columns Odoo keeps on most models.
func (e *Env) stamp(m *Model, cols map[string]any, creating bool) {
	now := e.nowText()
	if m.Field("write_date") != nil && m.Field("write_date").stored() {
		cols["write_date"] = now
	}
	if m.Field("write_uid") != nil && m.Field("write_uid").stored() {
		cols["write_uid"] = e.User.ID
	}
	if creating {
		if f := m.Field("create_date"); f != nil && f.stored() {
			cols["create_date"] = now
		}
		if f := m.Field("create_uid"); f != nil && f.stored() {
			cols["create_uid"] = e.User.ID
		}
	}
}

// write changes records.
func (e *Env) write(m *Model, ids []int64, vals map[string]any) error {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	if err := e.checkRecords(m, ids, opWrite); err != nil {
		return err
	}
	if m.BeforeWrite != nil {
		if err := m.BeforeWrite(e, ids, vals); err != nil {
			return err
		}
	}
	s, err := e.split(m, vals)
	if err != nil {
		return err
	}
	for _, f := range m.Fields {
		if f.Required && f.stored() && f.Name != "id" {
			if v, ok := vals[f.Name]; ok && (v == nil || v == false) && f.Type != Boolean {
				return okapi.Errorf(okapi.EValidation, "The operation cannot be completed: Missing required value for the field '%s' (%s).\nModel: %s (%s)", f.String, f.Name, m.Description, m.Name)
			}
		}
	}
	if len(s.main) > 0 || len(s.delegated) > 0 || len(s.x2many) > 0 {
		e.stamp(m, s.main, false)
	}
	if err := e.update(m.Table, ids, s.main); err != nil {
		return err
	}
	if len(s.delegated) > 0 {
		targets, err := e.inheritsIDs(m, ids)
		if err != nil {
			return err
		}
		s.delegated["write_date"] = e.nowText()
		if err := e.update(m.InheritsTable, targets, s.delegated); err != nil {
			return err
		}
	}
	if err := e.applyX2many(m, ids, s.x2many); err != nil {
		return err
	}
	if m.AfterWrite != nil {
		return m.AfterWrite(e, ids, vals)
	}
	return nil
}

func (e *Env) inheritsIDs(m *Model, ids []int64) ([]int64, error) {
	col := m.Field(m.Inherits).Column
	in, args := e.inIDs("id", ids)
	return e.queryIDs("SELECT "+col+" FROM "+m.Table+" WHERE "+in, args...)
}

// unlink deletes records.
func (e *Env) unlink(m *Model, ids []int64) error {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	if err := e.checkRecords(m, ids, opUnlink); err != nil {
		return err
	}
	if m.BeforeUnlink != nil {
		if err := m.BeforeUnlink(e, ids); err != nil {
			return err
		}
	}
	if m.Unlink != nil {
		return m.Unlink(e, ids)
	}
	in, args := e.inIDs("id", ids)
	_, err := e.exec("DELETE FROM "+m.Table+" WHERE "+in, args...)
	return e.constraintError(err)
}

// applyX2many runs Odoo's x2many commands on records ids.
func (e *Env) applyX2many(m *Model, ids []int64, cmds map[*Field]any) error {
	for f, v := range cmds {
		list, ok := v.([]any)
		if !ok {
			if v == false || v == nil {
				list = []any{[]any{int64(5)}}
			} else {
				return okapi.Errorf(okapi.EValueError, "Wrong value for %s.%s: %s", m.Name, f.Name, pyRepr(v))
			}
		}
		// A bare list of ids replaces the links (the old many2many form).
		if len(list) > 0 {
			if _, isID := list[0].(int64); isID {
				list = []any{[]any{int64(6), int64(0), list}}
			}
		}
		for _, id := range ids {
			for _, c := range list {
				if err := e.x2manyCommand(m, f, id, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (e *Env) x2manyCommand(m *Model, f *Field, owner int64, cmd any) error {
	c, ok := cmd.([]any)
	if !ok || len(c) == 0 {
		return okapi.Errorf(okapi.EValueError, "Invalid command %s for %s.%s", pyRepr(cmd), m.Name, f.Name)
	}
	code, ok := toInt(c[0])
	if !ok {
		return okapi.Errorf(okapi.EValueError, "Invalid command %s for %s.%s", pyRepr(cmd), m.Name, f.Name)
	}
	sub := e.reg.models[f.Relation]
	if sub == nil {
		return okapi.Errorf(okapi.EValueError, "Field %s.%s points to a model Okapi does not have.", m.Name, f.Name)
	}
	arg := func(i int) any {
		if i < len(c) {
			return c[i]
		}
		return nil
	}
	recID := func() (int64, error) {
		id, ok := toInt(arg(1))
		if !ok || id <= 0 {
			return 0, okapi.Errorf(okapi.EValueError, "Invalid command %s for %s.%s: a record id is needed.", pyRepr(cmd), m.Name, f.Name)
		}
		return id, nil
	}
	valsOf := func(i int) (map[string]any, error) {
		switch v := arg(i).(type) {
		case map[string]any:
			return v, nil
		case nil:
			return map[string]any{}, nil
		}
		return nil, okapi.Errorf(okapi.EValueError, "Invalid command %s for %s.%s: values must be a dict.", pyRepr(cmd), m.Name, f.Name)
	}
	switch code {
	case 0: // create
		vals, err := valsOf(2)
		if err != nil {
			return err
		}
		if f.Type == One2many {
			vals[f.Inverse] = owner
		}
		if err := e.checkAccess(sub, opCreate); err != nil {
			return err
		}
		id, err := e.create(sub, vals)
		if err != nil {
			return err
		}
		if f.Type == Many2many {
			return e.link(f, owner, id)
		}
		return nil
	case 1: // update
		id, err := recID()
		if err != nil {
			return err
		}
		vals, err := valsOf(2)
		if err != nil {
			return err
		}
		if err := e.checkAccess(sub, opWrite); err != nil {
			return err
		}
		return e.write(sub, []int64{id}, vals)
	case 2: // delete
		id, err := recID()
		if err != nil {
			return err
		}
		if err := e.checkAccess(sub, opUnlink); err != nil {
			return err
		}
		return e.unlink(sub, []int64{id})
	case 3: // unlink
		id, err := recID()
		if err != nil {
			return err
		}
		if f.Type == Many2many {
			_, err := e.exec("DELETE FROM "+f.RelTable+" WHERE "+f.RelCol+" = ? AND "+f.RelOther+" = ?", owner, id)
			return err
		}
		return e.setInverse(sub, f, []int64{id}, nil)
	case 4: // link
		id, err := recID()
		if err != nil {
			return err
		}
		if err := e.checkRecords(sub, []int64{id}, opRead); err != nil {
			return err
		}
		if f.Type == Many2many {
			return e.link(f, owner, id)
		}
		return e.setInverse(sub, f, []int64{id}, owner)
	case 5: // clear
		if f.Type == Many2many {
			_, err := e.exec("DELETE FROM "+f.RelTable+" WHERE "+f.RelCol+" = ?", owner)
			return err
		}
		inv := sub.Field(f.Inverse)
		_, err := e.exec("UPDATE "+sub.Table+" SET "+inv.Column+" = NULL WHERE "+inv.Column+" = ?", owner)
		return e.constraintError(err)
	case 6: // replace
		ids, err := idList(arg(2))
		if err != nil {
			return okapi.Errorf(okapi.EValueError, "Invalid command %s for %s.%s: a list of ids is needed.", pyRepr(cmd), m.Name, f.Name)
		}
		if err := e.checkRecords(sub, ids, opRead); err != nil {
			return err
		}
		if f.Type == Many2many {
			if _, err := e.exec("DELETE FROM "+f.RelTable+" WHERE "+f.RelCol+" = ?", owner); err != nil {
				return err
			}
			for _, id := range uniqueIDs(ids) {
				if err := e.link(f, owner, id); err != nil {
					return err
				}
			}
			return nil
		}
		inv := sub.Field(f.Inverse)
		if _, err := e.exec("UPDATE "+sub.Table+" SET "+inv.Column+" = NULL WHERE "+inv.Column+" = ?", owner); err != nil {
			return e.constraintError(err)
		}
		return e.setInverse(sub, f, ids, owner)
	}
	return okapi.Errorf(okapi.EValueError, "Invalid command %s for %s.%s", pyRepr(cmd), m.Name, f.Name)
}

func (e *Env) link(f *Field, owner, id int64) error {
	var n int
	if err := e.tx.QueryRow(e.ctx, "SELECT COUNT(*) FROM "+f.RelTable+" WHERE "+f.RelCol+" = ? AND "+f.RelOther+" = ?", owner, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := e.exec("INSERT INTO "+f.RelTable+" ("+f.RelCol+", "+f.RelOther+") VALUES (?, ?)", owner, id)
	return e.constraintError(err)
}

func (e *Env) setInverse(sub *Model, f *Field, ids []int64, owner any) error {
	if len(ids) == 0 {
		return nil
	}
	inv := sub.Field(f.Inverse)
	args := []any{owner}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := e.exec("UPDATE "+sub.Table+" SET "+inv.Column+" = ? WHERE id IN ("+placeholders(len(ids))+")", args...)
	return e.constraintError(err)
}

// fieldsGet describes the model's fields.
func (e *Env) fieldsGet(m *Model, allfields []string, attributes []string) (okapi.Struct, error) {
	var attrs map[string]bool
	if len(attributes) > 0 {
		attrs = map[string]bool{}
		for _, a := range attributes {
			attrs[a] = true
		}
	}
	want := map[string]bool{}
	for _, n := range allfields {
		want[n] = true
	}
	out := okapi.Struct{}
	for _, f := range m.Fields {
		if f.Hidden || (len(want) > 0 && !want[f.Name]) {
			continue
		}
		out = append(out, okapi.Member{Name: f.Name, Value: f.describe(attrs)})
	}
	return out, nil
}

// nameSearch is Odoo's name_search: records whose name matches, as
// [id, display_name] pairs.
func (e *Env) nameSearch(m *Model, name string, domain any, op string, limit int64) ([]any, error) {
	if err := e.checkAccess(m, opRead); err != nil {
		return nil, err
	}
	full := domain
	if name != "" || (op != "ilike" && op != "like" && op != "=ilike" && op != "=like") {
		leaf := []any{recNameField(m), op, name}
		if dl, ok := domain.([]any); ok && len(dl) > 0 {
			full = append([]any{"&", leaf}, dl...)
		} else {
			full = []any{leaf}
		}
	}
	ids, err := e.searchIDs(m, full, 0, limit, "")
	if err != nil {
		return nil, err
	}
	return e.namePairs(m, ids)
}

// namePairs returns [[id, display name], …] in the order of ids, the shape
// of name_search and name_get.
func (e *Env) namePairs(m *Model, ids []int64) ([]any, error) {
	names, err := e.displayNames(m.Name, ids)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = []any{id, names[id]}
	}
	return out, nil
}

// defaultGet returns the default values of the asked fields.
func (e *Env) defaultGet(m *Model, names []string) (okapi.Struct, error) {
	out := okapi.Struct{}
	for _, n := range names {
		f := m.Field(n)
		if f == nil || f.Default == nil {
			continue
		}
		out = append(out, okapi.Member{Name: n, Value: f.Default(e)})
	}
	return out, nil
}

// idsArg reads the ids of a record method: an id or a list of ids.
func idsArg(v any) ([]int64, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return []int64{x}, nil
	case bool:
		if !x {
			return nil, nil
		}
	case []any:
		if len(x) > maxInValues {
			return nil, okapi.Errorf(okapi.EValueError, "Too many record ids: at most %d.", maxInValues)
		}
		out := make([]int64, 0, len(x))
		for _, e := range x {
			n, ok := e.(int64)
			if !ok {
				if f, isF := e.(float64); isF && f == float64(int64(f)) {
					n = int64(f)
				} else {
					return nil, okapi.Errorf(okapi.EValueError, "Invalid record ids %s: ids are integers.", pyRepr(v))
				}
			}
			out = append(out, n)
		}
		return out, nil
	}
	return nil, okapi.Errorf(okapi.EValueError, "Invalid record ids %s: ids are integers.", pyRepr(v))
}

// idArgs makes ids into query arguments.
func idArgs(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// queryIDs runs a query whose rows are single ids.
func (e *Env) queryIDs(q string, args ...any) ([]int64, error) {
	rows, err := e.q.Query(e.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
