package xmlrpc

import (
	"strconv"
	"unicode/utf8"
)

// This file is the XML-RPC layer: methodCall, methodResponse and the value
// grammar, read top-down over the tags the XML layer (scan.go) delivers. It
// has fast paths for the exact layout Python's marshaller writes, which is
// what nearly every request looks like; any other layout takes the general
// path and decodes to the same values.

// nextStart is nextTag with a fast path for <name>, the tag the grammar
// expects at that point of every ordinary document. It reports whether the
// tag read is <name>.
func (p *parser) nextStart(name string) (bool, error) {
	i := p.pos
	for i < len(p.in) && isSpace(p.in[i]) {
		i++
	}
	if j := i + 1 + len(name); j < len(p.in) && p.in[i] == '<' && p.in[j] == '>' && string(p.in[i+1:j]) == name {
		p.kind, p.empty, p.at, p.nameAt, p.nameEnd, p.pos = tagStart, false, i, i+1, j, j+1
		return true, nil
	}
	if err := p.nextTag(); err != nil {
		return false, err
	}
	return p.isStart(name), nil
}

// nextEnd is nextTag with a fast path for </name>.
func (p *parser) nextEnd(name string) error {
	i := p.pos
	for i < len(p.in) && isSpace(p.in[i]) {
		i++
	}
	if p.acceptEnd(i, name) {
		return nil
	}
	return p.nextTag()
}

// acceptEnd reads </name> at in[i] if it is there.
func (p *parser) acceptEnd(i int, name string) bool {
	j := i + 2 + len(name)
	if j < len(p.in) && p.in[i] == '<' && p.in[i+1] == '/' && p.in[j] == '>' && string(p.in[i+2:j]) == name {
		p.kind, p.empty, p.at, p.nameAt, p.nameEnd, p.pos = tagEnd, false, i, i+2, j, j+1
		return true
	}
	return false
}

// tagName is the name of the tag last read.
func (p *parser) tagName() []byte { return p.in[p.nameAt:p.nameEnd] }

// isStart and isEnd test the tag last read.
func (p *parser) isStart(name string) bool {
	return p.kind == tagStart && string(p.tagName()) == name
}

func (p *parser) isEnd(name string) bool {
	return p.kind == tagEnd && string(p.tagName()) == name
}

// expectEnd reads the end tag of the element named open, skipping white
// space and comments.
func (p *parser) expectEnd(open string) error {
	i := p.pos
	for i < len(p.in) && isSpace(p.in[i]) {
		i++
	}
	if p.acceptEnd(i, open) {
		return nil
	}
	if err := p.nextTag(); err != nil {
		return err
	}
	return p.mustClose(open)
}

// mustClose checks that the tag last read is </open>.
func (p *parser) mustClose(open string) error {
	switch p.kind {
	case tagEnd:
		if string(p.tagName()) != open {
			return p.errAt(p.at+2, msgMismatched)
		}
		return nil
	case tagStart:
		return p.grammarErr(p.at, "unexpected element <"+clip(p.tagName())+"> in <"+open+">")
	case tagText:
		return p.grammarErr(p.at, "unexpected text in <"+open+">")
	}
	return p.errEOF()
}

// unexpected reports a tag the grammar has no place for inside open.
func (p *parser) unexpected(open string) error {
	if p.kind == tagEnd && string(p.tagName()) == open {
		return p.grammarErr(p.at, "unexpected </"+open+">")
	}
	return p.mustClose(open)
}

// missing reports a child that open lacks, unless the tag last read is
// wrong in a way that deserves its own message.
func (p *parser) missing(open, msg string) error {
	if p.isEnd(open) || p.kind == tagStart {
		return p.grammarErr(p.at, msg)
	}
	return p.unexpected(open)
}

