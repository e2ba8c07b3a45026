package xmlrpc

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// This file is the XML layer: just enough of XML 1.0 to read what XML-RPC
// clients send, checked as strictly as expat checks it, and reported with
// expat's messages and positions so that a malformed body gets the same
// fault text from Okapi as from Odoo. Anything that could make a small body
// expensive (DOCTYPE, and with it every entity beyond the five predefined
// ones) is refused outright.

// Messages shared with expat. Keeping expat's wording lets the transports
// build the same faultString Odoo sends.
const (
	msgNoElement       = "no element found"
	msgMismatched      = "mismatched tag"
	msgInvalidToken    = "not well-formed (invalid token)"
	msgUnclosedToken   = "unclosed token"
	msgPartialChar     = "partial character"
	msgJunkAfter       = "junk after document element"
	msgSyntax          = "syntax error"
	msgUndefinedEnt    = "undefined entity"
	msgBadCharRef      = "reference to invalid character number"
	msgMisplacedDecl   = "XML or text declaration not at start of entity"
	msgBadDecl         = "XML declaration not well-formed"
	msgUnclosedCDATA   = "unclosed CDATA section"
	msgDuplicateAttr   = "duplicate attribute"
	msgUnknownEncoding = "unknown encoding"
	msgDoctype         = "DOCTYPE declarations are not allowed"
)

type tagKind uint8

const (
	tagEOF   tagKind = iota // end of input
	tagStart                // <name ...> or <name .../>
	tagEnd                  // </name>
	tagText                 // character data where only markup may appear
)

// These tables drive the scanning loops: one lookup per byte decides
// whether a byte can be passed over without a closer look.
var (
	textPlain [256]bool // character data that needs no decoding or checking
	nameStart [256]bool // ASCII bytes that may start an XML name
	nameChar  [256]bool // ASCII bytes that may continue an XML name
)

func init() {
	for c := 0x20; c < 0x80; c++ {
		textPlain[c] = true
	}
	textPlain['\t'] = true
	textPlain['\n'] = true
	for _, c := range []byte("<&]") {
		textPlain[c] = false
	}
	for c := 'a'; c <= 'z'; c++ {
		nameStart[c], nameStart[c-'a'+'A'] = true, true
	}
	nameStart['_'], nameStart[':'] = true, true
	nameChar = nameStart
	for c := '0'; c <= '9'; c++ {
		nameChar[c] = true
	}
	nameChar['-'], nameChar['.'] = true, true
}

// skipPlainWords advances i over whole 8-byte words of plain ASCII text:
// no control character, no byte above 0x7F and none of '<', '&', ']'. It
// tests a word in a dozen operations instead of eight table lookups.
func skipPlainWords(in []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(in)-i >= 8 {
		x := binary.LittleEndian.Uint64(in[i:])
		lt := (x - ones*0x20) &^ x // high bit set where a byte is below 0x20
		lt2 := x ^ (ones * '<')
		amp := x ^ (ones * '&')
		br := x ^ (ones * ']')
		special := lt | x | (lt2-ones)&^lt2 | (amp-ones)&^amp | (br-ones)&^br
		if special&highs != 0 {
			break
		}
		i += 8
	}
	return i
}

func isSpace(c byte) bool { return spaceTab[c] }

var spaceTab = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// errAt builds a SyntaxError for the input offset off.
func (p *parser) errAt(off int, msg string) error {
	line, col := position(p.in, off)
	return &SyntaxError{Msg: msg, Line: line, Column: col}
}

// errEOF reports input that ends inside the document. Expat holds back a
// final CR (it might start a CRLF), so its position excludes it.
func (p *parser) errEOF() error {
	off := len(p.in)
	if off > 0 && p.in[off-1] == '\r' {
		off--
	}
	return p.errAt(off, msgNoElement)
}

// position converts a byte offset to expat's line (1-based; CR, LF and CRLF
// each end a line) and column (0-based, in characters).
func position(in []byte, off int) (line, col int) {
	line = 1
	for i := 0; i < off && i < len(in); {
		c := in[i]
		switch {
		case c == '\n':
			line, col = line+1, 0
			i++
		case c == '\r':
			line, col = line+1, 0
			i++
			if i < off && in[i] == '\n' {
				i++
			}
		case c < utf8.RuneSelf:
			col++
			i++
		default:
			_, n := utf8.DecodeRune(in[i:])
			col++
			i += n
		}
	}
	return line, col
}

