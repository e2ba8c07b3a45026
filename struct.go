package okapi

// Struct is an ordered mapping from names to values: a record as read, a
// fields_get answer, a version() answer or an error body. Odoo's answers are
// Python dicts, which keep insertion order; clients do not depend on the order,
// but keeping it makes Okapi's answers read like Odoo's, byte for byte where it
// matters (JSON-2 errors list name, message, arguments, context, debug).
//
// The values held in a Struct, and in every value that crosses the wire, are:
// nil, bool, int64, float64, string, []byte, time.Time, []any,
// map[string]any and Struct.
type Struct []Member

// Member is one name and value of a Struct.
type Member struct {
	Name  string
	Value any
}

// Get returns the value stored under name, and whether it was there.
func (s Struct) Get(name string) (any, bool) {
	for i := range s {
		if s[i].Name == name {
			return s[i].Value, true
		}
	}
	return nil, false
}

// Set replaces the value stored under name, or appends it.
func (s *Struct) Set(name string, v any) {
	for i := range *s {
		if (*s)[i].Name == name {
			(*s)[i].Value = v
			return
		}
	}
	*s = append(*s, Member{name, v})
}

// Map returns the members as a map; later duplicates win.
func (s Struct) Map() map[string]any {
	m := make(map[string]any, len(s))
	for _, f := range s {
		m[f.Name] = f.Value
	}
	return m
}
