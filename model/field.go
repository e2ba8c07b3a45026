package model

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/sqldb"
)

// Field types, named as Odoo names them.
const (
	Char      = "char"
	Text      = "text"
	HTML      = "html"
	Integer   = "integer"
	Float     = "float"
	Monetary  = "monetary"
	Boolean   = "boolean"
	Date      = "date"
	Datetime  = "datetime"
	Selection = "selection"
	Many2one  = "many2one"
	One2many  = "one2many"
	Many2many = "many2many"
	Binary    = "binary"
)

// Field describes one field of a model.
type Field struct {
	Name     string
	Type     string
	String   string
	Help     string
	Required bool
	Readonly bool
	// Column is the SQL column holding the value; empty for computed
	// fields.
	Column string
	// Delegated fields live on the record that the model's inherits
	// many2one points to (res.users name and email live on the partner).
	Delegated bool
	// Relation is the comodel of a relational field.
	Relation string
	// Inverse is, for a one2many, the many2one on the comodel; for a
	// computed one2many without a column, the query is Compute's job.
	Inverse string
	// Many2many storage: table, column pointing here, column pointing
	// at the comodel.
	RelTable, RelCol, RelOther string
	// Selection choices: value, label.
	Choices [][2]string
	// Default gives the value of a new record when vals lack the field.
	Default func(e *Env) any
	// Compute gives the values of a field without a column.
	Compute func(e *Env, ids []int64) (map[int64]any, error)
	// Search compiles a domain leaf on a field without a column.
	Search func(c *compiler, op string, value any) (domainTerm, error)
	// Since and Until bound the versions that have the field (0: any).
	Since, Until int
	// Hidden fields are never read back (password).
	Hidden bool
	// Sortable overrides: only stored fields sort.
	model *Model
}

func (f *Field) stored() bool { return f.Column != "" }

// relationalMany reports an x2many field.
func (f *Field) relationalMany() bool { return f.Type == One2many || f.Type == Many2many }

// scanDest returns a destination for scanning this field's column.
func (f *Field) scanDest() any {
	switch f.Type {
	case Integer, Many2one:
		return new(nullInt)
	case Float, Monetary:
		return new(nullFloat)
	case Boolean:
		return new(nullBool)
	case Date, Datetime:
		return new(sqldb.NullTime)
	default:
		return new(nullString)
	}
}

// readValue turns a scanned column into the value Odoo's read() returns.
func (f *Field) readValue(dest any) any {
	switch d := dest.(type) {
	case *nullInt:
		if f.Type == Many2one {
			if !d.Valid {
				return false
			}
			return d.V // replaced by [id, name] once names are fetched
		}
		return d.V
	case *nullFloat:
		return d.V
	case *nullBool:
		return d.Valid && d.V
	case *sqldb.NullTime:
		if d.Time.IsZero() {
			return false
		}
		if f.Type == Date {
			return d.Time.Format("2006-01-02")
		}
		return d.Time.Format(sqldb.TimeLayout)
	case *nullString:
		if !d.Valid {
			return false
		}
		if f.Type == Char && d.V == "" {
			// Odoo stores "" as NULL for char fields and reads False.
			return false
		}
		return d.V
	}
	return false
}