// checkRune validates the multi-byte character at in[i] and returns its
// length. XML excludes U+FFFE and U+FFFF; surrogates are already invalid
// UTF-8.
func (p *parser) checkRune(i int) (int, error) {
	r, n := utf8.DecodeRune(p.in[i:])
	if r == utf8.RuneError && n <= 1 {
		if !utf8.FullRune(p.in[i:]) {
			return 0, p.errAt(i, msgPartialChar)
		}
		return 0, p.errAt(i, msgInvalidToken)
	}
	if r == 0xFFFE || r == 0xFFFF {
		return 0, p.errAt(i, msgInvalidToken)
	}
	return n, nil
}

// checkChars validates that in[from:to] holds only XML characters; used for
// comments, processing instructions and CDATA, which are rare.
func (p *parser) checkChars(from, to int) error {
	for i := from; i < to; {
		c := p.in[i]
		if c >= utf8.RuneSelf {
			n, err := p.checkRune(i)
			if err != nil {
				return err
			}
			i += n
			continue
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return p.errAt(i, msgInvalidToken)
		}
		i++
	}
	return nil
}

// scanName reads an XML name at in[i] and returns the offset after it, or
// the offset of the offending byte with ok false.
func (p *parser) scanName(i int) (end int, ok bool, err error) {
	in := p.in
	if i >= len(in) {
		return i, false, nil
	}
	if c := in[i]; c < utf8.RuneSelf {
		if !nameStart[c] {
			return i, false, nil
		}
		i++
	} else {
		r, n := utf8.DecodeRune(in[i:])
		if !isNameStartRune(r) {
			if r == utf8.RuneError && n <= 1 {
				_, err := p.checkRune(i)
				return i, false, err
			}
			return i, false, nil
		}
		i += n
	}
	for i < len(in) {
		c := in[i]
		if c < utf8.RuneSelf {
			if !nameChar[c] {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		if !isNameRune(r) {
			if r == utf8.RuneError && n <= 1 {
				_, err := p.checkRune(i)
				return i, false, err
			}
			break
		}
		i += n
	}
	return i, true, nil
}

// isNameStartRune approximates XML's NameStartChar for non-ASCII runes; the
// XML-RPC vocabulary is ASCII, so exactness only matters for error wording.
func isNameStartRune(r rune) bool {
	return r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF && unicode.IsLetter(r)
}

func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == 0xB7 || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// skipSpace advances over XML white space.
func (p *parser) skipSpace() {
	for p.pos < len(p.in) && isSpace(p.in[p.pos]) {
		p.pos++
	}
}

// nextTag skips white space, comments and processing instructions and reads
// the next tag into the parser. Non-blank character data (CDATA included) comes
// back as tagText so the caller can say where it was not expected.
func (p *parser) nextTag() error {
	for {
		p.skipSpace()
		i := p.pos
		if i >= len(p.in) {
			p.kind, p.at = tagEOF, i
			return nil
		}
		if p.in[i] != '<' {
			p.kind, p.at = tagText, i
			return nil
		}
		if i+1 < len(p.in) && (p.in[i+1] == '!' || p.in[i+1] == '?') {
			end, from, to, isCDATA, err := p.markup(i)
			if err != nil {
				return err
			}
			if isCDATA && !allSpace(p.in[from:to]) {
				p.kind, p.at = tagText, i
				return nil
			}
			p.pos = end
			continue
		}
		return p.tagHere()
	}
}

// tagHere reads the start or end tag at p.pos, which holds '<', into the parser.
func (p *parser) tagHere() error {
	i := p.pos
	if i+1 < len(p.in) && p.in[i+1] == '/' {
		return p.endTag(i)
	}
	return p.startTag(i)
}

// startTag reads <name attr="v" ...> or <name .../> at in[i] into the parser.
func (p *parser) startTag(i int) error {
	in := p.in
	// Fast path: an ASCII name closed by '>', i.e. every tag of a typical
	// call.
	if j := i + 1; j < len(in) && nameStart[in[j]] {
		for j++; j < len(in) && nameChar[in[j]]; j++ {
		}
		if j < len(in) && in[j] == '>' {
			p.kind, p.empty, p.at, p.nameAt, p.nameEnd = tagStart, false, i, i+1, j
			p.pos = j + 1
			return nil
		}
	}
	end, ok, err := p.scanName(i + 1)
	if err != nil {
		return err
	}
	if !ok {
		if end >= len(in) {
			return p.errAt(i, msgUnclosedToken)
		}
		return p.errAt(end, msgInvalidToken)
	}
	p.kind, p.empty, p.at, p.nameAt, p.nameEnd = tagStart, false, i, i+1, end
	if end < len(in) && in[end] == '>' {
		p.pos = end + 1
		return nil
	}
	return p.startTagRest(i, end)
}

// startTagRest reads the attributes and the end of the start tag at in[i]
// whose name ends at in[j]. Attributes are checked and dropped: XML-RPC has
// none, but Apache clients put xmlns declarations on the root.
func (p *parser) startTagRest(i, j int) error {
	in := p.in
	// Attribute names, to refuse duplicates as expat does; a map takes over
	// beyond a few so that a tag with thousands of attributes stays linear.
	var seen [][2]int
	var seenMap map[string]struct{}
	for {
		sp := j
		for j < len(in) && isSpace(in[j]) {
			j++
		}
		if j >= len(in) {
			return p.errAt(i, msgUnclosedToken)
		}
		switch in[j] {
		case '>':
			p.pos = j + 1
			return nil
		case '/':
			if j+1 >= len(in) {
				return p.errAt(i, msgUnclosedToken)
			}
			if in[j+1] != '>' {
				return p.errAt(j+1, msgInvalidToken)
			}
			p.empty = true
			p.pos = j + 2
			return nil
		}
		if j == sp {
			return p.errAt(j, msgInvalidToken)
		}
		nameEnd, ok, err := p.scanName(j)
		if err != nil {
			return err
		}
		if !ok {
			return p.errAt(j, msgInvalidToken)
		}
		if seenMap != nil {
			if _, dup := seenMap[string(in[j:nameEnd])]; dup {
				return p.errAt(j, msgDuplicateAttr)
			}
			seenMap[string(in[j:nameEnd])] = struct{}{}
		} else {
			for _, s := range seen {
				if bytes.Equal(in[s[0]:s[1]], in[j:nameEnd]) {
					return p.errAt(j, msgDuplicateAttr)
				}
			}
			seen = append(seen, [2]int{j, nameEnd})
			if len(seen) == 8 {
				seenMap = make(map[string]struct{})
				for _, s := range seen {
					seenMap[string(in[s[0]:s[1]])] = struct{}{}
				}
			}
		}
		j, err = p.attrValue(i, nameEnd)
		if err != nil {
			return err
		}
	}
}

// attrValue checks ` = "value"` starting at in[j] and returns the offset
// after the closing quote. tagAt is the start of the tag, where expat
// reports entity errors found in attribute values.
func (p *parser) attrValue(tagAt, j int) (int, error) {
	in := p.in
	for j < len(in) && isSpace(in[j]) {
		j++
	}
	if j >= len(in) {
		return 0, p.errAt(tagAt, msgUnclosedToken)
	}
	if in[j] != '=' {
		return 0, p.errAt(j, msgInvalidToken)
	}
	j++
	for j < len(in) && isSpace(in[j]) {
		j++
	}
	if j >= len(in) {
		return 0, p.errAt(tagAt, msgUnclosedToken)
	}
	q := in[j]
	if q != '"' && q != '\'' {
		return 0, p.errAt(j, msgInvalidToken)
	}
	j++
	for {
		if j >= len(in) {
			return 0, p.errAt(tagAt, msgUnclosedToken)
		}
		c := in[j]
		switch {
		case c == q:
			return j + 1, nil
		case c == '<':
			return 0, p.errAt(j, msgInvalidToken)
		case c == '&':
			end, _, err := p.entity(j, nil)
			if err != nil {
				if se, ok := err.(*SyntaxError); ok && se.Msg == msgUndefinedEnt {
					return 0, p.errAt(tagAt, msgUndefinedEnt)
				}
				return 0, err
			}
			j = end
		case c >= utf8.RuneSelf:
			n, err := p.checkRune(j)
			if err != nil {
				return 0, err
			}
			j += n
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return 0, p.errAt(j, msgInvalidToken)
		default:
			j++
		}
	}
}

// endTag reads </name> at in[i] into the parser.
func (p *parser) endTag(i int) error {
	in := p.in
	if j := i + 2; j < len(in) && nameStart[in[j]] {
		for j++; j < len(in) && nameChar[in[j]]; j++ {
		}
		if j < len(in) && in[j] == '>' {
			p.kind, p.empty, p.at, p.nameAt, p.nameEnd = tagEnd, false, i, i+2, j
			p.pos = j + 1
			return nil
		}
	}
	end, ok, err := p.scanName(i + 2)
	if err != nil {
		return err
	}
	if !ok {
		if end >= len(in) {
			return p.errAt(i, msgUnclosedToken)
		}
		return p.errAt(end, msgInvalidToken)
	}
	j := end
	for j < len(in) && isSpace(in[j]) {
		j++
	}
	if j >= len(in) {
		return p.errAt(i, msgUnclosedToken)
	}
	if in[j] != '>' {
		return p.errAt(j, msgInvalidToken)
	}
	p.pos = j + 1
	p.kind, p.empty, p.at, p.nameAt, p.nameEnd = tagEnd, false, i, i+2, end
	return nil
}

// comment checks the comment (or other <! markup) at in[i] and returns the
// offset after it. Only comments are allowed; CDATA is handled by callers.
func (p *parser) comment(i int) (int, error) {
	in := p.in
	if k, ok := matchPrefix(in, i, "<!--"); !ok {
		if k >= len(in) {
			return 0, p.errAt(i, msgUnclosedToken)
		}
		return 0, p.errAt(k, msgInvalidToken)
	}
	j := i + 4
	k := bytes.Index(in[j:], []byte("--"))
	if k < 0 {
		if err := p.checkChars(j, len(in)); err != nil {
			return 0, err
		}
		return 0, p.errAt(i, msgUnclosedToken)
	}
	k += j
	if err := p.checkChars(j, k); err != nil {
		return 0, err
	}
	if k+2 >= len(in) {
		return 0, p.errAt(i, msgUnclosedToken)
	}
	if in[k+2] != '>' {
		return 0, p.errAt(k+2, msgInvalidToken)
	}
	return k + 3, nil
}

// matchPrefix compares in[i:] with lit and returns the first offset where
// they differ (len(in) when the input ends first).
func matchPrefix(in []byte, i int, lit string) (int, bool) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(in) {
			return len(in), false
		}
		if in[i+k] != lit[k] {
			return i + k, false
		}
	}
	return i + len(lit), true
}