// call reads the content of <methodCall>.
func (p *parser) call() (Call, error) {
	ok, err := p.nextStart("methodName")
	if err != nil {
		return Call{}, err
	}
	if !ok {
		return Call{}, p.missing("methodCall", "missing <methodName> in <methodCall>")
	}
	var c Call
	if !p.empty {
		text, err := p.textElement("methodName")
		if err != nil {
			return Call{}, err
		}
		c.Method = intern(text)
	}
	ok, err = p.nextStart("params")
	if err != nil {
		return Call{}, err
	}
	if ok {
		var err error
		if c.Params, err = p.params(); err != nil {
			return Call{}, err
		}
		if err := p.nextEnd("methodCall"); err != nil {
			return Call{}, err
		}
	}
	return c, p.mustClose("methodCall")
}

// textElement reads the content and end tag of the text-only element open,
// whose start tag was just read.
func (p *parser) textElement(open string) ([]byte, error) {
	// Fast path: text with nothing to decode, then </open>.
	if j := p.plainText(p.pos); j-p.pos <= p.lim.MaxStringBytes {
		start := p.pos
		if p.acceptEnd(j, open) {
			return p.in[start:j], nil
		}
	}
	text, err := p.readText()
	if err != nil {
		return nil, err
	}
	if p.pos >= len(p.in) {
		return nil, p.errEOF()
	}
	if err := p.tagHere(); err != nil {
		return nil, err
	}
	return text, p.mustClose(open)
}

