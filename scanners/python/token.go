package python

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a Token.
type Kind int

// Token kinds.
const (
	EOF Kind = iota
	Name
	Number
	String
	Op
	Newline
	Indent
	Dedent
)

var kindNames = [...]string{"EOF", "NAME", "NUMBER", "STRING", "OP", "NEWLINE", "INDENT", "DEDENT"}

func (k Kind) String() string {
	if k < EOF || k > Dedent {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Token is one lexical token of Python source.
type Token struct {
	Kind Kind
	// Text is the token's source text; for a String, the whole literal
	// with its prefix and quotes.
	Text string
	// Off is the byte offset of the token in the source; Line is 1-based.
	Off, Line int
	// Depth is the bracket depth the token is at (its own bracket counts
	// for a closing one, not for an opening one).
	Depth int
	// Value is a String's value, for plain (not f-) literals whose escapes
	// are all simple; Fields are the replacement fields of an f-string,
	// as source with their offsets.
	Value  string
	Fields []Field
}

// Field is the source of one f-string replacement field expression.
type Field struct {
	Src string
	Off int
}

// SyntaxError is a tokenizing or parsing error at a byte offset.
type SyntaxError struct {
	Off, Line int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("python: %s at line %d (offset %d)", e.Msg, e.Line, e.Off)
}

// Limits bound the work done on one file.
type Limits struct {
	// MaxTokens bounds the tokens of a file; MaxDepth the nesting of
	// brackets, blocks and f-strings.
	MaxTokens, MaxDepth int
}

// DefaultLimits suit the largest modeling files (transformers' biggest are
// ~300 KB and 60k tokens) and keep a hostile file's tokens under ~50 MB.
func DefaultLimits() Limits { return Limits{MaxTokens: 500_000, MaxDepth: 100} }

type lexer struct {
	src     string
	pos     int
	line    int
	depth   int
	brack   []byte
	indents []int
	toks    []Token
	lim     Limits
	// base is added to offsets (for f-string fields lexed alone).
	base int
}

// Tokenize splits src into tokens: NEWLINE ends each logical line, INDENT
// and DEDENT mark blocks, comments and blank lines are dropped. It never
// evaluates anything.
func Tokenize(src string, lim Limits) ([]Token, error) {
	lx := &lexer{src: strings.TrimPrefix(src, "\ufeff"), line: 1, indents: []int{0}, lim: lim}
	if len(lx.src) != len(src) {
		lx.base = len(src) - len(lx.src)
	}
	return lx.run()
}

func (lx *lexer) errf(off int, format string, args ...any) error {
	return &SyntaxError{Off: off + lx.base, Line: lx.line, Msg: fmt.Sprintf(format, args...)}
}

func (lx *lexer) emit(t Token) error {
	if len(lx.toks) >= lx.lim.MaxTokens {
		return lx.errf(t.Off, "more than %d tokens", lx.lim.MaxTokens)
	}
	t.Off += lx.base
	lx.toks = append(lx.toks, t)
	return nil
}

func (lx *lexer) run() ([]Token, error) {
	atLineStart := true
	for {
		if atLineStart && lx.depth == 0 {
			done, err := lx.indentation()
			if err != nil || done {
				return lx.toks, err
			}
			atLineStart = false
		}
		if lx.pos >= len(lx.src) {
			return lx.toks, lx.finish()
		}
		switch c := lx.src[lx.pos]; c {
		case ' ', '\t', '\f':
			lx.pos++
		case '#':
			lx.skipComment()
		case '\\':
			if err := lx.continuation(); err != nil {
				return lx.toks, err
			}
		case '\r', '\n':
			nl := lx.pos
			lx.newline()
			if lx.depth == 0 {
				if err := lx.emit(Token{Kind: Newline, Off: nl, Line: lx.line - 1}); err != nil {
					return lx.toks, err
				}
				atLineStart = true
			}
		default:
			if err := lx.token(); err != nil {
				return lx.toks, err
			}
		}
	}
}

func (lx *lexer) skipComment() {
	for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' && lx.src[lx.pos] != '\r' {
		lx.pos++
	}
}

func (lx *lexer) newline() {
	if lx.src[lx.pos] == '\r' && lx.pos+1 < len(lx.src) && lx.src[lx.pos+1] == '\n' {
		lx.pos++
	}
	lx.pos++
	lx.line++
}

func (lx *lexer) continuation() error {
	p := lx.pos + 1
	if p < len(lx.src) && (lx.src[p] == '\n' || lx.src[p] == '\r') {
		lx.pos = p
		lx.newline()
		return nil
	}
	if p >= len(lx.src) {
		return lx.errf(lx.pos, "unexpected end of file after line continuation")
	}
	return lx.errf(lx.pos, "unexpected character after line continuation")
}

// indentation reads the leading white space of a line, skipping blank and
// comment-only lines, and emits INDENT/DEDENT. done is true at the end of
// the source (after the final NEWLINE and DEDENTs).
func (lx *lexer) indentation() (done bool, err error) {
	for {
		col, p := 0, lx.pos
		for p < len(lx.src) {
			switch lx.src[p] {
			case ' ':
				col++
			case '\t':
				col = (col/8 + 1) * 8
			case '\f':
				col = 0
			default:
				goto measured
			}
			p++
		}
	measured:
		lx.pos = p
		if p >= len(lx.src) {
			return true, lx.finish()
		}
		switch lx.src[p] {
		case '#':
			lx.skipComment()
			continue
		case '\n', '\r':
			lx.newline()
			continue
		case '\\':
			// A line that starts with a continuation joins the next.
			return false, nil
		}
		return false, lx.indent(col)
	}
}

func (lx *lexer) indent(col int) error {
	top := lx.indents[len(lx.indents)-1]
	switch {
	case col > top:
		if len(lx.indents) > lx.lim.MaxDepth {
			return lx.errf(lx.pos, "blocks nested more than %d deep", lx.lim.MaxDepth)
		}
		lx.indents = append(lx.indents, col)
		return lx.emit(Token{Kind: Indent, Off: lx.pos, Line: lx.line})
	case col < top:
		for col < lx.indents[len(lx.indents)-1] {
			lx.indents = lx.indents[:len(lx.indents)-1]
			if err := lx.emit(Token{Kind: Dedent, Off: lx.pos, Line: lx.line}); err != nil {
				return err
			}
		}
		if col != lx.indents[len(lx.indents)-1] {
			return lx.errf(lx.pos, "unindent does not match any outer indentation level")
		}
	}
	return nil
}

// finish closes the source: an open bracket is an error; otherwise a last
// NEWLINE (if the last line had none), DEDENTs and EOF.
func (lx *lexer) finish() error {
	if lx.depth > 0 {
		return lx.errf(len(lx.src), "unexpected end of file: %q was never closed", lx.brack[len(lx.brack)-1])
	}
	if n := len(lx.toks); n > 0 && lx.toks[n-1].Kind != Newline && lx.toks[n-1].Kind != Dedent {
		if err := lx.emit(Token{Kind: Newline, Off: len(lx.src), Line: lx.line}); err != nil {
			return err
		}
	}
	for len(lx.indents) > 1 {
		lx.indents = lx.indents[:len(lx.indents)-1]
		if err := lx.emit(Token{Kind: Dedent, Off: len(lx.src), Line: lx.line}); err != nil {
			return err
		}
	}
	return lx.emit(Token{Kind: EOF, Off: len(lx.src), Line: lx.line})
}

// ops lists the operators, longest first within each leading byte.
var ops = []string{"**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "<>"}

func (lx *lexer) token() error {
	start := lx.pos
	c := lx.src[start]
	r, size := utf8.DecodeRuneInString(lx.src[start:])
	switch {
	case c == '"' || c == '\'':
		return lx.str(start, start)
	case c >= '0' && c <= '9' || c == '.' && start+1 < len(lx.src) && isDigit(lx.src[start+1]):
		return lx.number(start)
	case isIdentStart(r):
		p := start + size
		for p < len(lx.src) {
			r, n := utf8.DecodeRuneInString(lx.src[p:])
			if !isIdentCont(r) {
				break
			}
			p += n
		}
		if p < len(lx.src) && (lx.src[p] == '"' || lx.src[p] == '\'') && isStringPrefix(lx.src[start:p]) {
			return lx.str(start, p)
		}
		lx.pos = p
		return lx.emit(Token{Kind: Name, Text: lx.src[start:p], Off: start, Line: lx.line, Depth: lx.depth})
	case r == utf8.RuneError && size <= 1:
		return lx.errf(start, "invalid UTF-8")
	}
	return lx.op(start)
}

func (lx *lexer) op(start int) error {
	for _, o := range ops {
		if strings.HasPrefix(lx.src[start:], o) {
			lx.pos += len(o)
			return lx.emit(Token{Kind: Op, Text: o, Off: start, Line: lx.line, Depth: lx.depth})
		}
	}
	c := lx.src[start]
	if !strings.ContainsRune("()[]{}:,;.+-*/%&|^~<>=@!", rune(c)) {
		r, _ := utf8.DecodeRuneInString(lx.src[start:])
		return lx.errf(start, "invalid character %q", r)
	}
	lx.pos++
	depth := lx.depth
	switch c {
	case '(', '[', '{':
		if lx.depth >= lx.lim.MaxDepth {
			return lx.errf(start, "brackets nested more than %d deep", lx.lim.MaxDepth)
		}
		lx.depth++
		lx.brack = append(lx.brack, c)
	case ')', ']', '}':
		if lx.depth == 0 || lx.brack[len(lx.brack)-1] != opening(c) {
			return lx.errf(start, "unmatched %q", c)
		}
		lx.depth--
		lx.brack = lx.brack[:len(lx.brack)-1]
		depth = lx.depth
	}
	return lx.emit(Token{Kind: Op, Text: string(c), Off: start, Line: lx.line, Depth: depth})
}

func (lx *lexer) number(start int) error {
	p := start
	for p < len(lx.src) {
		c := lx.src[p]
		switch {
		case isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.':
			p++
		case (c == '+' || c == '-') && (lx.src[p-1] == 'e' || lx.src[p-1] == 'E') && !strings.ContainsAny(lx.src[start:p], "xXbBoO"):
			p++
		default:
			goto done
		}
	}
done:
	lx.pos = p
	return lx.emit(Token{Kind: Number, Text: lx.src[start:p], Off: start, Line: lx.line, Depth: lx.depth})
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && (unicode.IsLetter(r) || unicode.Is(unicode.Other_ID_Start, r))
}

func isIdentCont(r rune) bool {
	return isIdentStart(r) || r >= '0' && r <= '9' || r >= 0x80 && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc))
}

func isStringPrefix(p string) bool {
	switch strings.ToLower(p) {
	case "r", "u", "b", "f", "br", "rb", "fr", "rf", "t", "tr", "rt":
		return true
	}
	return false
}

func opening(c byte) byte {
	switch c {
	case ')':
		return '('
	case ']':
		return '['
	}
	return '{'
}
