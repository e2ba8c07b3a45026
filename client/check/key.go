package check

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/okapi-erp/okapi"
)

// keyFinding is what the key's shape says, before it is sent. The key itself
// never appears in it: only its length and what surrounds it.
type keyFinding struct {
	status  Status
	summary string
	details []string
	fix     []string
	// candidate is what to try authenticating with: the key with its
	// wrapping removed when that makes it a key, else the value as given.
	candidate string
	// keyLike: candidate has a key's exact shape.
	keyLike bool
	// cleaned says what was removed from the value to get candidate.
	cleaned string
}

// extraSpace are invisible characters that copying from web pages and chat
// tools adds around a key, beyond Unicode's white space.
func extraSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060'
}

var runeNames = map[rune]string{' ': "space", '\t': "tab", '\n': "newline", '\r': "carriage return",
	'\u00a0': "non-breaking space", '\u200b': "zero-width space", '\ufeff': "byte-order mark", '\u2060': "word joiner"}

// quotePairs are the wrappings people paste keys in.
var quotePairs = map[rune]rune{'"': '"', '\'': '\'', '`': '`', '“': '”', '‘': '’', '«': '»', '<': '>'}

func analyzeKey(raw string) keyFinding {
	if raw == "" {
		return keyFinding{status: Fail, summary: "the key is empty", fix: []string{"Put the key in the file, or paste it on standard input"}}
	}
	s := raw
	var problems []string
	if lead, rest := cutLeft(s); lead != "" {
		problems = append(problems, edge("leading", lead))
		s = rest
	}
	if rest, trail := cutRight(s); trail != "" {
		problems = append(problems, edge("trailing", trail))
		s = rest
	}
	if s == "" {
		return keyFinding{status: Fail, summary: "the key is only white space", fix: []string{"Put the key in the file, or paste it on standard input"}}
	}
	if r := []rune(s); len(r) >= 2 && quotePairs[r[0]] == r[len(r)-1] && quotePairs[r[0]] != 0 {
		problems = append(problems, "wrapping quotes "+string(r[0])+"…"+string(r[len(r)-1]))
		s = strings.TrimFunc(string(r[1:len(r)-1]), extraSpace)
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		problems = append(problems, `the word "Bearer" in front (it belongs in the Authorization header, not in the key)`)
		s = strings.TrimFunc(s[7:], extraSpace)
	}
	if strings.IndexFunc(s, extraSpace) >= 0 {
		joined := strings.Join(strings.FieldsFunc(s, extraSpace), "")
		if isHex(joined) {
			problems = append(problems, "spaces or line breaks inside (the key was split when copied)")
			s = joined
		}
	}
	f := keyFinding{candidate: s, cleaned: strings.Join(problems, ", ")}
	n := len([]rune(s))
	switch {
	case okapi.LooksLikeKey(s):
		f.keyLike = true
	case n == okapi.KeyLen && isHex(s):
		problems = append(problems, "uppercase letters (keys are lowercase)")
		f.candidate, f.keyLike = strings.ToLower(s), true
		f.cleaned = strings.Join(problems, ", ")
	case isHex(s) && n < okapi.KeyLen:
		return f.fail(fmt.Sprintf("the key is cut short: %d hexadecimal characters, a key has %d", n, okapi.KeyLen),
			"Copy the whole key again: it is shown only once, so if it is lost, create a new one")
	case isHex(s):
		return f.fail(fmt.Sprintf("the key is too long: %d hexadecimal characters, a key has %d (two keys, or something pasted with it?)", n, okapi.KeyLen),
			"Keep only the key: 40 characters, 0–9 and a–f")
	default:
		// Not a key at all: most likely the password. Try it as given, as
		// the person's tool would send it.
		f.candidate, f.cleaned = raw, ""
		return f.fail(fmt.Sprintf("this is not an API key (%d characters, 0–9 and a–f) but %d characters of another kind: is it the password?", okapi.KeyLen, len([]rune(raw))),
			"Create an API key and use it instead of the password: passwords are refused over the API once two-factor authentication is on, and cannot be revoked one tool at a time")
	}
	if len(problems) == 0 {
		f.status, f.summary = OK, fmt.Sprintf("%d lowercase hexadecimal characters", okapi.KeyLen)
		return f
	}
	f.status = Fail
	f.summary = "the key has " + f.cleaned
	f.details = []string{"Odoo compares keys exactly: with these characters the key is refused, and the error does not say why"}
	f.fix = []string{"Remove them where the key is pasted or stored (" + f.cleaned + "): only the 40 characters 0–9 and a–f"}
	return f
}

func (f keyFinding) fail(summary, fix string) keyFinding {
	f.status, f.summary, f.fix = Fail, summary, []string{fix}
	return f
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

func cutLeft(s string) (space, rest string) {
	i := strings.IndexFunc(s, func(r rune) bool { return !extraSpace(r) })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func cutRight(s string) (rest, space string) {
	i := strings.LastIndexFunc(s, func(r rune) bool { return !extraSpace(r) })
	if i < 0 {
		return "", s
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[:i+size], s[i+size:]
}

// edge names the invisible characters at one end of the key: "a trailing
// newline", "2 leading spaces", "trailing white space (space and newline)".
func edge(where, s string) string {
	runs := groupRuns(s)
	if len(runs) == 1 {
		if runs[0].n == 1 {
			return "a " + where + " " + runs[0].name
		}
		return fmt.Sprintf("%d %s %ss", runs[0].n, where, runs[0].name)
	}
	var parts []string
	for _, r := range runs {
		if r.n > 1 {
			parts = append(parts, fmt.Sprintf("%d %ss", r.n, r.name))
		} else {
			parts = append(parts, r.name)
		}
	}
	return where + " white space (" + strings.Join(parts, ", ") + ")"
}

type charRun struct {
	name string
	n    int
}

func groupRuns(s string) []charRun {
	var out []charRun
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		name, ok := runeNames[rs[i]]
		if !ok {
			name = fmt.Sprintf("U+%04X", rs[i])
		}
		out = append(out, charRun{name, j - i})
		i = j
	}
	return out
}