// plainText returns the end of the character data at in[i] that needs no
// decoding: no markup, references, CR or "]]>", and valid UTF-8.
func (p *parser) plainText(i int) int {
	in := p.in
	for n := 1; i < len(in); n++ {
		c := in[i]
		if textPlain[c] {
			i++
			if n%16 == 0 { // a long run: go on a word at a time
				i = skipPlainWords(in, i)
			}
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRune(in[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			break
		}
		i += n
	}
	return i
}

// params reads <params>, just read, and returns its values.
func (p *parser) params() ([]any, error) {
	if p.empty {
		return nil, nil
	}
	base := len(p.stack)
	for !p.closing("params") {
		v, ok, err := p.pythonParam()
		if err != nil {
			return nil, err
		}
		if !ok {
			ok, err := p.nextStart("param")
			if err != nil {
				return nil, err
			}
			if p.isEnd("params") {
				break
			}
			if !ok {
				return nil, p.unexpected("params")
			}
			if v, err = p.param(); err != nil {
				return nil, err
			}
		}
		p.stack = append(p.stack, v)
	}
	if len(p.stack) == base {
		return nil, nil
	}
	return p.popArray(base), nil
}

// pythonParam reads a parameter laid out as Python's marshaller writes it,
// "<param>\n<value>…</value>\n</param>", with one comparison for the two
// start tags. For any other layout it reports false and consumes nothing.
func (p *parser) pythonParam() (any, bool, error) {
	const head = "<param>\n<value>"
	i := p.pos
	for i < len(p.in) && isSpace(p.in[i]) {
		i++
	}
	if len(p.in)-i < len(head) || string(p.in[i:i+len(head)]) != head {
		return nil, false, nil
	}
	p.pos, p.empty = i+len(head), false
	v, err := p.value()
	if err != nil {
		return nil, false, err
	}
	return v, true, p.expectEnd("param")
}

// closing reads </name> if it comes next (after white space).
func (p *parser) closing(name string) bool {
	i := p.pos
	for i < len(p.in) && isSpace(p.in[i]) {
		i++
	}
	return p.acceptEnd(i, name)
}

// param reads <param><value>…</value></param>; <param> was just read.
func (p *parser) param() (any, error) {
	if p.empty {
		return nil, p.grammarErr(p.at, "<param> has no <value>")
	}
	ok, err := p.nextStart("value")
	if err != nil {
		return nil, err
	}
	if !ok {
		if p.isEnd("param") {
			return nil, p.grammarErr(p.at, "<param> has no <value>")
		}
		return nil, p.unexpected("param")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return v, p.expectEnd("param")
}

// response reads the content of <methodResponse>: one param, or a fault.
func (p *parser) response() (any, *Fault, error) {
	ok, err := p.nextStart("params")
	if err != nil {
		return nil, nil, err
	}
	var v any
	var fault *Fault
	switch {
	case ok:
		at := p.at
		vals, err := p.params()
		if err != nil {
			return nil, nil, err
		}
		if len(vals) != 1 {
			return nil, nil, p.grammarErr(at, "<params> of a response must hold exactly one <param>")
		}
		v = vals[0]
	case p.isStart("fault"):
		var err error
		if fault, err = p.fault(); err != nil {
			return nil, nil, err
		}
	case p.isEnd("methodResponse"):
		return nil, nil, p.grammarErr(p.at, "empty <methodResponse>")
	default:
		return nil, nil, p.unexpected("methodResponse")
	}
	return v, fault, p.expectEnd("methodResponse")
}

// fault reads <fault><value><struct>…</struct></value></fault>; <fault> was
// just read.
func (p *parser) fault() (*Fault, error) {
	at := p.at
	bad := func() error { return p.grammarErr(at, "<fault> must hold a struct with faultCode and faultString") }
	if p.empty {
		return nil, bad()
	}
	ok, err := p.nextStart("value")
	if err != nil {
		return nil, err
	}
	if !ok {
		if p.isEnd("fault") {
			return nil, bad()
		}
		return nil, p.unexpected("fault")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.expectEnd("fault"); err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	code, okCode := m["faultCode"]
	msg, okMsg := m["faultString"].(string)
	if !okCode || !okMsg {
		return nil, bad()
	}
	return &Fault{Code: code, String: msg}, nil
}

// value reads a <value>, just read: either bare text (a string) or one
// typed element.
func (p *parser) value() (any, error) {
	p.elems++
	if p.elems > p.lim.MaxElements {
		return nil, &LimitError{What: "more than " + strconv.Itoa(p.lim.MaxElements) + " values"}
	}
	if p.empty {
		return "", nil
	}
	if v, ok := p.fastScalar(); ok {
		return v, nil
	}
	textAt := p.pos
	text, err := p.readText()
	if err != nil {
		return nil, err
	}
	if p.pos >= len(p.in) {
		return nil, p.errEOF()
	}
	if err := p.tagHere(); err != nil {
		return nil, err
	}
	if p.kind == tagEnd {
		if string(p.tagName()) != "value" {
			return nil, p.errAt(p.at+2, msgMismatched)
		}
		return internValue(text), nil
	}
	if !allSpace(text) {
		return nil, p.grammarErr(textAt, "unexpected text in <value>")
	}
	v, err := p.typed()
	if err != nil {
		return nil, err
	}
	return v, p.expectEnd("value")
}

// fastScalar reads, right after <value>, the two shapes that make up most
// calls exactly as Python's marshaller writes them:
// <string>text</string></value> and <int>digits</int></value>, when the text
// needs no decoding. Anything else, including every error, is left to the
// general path, which would return the same value.
func (p *parser) fastScalar() (any, bool) {
	in := p.in
	i := p.pos
	if len(in)-i < 12 || in[i] != '<' {
		return nil, false
	}
	switch {
	case in[i+1] == 's' && string(in[i:i+8]) == "<string>":
		j := p.plainText(i + 8)
		const tail = "</string></value>"
		if len(in)-j < len(tail) || string(in[j:j+len(tail)]) != tail || j-(i+8) > p.lim.MaxStringBytes {
			return nil, false
		}
		p.pos = j + len(tail)
		return internValue(in[i+8 : j]), true
	case in[i+1] == 'i' && string(in[i:i+5]) == "<int>":
		j := i + 5
		if j < len(in) && in[j] == '-' {
			j++
		}
		start := j
		for j < len(in) && in[j] >= '0' && in[j] <= '9' {
			j++
		}
		const tail = "</int></value>"
		if j == start || j-start > 18 || len(in)-j < len(tail) || string(in[j:j+len(tail)]) != tail {
			return nil, false
		}
		n, _ := parseInt(in[i+5 : j]) // at most 18 digits: cannot overflow
		p.pos = j + len(tail)
		return n, true
	}
	return nil, false
}

// typed reads the element, just read, that gives a value its type.
func (p *parser) typed() (any, error) {
	var typ string
	switch string(p.tagName()) {
	case "array":
		return p.array()
	case "struct":
		return p.structure()
	case "string":
		typ = "string"
	case "int":
		typ = "int"
	case "i4":
		typ = "i4"
	case "i8":
		typ = "i8"
	case "boolean":
		typ = "boolean"
	case "double":
		typ = "double"
	case "dateTime.iso8601":
		typ = "dateTime.iso8601"
	case "base64":
		typ = "base64"
	case "nil":
		typ = "nil"
	case "ex:nil":
		typ = "ex:nil"
	default:
		return nil, p.grammarErr(p.at, "unknown type <"+clip(p.tagName())+"> in <value>")
	}
	at := p.at
	var text []byte
	if !p.empty {
		var err error
		if text, err = p.textElement(typ); err != nil {
			return nil, err
		}
	}
	v, msg := scalar(typ, text, p.lim.MaxStringBytes)
	if msg != "" {
		if msg == msgTooLong {
			return nil, p.tooLong()
		}
		return nil, p.grammarErr(at, msg)
	}
	return v, nil
}

// enter tracks array/struct nesting against MaxDepth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		return &LimitError{What: "nesting deeper than " + strconv.Itoa(p.lim.MaxDepth)}
	}
	return nil
}

// array reads <array><data>…</data></array>; <array> was just read.
func (p *parser) array() (any, error) {
	at := p.at
	if p.empty {
		return nil, p.grammarErr(at, "<array> has no <data>")
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	ok, err := p.nextStart("data")
	if err != nil {
		return nil, err
	}
	if !ok {
		if p.isEnd("array") {
			return nil, p.grammarErr(at, "<array> has no <data>")
		}
		return nil, p.unexpected("array")
	}
	base := len(p.stack)
	for empty := p.empty; !empty && !p.closing("data"); {
		ok, err := p.nextStart("value")
		if err != nil {
			return nil, err
		}
		if p.isEnd("data") {
			break
		}
		if !ok {
			return nil, p.unexpected("data")
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.stack = append(p.stack, v)
	}
	if err := p.expectEnd("array"); err != nil {
		return nil, err
	}
	p.depth--
	return p.popArray(base), nil
}

// popArray moves the values stacked since base into a slice of exactly
// their number.
func (p *parser) popArray(base int) []any {
	out := make([]any, len(p.stack)-base)
	copy(out, p.stack[base:])
	clear(p.stack[base:])
	p.stack = p.stack[:base]
	return out
}

// structure reads <struct><member>…</member>…</struct>; <struct> was just
// read. Later duplicates win, as in Python's dict.
func (p *parser) structure() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	base, nbase := len(p.stack), len(p.names)
	for empty := p.empty; !empty && !p.closing("struct"); {
		ok, err := p.nextStart("member")
		if err != nil {
			return nil, err
		}
		if p.isEnd("struct") {
			break
		}
		if !ok {
			return nil, p.unexpected("struct")
		}
		if err := p.member(); err != nil {
			return nil, err
		}
	}
	p.depth--
	m := make(map[string]any, len(p.names)-nbase)
	for i, name := range p.names[nbase:] {
		m[name] = p.stack[base+i]
	}
	clear(p.stack[base:])
	clear(p.names[nbase:])
	p.stack, p.names = p.stack[:base], p.names[:nbase]
	return m, nil
}

// member reads <member><name>…</name><value>…</value></member> onto the
// stacks; <member> was just read.
func (p *parser) member() error {
	if p.empty {
		return p.grammarErr(p.at, "<member> has no <name>")
	}
	ok, err := p.nextStart("name")
	if err != nil {
		return err
	}
	if !ok {
		return p.missing("member", "<member> has no <name>")
	}
	name := ""
	if !p.empty {
		text, err := p.textElement("name")
		if err != nil {
			return err
		}
		name = intern(text)
	}
	ok, err = p.nextStart("value")
	if err != nil {
		return err
	}
	if !ok {
		if p.isEnd("member") {
			return p.grammarErr(p.at, "<member> has no <value>")
		}
		return p.unexpected("member")
	}
	v, err := p.value()
	if err != nil {
		return err
	}
	p.names = append(p.names, name)
	p.stack = append(p.stack, v)
	return p.expectEnd("member")
}
