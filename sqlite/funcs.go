package sqlite

import (
	"database/sql"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
)

// driverName is the mattn driver with Okapi's SQL functions added to every
// connection.
const driverName = "sqlite3_okapi"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			if err := c.RegisterFunc("okapi_lower", lower, true); err != nil {
				return err
			}
			return c.RegisterFunc("okapi_like", likeCaseSensitive, true)
		},
	})
}

// lower is Go's Unicode lower-casing; NULL stays NULL.
func lower(v any) any {
	switch s := v.(type) {
	case string:
		return strings.ToLower(s)
	case []byte:
		return strings.ToLower(string(s))
	}
	return v
}

// likeCaseSensitive matches value against a SQL LIKE pattern ('%' any run,
// '_' one character, '\' escapes the next), comparing case. NULL matches
// nothing.
func likeCaseSensitive(value, pattern any) bool {
	v, ok1 := text(value)
	p, ok2 := text(pattern)
	return ok1 && ok2 && like(v, p)
}

func text(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

// like is the classic wildcard match that remembers only the last '%': it
// runs in O(len(v)·len(p)) whatever the pattern, so a hostile pattern cannot
// make a query spin.
func like(v, p string) bool {
	type tok struct {
		r   rune
		any bool // '%'
		one bool // '_'
	}
	var pat []tok
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		i += n
		switch {
		case r == '\\' && i < len(p):
			r, n = utf8.DecodeRuneInString(p[i:])
			i += n
			pat = append(pat, tok{r: r})
		case r == '%':
			pat = append(pat, tok{any: true})
		case r == '_':
			pat = append(pat, tok{one: true})
		default:
			pat = append(pat, tok{r: r})
		}
	}
	val := []rune(v)
	vi, pi := 0, 0
	star, mark := -1, 0
	for vi < len(val) {
		switch {
		case pi < len(pat) && !pat[pi].any && (pat[pi].one || pat[pi].r == val[vi]):
			vi++
			pi++
		case pi < len(pat) && pat[pi].any:
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi].any {
		pi++
	}
	return pi == len(pat)
}