// cdata locates the CDATA section at in[i] (which starts with "<![CDATA[")
// and returns its content bounds and the offset after it.
func (p *parser) cdata(i int) (from, to, end int, err error) {
	from = i + len("<![CDATA[")
	k := bytes.Index(p.in[from:], []byte("]]>"))
	if k < 0 {
		if err := p.checkChars(from, len(p.in)); err != nil {
			return 0, 0, 0, err
		}
		return 0, 0, 0, p.errAt(len(p.in), msgUnclosedCDATA)
	}
	to = from + k
	if err := p.checkChars(from, to); err != nil {
		return 0, 0, 0, err
	}
	return from, to, to + 3, nil
}

// pi checks the processing instruction at in[i] and returns the offset
// after it. An XML declaration anywhere but the start is an error, as in
// expat.
func (p *parser) pi(i int) (int, error) {
	in := p.in
	end, ok, err := p.scanName(i + 2)
	if err != nil {
		return 0, err
	}
	if !ok {
		if end >= len(in) {
			return 0, p.errAt(i, msgUnclosedToken)
		}
		return 0, p.errAt(end, msgInvalidToken)
	}
	target := in[i+2 : end]
	if len(target) == 3 && (target[0]|0x20) == 'x' && (target[1]|0x20) == 'm' && (target[2]|0x20) == 'l' {
		if string(target) == "xml" {
			return 0, p.errAt(i, msgMisplacedDecl)
		}
		return 0, p.errAt(end, msgInvalidToken)
	}
	j := end
	if j+1 < len(in) && in[j] == '?' && in[j+1] == '>' {
		return j + 2, nil
	}
	if j >= len(in) {
		return 0, p.errAt(i, msgUnclosedToken)
	}
	if !isSpace(in[j]) {
		if in[j] == '?' && j+1 >= len(in) {
			return 0, p.errAt(i, msgUnclosedToken)
		}
		return 0, p.errAt(j, msgInvalidToken)
	}
	k := bytes.Index(in[j:], []byte("?>"))
	if k < 0 {
		if err := p.checkChars(j, len(in)); err != nil {
			return 0, err
		}
		return 0, p.errAt(i, msgUnclosedToken)
	}
	if err := p.checkChars(j, j+k); err != nil {
		return 0, err
	}
	return j + k + 2, nil
}

