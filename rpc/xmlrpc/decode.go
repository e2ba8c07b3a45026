package xmlrpc

import (
	"bytes"
	"math"
	"sync"
	"unicode/utf8"

	"github.com/okapi-erp/okapi/rpc/internal/limits"
)

// parser holds the state of one decode. Its scratch slices are pooled so a
// call allocates only what it returns.
type parser struct {
	in    []byte
	pos   int
	lim   Limits
	elems int
	depth int
	buf   []byte   // decoded text, when it cannot alias the input
	stack []any    // values of the arrays, structs and params being built
	names []string // member names, parallel to the struct part of stack

	grammarFailed bool // an XML-RPC (not XML) error was reported
	transcoded    bool // in was converted from Latin-1 already

	// The tag last read. It lives in the parser, field by field, because
	// returning or copying it as a struct through the grammar levels cost
	// more than the scanning itself.
	kind            tagKind
	empty           bool // <name/>
	at              int  // offset of '<', or of the text
	nameAt, nameEnd int  // offsets: a slice here would cost a write barrier
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// maxPooledScratch keeps one huge document from pinning its scratch memory
// in the pool for the life of the process.
const maxPooledScratch = 64 << 10

func getParser(body []byte, lim Limits) *parser {
	p := parserPool.Get().(*parser)
	p.in, p.pos, p.lim, p.elems, p.depth = body, 0, lim.Normalized(), 0, 0
	p.grammarFailed, p.transcoded = false, false
	return p
}

func putParser(p *parser) {
	clear(p.stack)
	clear(p.names)
	p.in, p.stack, p.names, p.buf = nil, p.stack[:0], p.names[:0], p.buf[:0]
	if cap(p.buf) > maxPooledScratch || cap(p.stack) > maxPooledScratch/16 || cap(p.names) > maxPooledScratch/16 {
		return
	}
	parserPool.Put(p)
}

// DecodeCall decodes a <methodCall> document as a server receives it.
// Malformed input gives a *SyntaxError, input beyond lim a *LimitError.
func DecodeCall(body []byte, lim Limits) (Call, error) {
	p := getParser(body, lim)
	defer putParser(p)
	c, err := p.decodeCall()
	if err != nil {
		return Call{}, p.explain(err)
	}
	return c, nil
}

func (p *parser) decodeCall() (Call, error) {
	if err := p.prolog(); err != nil {
		return Call{}, err
	}
	if string(p.tagName()) != "methodCall" {
		return Call{}, p.grammarErr(p.at, "unexpected element <"+clip(p.tagName())+">, expected <methodCall>")
	}
	if p.empty {
		return Call{}, p.grammarErr(p.pos, "missing <methodName> in <methodCall>")
	}
	c, err := p.call()
	if err != nil {
		return Call{}, err
	}
	return c, p.epilog()
}

// DecodeResponse decodes a <methodResponse> document as a client receives
// it. A <fault> comes back as a *Fault error; malformed input gives a
// *SyntaxError, input beyond lim a *LimitError.
func DecodeResponse(body []byte, lim Limits) (any, error) {
	p := getParser(body, lim)
	defer putParser(p)
	v, err := p.decodeResponse()
	if err != nil {
		return nil, p.explain(err)
	}
	return v, nil
}

func (p *parser) decodeResponse() (any, error) {
	if err := p.prolog(); err != nil {
		return nil, err
	}
	if string(p.tagName()) != "methodResponse" {
		return nil, p.grammarErr(p.at, "unexpected element <"+clip(p.tagName())+">, expected <methodResponse>")
	}
	if p.empty {
		return nil, p.grammarErr(p.pos, "empty <methodResponse>")
	}
	v, fault, err := p.response()
	if err != nil {
		return nil, err
	}
	if err := p.epilog(); err != nil {
		return nil, err
	}
	if fault != nil {
		return nil, fault
	}
	return v, nil
}

// grammarErr reports well-formed XML that is not the XML-RPC expected here.
func (p *parser) grammarErr(off int, msg string) error {
	p.grammarFailed = true
	return p.errAt(off, msg)
}

// explain gives XML errors precedence over XML-RPC ones: Python's
// xmlrpc.client ignores what it does not expect and lets expat fail on
// anything malformed, so a body that is both gets expat's message from
// Odoo.
func (p *parser) explain(err error) error {
	if !p.grammarFailed {
		return err
	}
	if xmlErr := p.wellFormed(); xmlErr != nil {
		return xmlErr
	}
	return err
}

// maxCheckDepth bounds the element stack of wellFormed: deeper nesting
// than any XML-RPC document within the default limits needs (four
// elements per level) is left to the XML-RPC error already found.
const maxCheckDepth = 4*limits.MaxDepth + 16

// wellFormed scans the whole input again for XML errors alone.
func (p *parser) wellFormed() error {
	p.pos = 0
	p.lim.MaxStringBytes = math.MaxInt
	if err := p.prolog(); err != nil {
		return err
	}
	if p.empty {
		return p.epilog()
	}
	var stackBuf [32][2]int
	open := append(stackBuf[:0], [2]int{p.nameAt, p.nameEnd})
	for len(open) > 0 {
		if _, err := p.readText(); err != nil {
			return err
		}
		if p.pos >= len(p.in) {
			return p.errEOF()
		}
		if err := p.tagHere(); err != nil {
			return err
		}
		switch {
		case p.kind == tagEnd:
			top := open[len(open)-1]
			if string(p.tagName()) != string(p.in[top[0]:top[1]]) {
				return p.errAt(p.at+2, msgMismatched)
			}
			open = open[:len(open)-1]
		case !p.empty:
			if len(open) == maxCheckDepth {
				return nil
			}
			open = append(open, [2]int{p.nameAt, p.nameEnd})
		}
	}
	return p.epilog()
}

// clip bounds an element name quoted in an error message.
func clip(name []byte) string {
	const max = 40
	if len(name) <= max {
		return string(name)
	}
	n := max
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return string(name[:n]) + "..."
}

// prolog reads everything before the root element: an optional BOM and XML
// declaration, comments and processing instructions. DOCTYPE is refused
// because it is the only door to entity expansion and external entities.
func (p *parser) prolog() error {
	if bytes.HasPrefix(p.in, []byte("\xEF\xBB\xBF")) {
		p.pos = 3
	}
	if err := p.xmlDecl(); err != nil {
		return err
	}
	for {
		p.skipSpace()
		i := p.pos
		in := p.in
		if i >= len(in) {
			return p.errEOF()
		}
		if in[i] != '<' {
			if in[i] >= utf8.RuneSelf {
				if _, err := p.checkRune(i); err != nil {
					return err
				}
			} else if in[i] < 0x20 {
				return p.errAt(i, msgInvalidToken)
			}
			return p.errAt(i, msgSyntax)
		}
		if i+1 >= len(in) {
			return p.errAt(i, msgUnclosedToken)
		}
		switch in[i+1] {
		case '!':
			k, ok := matchPrefix(in, i, "<!DOCTYPE")
			switch {
			case ok:
				return p.errAt(i, msgDoctype)
			case k >= len(in):
				return p.errAt(i, msgUnclosedToken)
			case in[i+2] != '-':
				return p.errAt(i, msgSyntax)
			}
			end, err := p.comment(i)
			if err != nil {
				return err
			}
			p.pos = end
		case '?':
			end, err := p.pi(i)
			if err != nil {
				return err
			}
			p.pos = end
		case '/':
			return p.errAt(i+1, msgInvalidToken)
		default:
			return p.startTag(i)
		}
	}
}

// epilog checks that only white space, comments and processing
// instructions follow the root element.
func (p *parser) epilog() error {
	for {
		p.skipSpace()
		i := p.pos
		in := p.in
		if i >= len(in) {
			return nil
		}
		c := in[i]
		switch {
		case c == '<' && i+1 < len(in) && (in[i+1] == '?' || (in[i+1] == '!' && i+2 < len(in) && in[i+2] == '-')):
			end, _, _, _, err := p.markup(i)
			if err != nil {
				return err
			}
			p.pos = end
		case c == '<' && i+1 < len(in) && in[i+1] == '/':
			return p.errAt(i+1, msgInvalidToken)
		case c == '<' && i+1 >= len(in):
			return p.errAt(i, msgUnclosedToken)
		case c >= utf8.RuneSelf:
			if _, err := p.checkRune(i); err != nil {
				return err
			}
			return p.errAt(i, msgJunkAfter)
		case c < 0x20:
			return p.errAt(i, msgInvalidToken)
		default:
			return p.errAt(i, msgJunkAfter)
		}
	}
}

// xmlDecl checks the XML declaration at p.pos, if there is one. Only UTF-8
// and its ASCII subset are read natively; a Latin-1 body (PHP's ext/xmlrpc
// declares iso-8859-1) is converted once, up front.
func (p *parser) xmlDecl() error {
	in := p.in
	i := p.pos
	if !bytes.HasPrefix(in[i:], []byte("<?xml")) {
		return nil
	}
	// What Python's client and Odoo write, checked without the general
	// machinery.
	for _, decl := range [...]string{"<?xml version='1.0'?>", `<?xml version="1.0"?>`} {
		if bytes.HasPrefix(in[i:], []byte(decl)) {
			p.pos = i + len(decl)
			return nil
		}
	}
	j := i + 5
	if j < len(in) && !isSpace(in[j]) && in[j] != '?' {
		return nil // a processing instruction such as <?xml-stylesheet ...?>
	}
	names := [...]string{"version", "encoding", "standalone"}
	next := 0
	encAt, encEnd := -1, -1
	for {
		sp := j
		for j < len(in) && isSpace(in[j]) {
			j++
		}
		if j+1 < len(in) && in[j] == '?' && in[j+1] == '>' {
			if next == 0 {
				return p.errAt(j, msgBadDecl)
			}
			p.pos = j + 2
			return p.declaredEncoding(encAt, encEnd)
		}
		if j >= len(in) {
			return p.errAt(i, msgUnclosedToken)
		}
		nameEnd, ok, err := p.scanName(j)
		if err != nil {
			return err
		}
		if !ok || j == sp {
			return p.errAt(j, msgBadDecl)
		}
		k := next
		for k < len(names) && names[k] != string(in[j:nameEnd]) {
			k++
		}
		if k == len(names) || (next == 0 && k != 0) {
			return p.errAt(j, msgBadDecl)
		}
		next = k + 1
		from, to, end, err := p.declValue(i, nameEnd)
		if err != nil {
			return err
		}
		switch names[k] {
		case "encoding":
			encAt, encEnd = from, to
		case "standalone":
			if v := string(in[from:to]); v != "yes" && v != "no" {
				return p.errAt(from, msgBadDecl)
			}
		}
		j = end
	}
}

// declValue reads `= "value"` of an XML declaration pseudo-attribute.
func (p *parser) declValue(declAt, j int) (from, to, end int, err error) {
	in := p.in
	for j < len(in) && isSpace(in[j]) {
		j++
	}
	if j >= len(in) {
		return 0, 0, 0, p.errAt(declAt, msgUnclosedToken)
	}
	if in[j] != '=' {
		return 0, 0, 0, p.errAt(j, msgBadDecl)
	}
	j++
	for j < len(in) && isSpace(in[j]) {
		j++
	}
	if j >= len(in) {
		return 0, 0, 0, p.errAt(declAt, msgUnclosedToken)
	}
	q := in[j]
	if q != '"' && q != '\'' {
		return 0, 0, 0, p.errAt(j, msgBadDecl)
	}
	k := bytes.IndexByte(in[j+1:], q)
	if k < 0 {
		return 0, 0, 0, p.errAt(declAt, msgUnclosedToken)
	}
	from, to = j+1, j+1+k
	for x := from; x < to; x++ {
		if c := in[x]; c < 0x20 || c >= utf8.RuneSelf || c == '<' || c == '&' {
			return 0, 0, 0, p.errAt(x, msgBadDecl)
		}
	}
	return from, to, to + 1, nil
}

// declaredEncoding accepts the encodings Okapi reads, named at
// in[from:to] (from is -1 when none is), and converts a Latin-1 body to
// UTF-8.
func (p *parser) declaredEncoding(from, to int) error {
	if from < 0 {
		return nil
	}
	switch string(bytes.ToLower(p.in[from:to])) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1":
		rest := p.in[p.pos:]
		if p.transcoded || isASCII(rest) {
			return nil
		}
		out := make([]byte, 0, p.pos+2*len(rest))
		out = append(out, p.in[:p.pos]...)
		for _, c := range rest {
			out = utf8.AppendRune(out, rune(c))
		}
		p.in, p.transcoded = out, true
		return nil
	}
	return p.errAt(from, msgUnknownEncoding)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