// writeValue converts a value received over RPC into what is stored in the
// column, or an error worded as Odoo words it.
func (f *Field) writeValue(v any) (any, error) {
	if v == nil || v == false {
		switch f.Type {
		case Boolean:
			return false, nil
		case Integer:
			return int64(0), nil
		case Float, Monetary:
			return float64(0), nil
		}
		return nil, nil
	}
	switch f.Type {
	case Char, Text, HTML, Selection:
		s, ok := v.(string)
		if !ok {
			switch n := v.(type) {
			case int64:
				s = strconv.FormatInt(n, 10)
			case float64:
				s = strconv.FormatFloat(n, 'f', -1, 64)
			case bool:
				s = "True"
			default:
				return nil, f.typeError(v)
			}
		}
		if len(s) > maxTextBytes {
			return nil, okapi.Errorf(okapi.EValidation, "The value of the field '%s' (%s) is too long.", f.String, f.Name)
		}
		if f.Type == HTML {
			s = sanitizeHTML(s)
		}
		if f.Type == Selection && len(f.Choices) > 0 && !f.hasChoice(s) {
			return nil, okapi.Errorf(okapi.EValueError, "Wrong value for %s.%s: '%s'", f.model.Name, f.Name, s)
		}
		if f.Type == Char && s == "" {
			return nil, nil
		}
		return s, nil
	case Integer, Many2one:
		n, ok := toInt(v)
		if !ok {
			return nil, f.typeError(v)
		}
		if f.Type == Many2one && n == 0 {
			return nil, nil
		}
		return n, nil
	case Float, Monetary:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, f.typeError(v)
			}
			return n, nil
		case int64:
			return float64(n), nil
		case string:
			x, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				return nil, f.typeError(v)
			}
			return x, nil
		}
		return nil, f.typeError(v)
	case Boolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		case string:
			return b != "", nil
		}
		return nil, f.typeError(v)
	case Date, Datetime:
		return f.timeValue(v)
	case Binary:
		switch b := v.(type) {
		case string:
			if _, err := base64.StdEncoding.DecodeString(b); err != nil {
				return nil, okapi.Errorf(okapi.EValidation, "The value of the field '%s' (%s) is not valid base64.", f.String, f.Name)
			}
			if len(b) > maxBinaryBytes {
				return nil, okapi.Errorf(okapi.EValidation, "The file in '%s' (%s) is too large.", f.String, f.Name)
			}
			return b, nil
		case []byte:
			return base64.StdEncoding.EncodeToString(b), nil
		}
		return nil, f.typeError(v)
	}
	return nil, f.typeError(v)
}

const (
	maxTextBytes   = 1 << 20
	maxBinaryBytes = 8 << 20
)

func (f *Field) hasChoice(s string) bool {
	for _, c := range f.Choices {
		if c[0] == s {
			return true
		}
	}
	return false
}

func (f *Field) typeError(v any) error {
	return okapi.Errorf(okapi.EValueError, "Wrong value for %s.%s: %s", f.model.Name, f.Name, pyRepr(v))
}

// timeValue accepts Odoo's "YYYY-MM-DD[ HH:MM:SS]" strings (and an ISO
// "T" separator or an XML-RPC dateTime) and stores the canonical text.
func (f *Field) timeValue(v any) (any, error) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x.UTC()
	case string:
		s := strings.TrimSpace(x)
		var err error
		for _, layout := range []string{sqldb.TimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02", time.RFC3339} {
			if t, err = time.Parse(layout, s); err == nil {
				break
			}
		}
		if err != nil {
			if f.Type == Date {
				return nil, okapi.Errorf(okapi.EValueError, "time data '%s' does not match format '%%Y-%%m-%%d'", s)
			}
			return nil, okapi.Errorf(okapi.EValueError, "time data '%s' does not match format '%%Y-%%m-%%d %%H:%%M:%%S'", s)
		}
	default:
		return nil, f.typeError(v)
	}
	if f.Type == Date {
		return t.Format("2006-01-02"), nil
	}
	return t.Format(sqldb.TimeLayout), nil
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	case bool:
		if n {
			return 1, true
		}
		return 0, true
	case string:
		x, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return x, err == nil
	}
	return 0, false
}

// pyRepr renders a value as Python would in an error message.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") && !strings.Contains(s, "Inf") && !strings.Contains(s, "NaN") {
			s += ".0"
		}
		return s
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "{…}"
	}
	return fmt.Sprintf("%v", v)
}

type nullInt struct {
	V     int64
	Valid bool
}

func (n *nullInt) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.V, n.Valid = 0, false
	case int64:
		n.V, n.Valid = x, true
	case float64:
		n.V, n.Valid = int64(x), true
	case []byte:
		i, err := strconv.ParseInt(string(x), 10, 64)
		n.V, n.Valid = i, err == nil
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		n.V, n.Valid = i, err == nil
	case bool:
		n.V, n.Valid = 0, true
		if x {
			n.V = 1
		}
	default:
		return fmt.Errorf("cannot scan %T into an integer", v)
	}
	return nil
}