// entity decodes the reference at in[i] ('&'), appends the character to dst
// and returns the offset after the ';'.
func (p *parser) entity(i int, dst []byte) (int, []byte, error) {
	in := p.in
	j := i + 1
	if j < len(in) && in[j] == '#' {
		return p.charRef(i, dst)
	}
	end, ok, err := p.scanName(j)
	if err != nil {
		return 0, dst, err
	}
	if !ok || end >= len(in) || in[end] != ';' {
		if end >= len(in) {
			return 0, dst, p.errAt(i, msgUnclosedToken)
		}
		return 0, dst, p.errAt(end, msgInvalidToken)
	}
	var c byte
	switch string(in[j:end]) {
	case "lt":
		c = '<'
	case "gt":
		c = '>'
	case "amp":
		c = '&'
	case "quot":
		c = '"'
	case "apos":
		c = '\''
	default:
		// Without a DTD (and DTDs are refused) no other entity exists, so
		// nothing here can expand into more than one character.
		return 0, dst, p.errAt(i, msgUndefinedEnt)
	}
	return end + 1, append(dst, c), nil
}

// charRef decodes &#ddd; or &#xhhh; at in[i].
func (p *parser) charRef(i int, dst []byte) (int, []byte, error) {
	in := p.in
	j := i + 2
	hex := j < len(in) && in[j] == 'x'
	if hex {
		j++
	}
	start := j
	var r int64
	for ; j < len(in); j++ {
		c := in[j]
		var d int64
		switch {
		case c >= '0' && c <= '9':
			d = int64(c - '0')
		case hex && c >= 'a' && c <= 'f':
			d = int64(c-'a') + 10
		case hex && c >= 'A' && c <= 'F':
			d = int64(c-'A') + 10
		case c == ';' && j > start:
			if !isXMLChar(r) {
				return 0, dst, p.errAt(i, msgBadCharRef)
			}
			return j + 1, utf8.AppendRune(dst, rune(r)), nil
		default:
			return 0, dst, p.errAt(j, msgInvalidToken)
		}
		if hex {
			r = r*16 + d
		} else {
			r = r*10 + d
		}
		if r > unicode.MaxRune {
			r = unicode.MaxRune + 1 // saturate: still invalid, never overflows
		}
	}
	return 0, dst, p.errAt(i, msgUnclosedToken)
}

// isXMLChar is XML 1.0's Char production.
func isXMLChar(r int64) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF:
		return false
	case r == 0xFFFE || r == 0xFFFF:
		return false
	}
	return r <= unicode.MaxRune
}

// readText reads character data from p.pos up to the next start or end tag
// and returns it decoded (entities, CDATA, line ends). When nothing needs
// decoding the result aliases the input; otherwise it aliases p.buf and is
// valid until the next call. At return p.pos is at '<' or at end of input.
func (p *parser) readText() ([]byte, error) {
	in := p.in
	max := p.lim.MaxStringBytes
	start, i := p.pos, p.pos
	copied := false
	out := p.buf[:0]
	for {
		for n := 1; i < len(in) && textPlain[in[i]]; n++ {
			i++
			if n%16 == 0 { // a long run: go on a word at a time
				i = skipPlainWords(in, i)
			}
		}
		if i >= len(in) {
			break
		}
		c := in[i]
		switch {
		case c == '<':
			if i+1 < len(in) && (in[i+1] == '!' || in[i+1] == '?') {
				if len(out)+i-start > max {
					return nil, p.tooLong()
				}
				out, copied = append(out, in[start:i]...), true
				end, o, err := p.markupInText(i, out)
				if err != nil {
					return nil, err
				}
				out = o
				if len(out) > max {
					return nil, p.tooLong()
				}
				start, i = end, end
				continue
			}
			goto done
		case c == '&':
			if len(out)+i-start > max {
				return nil, p.tooLong()
			}
			out, copied = append(out, in[start:i]...), true
			end, o, err := p.entity(i, out)
			if err != nil {
				return nil, err
			}
			out = o
			if len(out) > max {
				return nil, p.tooLong()
			}
			start, i = end, end
		case c == '\r':
			// XML turns CR and CRLF into LF before the application sees
			// the text; Python clients depend on it.
			if len(out)+i-start > max {
				return nil, p.tooLong()
			}
			out, copied = append(out, in[start:i]...), true
			out = append(out, '\n')
			i++
			if i < len(in) && in[i] == '\n' {
				i++
			}
			if len(out) > max {
				return nil, p.tooLong()
			}
			start = i
		case c == ']':
			if i+2 < len(in) && in[i+1] == ']' && in[i+2] == '>' {
				return nil, p.errAt(i+2, msgInvalidToken)
			}
			i++
		case c >= utf8.RuneSelf:
			n, err := p.checkRune(i)
			if err != nil {
				return nil, err
			}
			i += n
		default:
			return nil, p.errAt(i, msgInvalidToken)
		}
	}
done:
	p.pos = i
	if !copied {
		if i-start > max {
			return nil, p.tooLong()
		}
		return in[start:i], nil
	}
	if len(out)+i-start > max {
		return nil, p.tooLong()
	}
	out = append(out, in[start:i]...)
	p.buf = out
	return out, nil
}