type nullFloat struct {
	V     float64
	Valid bool
}

func (n *nullFloat) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.V, n.Valid = 0, false
	case float64:
		n.V, n.Valid = x, true
	case int64:
		n.V, n.Valid = float64(x), true
	case []byte:
		f, err := strconv.ParseFloat(string(x), 64)
		n.V, n.Valid = f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		n.V, n.Valid = f, err == nil
	default:
		return fmt.Errorf("cannot scan %T into a float", v)
	}
	return nil
}

type nullBool struct {
	V     bool
	Valid bool
}

func (n *nullBool) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.V, n.Valid = false, false
	case bool:
		n.V, n.Valid = x, true
	case int64:
		n.V, n.Valid = x != 0, true
	case []byte:
		n.V, n.Valid = string(x) == "1" || string(x) == "t" || string(x) == "true", true
	case string:
		n.V, n.Valid = x == "1" || x == "t" || x == "true", true
	default:
		return fmt.Errorf("cannot scan %T into a boolean", v)
	}
	return nil
}

type nullString struct {
	V     string
	Valid bool
}

func (n *nullString) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.V, n.Valid = "", false
	case string:
		n.V, n.Valid = x, true
	case []byte:
		n.V, n.Valid = string(x), true
	case int64:
		n.V, n.Valid = strconv.FormatInt(x, 10), true
	case float64:
		n.V, n.Valid = strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		n.V, n.Valid = strconv.FormatBool(x), true
	case time.Time:
		n.V, n.Valid = x.UTC().Format(sqldb.TimeLayout), true
	default:
		return fmt.Errorf("cannot scan %T into a string", v)
	}
	return nil
}

// describe returns the fields_get description of f: every attribute, or
// only those asked for, keys sorted as Odoo's answers have them.
func (f *Field) describe(attrs map[string]bool) okapi.Struct {
	all := okapi.Struct{
		{Name: "change_default", Value: false},
		{Name: "company_dependent", Value: false},
		{Name: "depends", Value: []any{}},
		{Name: "exportable", Value: true},
		{Name: "groupable", Value: f.stored() && !f.relationalMany() && f.Type != Text && f.Type != HTML && f.Type != Binary},
		{Name: "help", Value: f.Help},
		{Name: "manual", Value: false},
		{Name: "name", Value: f.Name},
		{Name: "readonly", Value: f.Readonly || !f.stored() && f.Compute != nil},
		{Name: "required", Value: f.Required},
		{Name: "searchable", Value: f.stored() || f.Search != nil || f.Delegated},
		{Name: "sortable", Value: f.stored() && !f.relationalMany() && f.Type != Binary},
		{Name: "store", Value: f.stored()},
		{Name: "string", Value: f.String},
		{Name: "translate", Value: false},
		{Name: "type", Value: f.Type},
	}
	if f.Help == "" {
		all = removeMember(all, "help")
	}
	if f.Relation != "" {
		all = append(all, okapi.Member{Name: "relation", Value: f.Relation})
		if f.Type == One2many && f.Inverse != "" {
			all = append(all, okapi.Member{Name: "relation_field", Value: f.Inverse})
		}
		all = append(all, okapi.Member{Name: "context", Value: okapi.Struct{}}, okapi.Member{Name: "domain", Value: []any{}})
	}
	if f.Type == Selection {
		sel := make([]any, len(f.Choices))
		for i, c := range f.Choices {
			sel[i] = []any{c[0], c[1]}
		}
		all = append(all, okapi.Member{Name: "selection", Value: sel})
	}
	if f.Type == Char {
		all = append(all, okapi.Member{Name: "trim", Value: true})
	}
	sortMembers(all)
	if attrs == nil {
		return all
	}
	out := make(okapi.Struct, 0, len(attrs))
	for _, m := range all {
		if attrs[m.Name] {
			out = append(out, m)
		}
	}
	return out
}

func removeMember(s okapi.Struct, name string) okapi.Struct {
	out := s[:0]
	for _, m := range s {
		if m.Name != name {
			out = append(out, m)
		}
	}
	return out
}

func sortMembers(s okapi.Struct) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Name < s[j-1].Name; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