// markupInText handles a comment, CDATA section or processing instruction
// met inside character data, appending CDATA content to out.
func (p *parser) markupInText(i int, out []byte) (int, []byte, error) {
	end, from, to, isCDATA, err := p.markup(i)
	if err != nil || !isCDATA {
		return end, out, err
	}
	if len(out)+to-from > p.lim.MaxStringBytes {
		return 0, out, p.tooLong()
	}
	return end, appendNormalized(out, p.in[from:to]), nil
}

// markup checks the comment, CDATA section or processing instruction at
// in[i] ("<!" or "<?") and returns the offset after it; for CDATA it also
// returns the content bounds.
func (p *parser) markup(i int) (end, from, to int, isCDATA bool, err error) {
	in := p.in
	if in[i+1] == '?' {
		end, err = p.pi(i)
		return end, 0, 0, false, err
	}
	if i+2 < len(in) && in[i+2] == '[' {
		if k, ok := matchPrefix(in, i, "<![CDATA["); !ok {
			if k >= len(in) {
				return 0, 0, 0, false, p.errAt(i, msgUnclosedToken)
			}
			return 0, 0, 0, false, p.errAt(k, msgInvalidToken)
		}
		from, to, end, err = p.cdata(i)
		return end, from, to, true, err
	}
	end, err = p.comment(i)
	return end, 0, 0, false, err
}

// appendNormalized appends b with CR and CRLF turned into LF.
func appendNormalized(dst, b []byte) []byte {
	for {
		k := bytes.IndexByte(b, '\r')
		if k < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:k]...)
		dst = append(dst, '\n')
		b = b[k+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}

func (p *parser) tooLong() error {
	return &LimitError{What: "string longer than " + strconv.Itoa(p.lim.MaxStringBytes) + " bytes"}
}
