package python

import "fmt"

// Stmt is one statement: a simple statement (its tokens), or a compound
// statement with its clauses. The parser is statement-level: expressions
// stay as token spans, which the analysis reads (see expr.go).
type Stmt struct {
	// Keyword is the statement's first keyword ("if", "def", "class",
	// "import", "from", "return", ...) or "" for an expression or
	// assignment statement.
	Keyword string
	// Toks are the tokens of a simple statement, without the ';' or
	// NEWLINE that ends it.
	Toks []Token
	// Decorators are the expressions after each '@' of a def or class.
	Decorators [][]Token
	// Clauses of a compound statement: "if", "elif", "else"; "try",
	// "except", "finally"; "def"; "class"; "match", "case"; ...
	Clauses []Clause
	Off     int
	Line    int
}

// Clause is one header and block of a compound statement.
type Clause struct {
	Keyword string
	// Head are the tokens between the keyword and the ':' that ends the
	// header.
	Head []Token
	Body []*Stmt
}

// Module is a parsed file.
type Module struct {
	Body []*Stmt
}

type parser struct {
	toks  []Token
	i     int
	depth int
	lim   Limits
}

// Parse tokenizes and parses Python source into statements. It accepts
// Python 3 syntax up to 3.13 at the statement level (decorators, async,
// match/case, soft keywords, f-strings at any nesting) and never runs
// anything.
func Parse(src string, lim Limits) (*Module, error) {
	toks, err := Tokenize(src, lim)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, lim: lim}
	body, err := p.block(true)
	if err != nil {
		return nil, err
	}
	return &Module{Body: body}, nil
}

func (p *parser) peek() Token { return p.toks[p.i] }

func (p *parser) next() Token {
	t := p.toks[p.i]
	if t.Kind != EOF {
		p.i++
	}
	return t
}

func (p *parser) errf(t Token, format string, args ...any) error {
	return &SyntaxError{Off: t.Off, Line: t.Line, Msg: fmt.Sprintf(format, args...)}
}

// block parses statements until DEDENT (or EOF at the top level).
func (p *parser) block(top bool) ([]*Stmt, error) {
	var out []*Stmt
	for {
		t := p.peek()
		switch {
		case t.Kind == EOF:
			if !top {
				return out, p.errf(t, "unexpected end of file in a block")
			}
			return out, nil
		case t.Kind == Dedent && !top:
			p.next()
			return out, nil
		case t.Kind == Dedent || t.Kind == Indent:
			return out, p.errf(t, "unexpected %s", t.Kind)
		case t.Kind == Newline:
			p.next()
			continue
		}
		ss, err := p.statement()
		out = append(out, ss...)
		if err != nil {
			return out, err
		}
	}
}

var compound = map[string]bool{"if": true, "while": true, "for": true, "try": true, "with": true,
	"def": true, "class": true, "async": true, "@": true}

// statement parses one statement, or the simple statements of one line.
func (p *parser) statement() ([]*Stmt, error) {
	t := p.peek()
	kw := t.Text
	if t.Kind == Name && (kw == "match" || kw == "case") && p.softCompound() {
		s, err := p.compound()
		return []*Stmt{s}, err
	}
	if (t.Kind == Name || t.Kind == Op && kw == "@") && compound[kw] {
		s, err := p.compound()
		return []*Stmt{s}, err
	}
	return p.simpleLine()
}

// softCompound reports whether the line starting with the soft keyword
// match or case is a compound statement: its logical line ends with ':'
// followed by an indented block, and the keyword is not used as a name
// (followed by '=', '.', ...).
func (p *parser) softCompound() bool {
	nx := p.toks[p.i+1]
	if nx.Kind == Op && (nx.Text == "=" || nx.Text == "." || nx.Text == ":" || nx.Text == "," || nx.Text == ")" ||
		len(nx.Text) == 2 && nx.Text[1] == '=' && nx.Text != "==") || nx.Kind == Newline {
		return false
	}
	j := p.i
	for p.toks[j].Kind != Newline && p.toks[j].Kind != EOF {
		j++
	}
	return j > p.i && p.toks[j].Kind == Newline && p.toks[j-1].Kind == Op && p.toks[j-1].Text == ":" &&
		p.toks[j+1].Kind == Indent
}

// simpleLine parses simple statements separated by ';' up to NEWLINE.
func (p *parser) simpleLine() ([]*Stmt, error) {
	var out []*Stmt
	for {
		s := &Stmt{Off: p.peek().Off, Line: p.peek().Line}
		for {
			t := p.peek()
			if t.Kind == Newline || t.Kind == EOF || t.Kind == Op && t.Text == ";" && t.Depth == 0 {
				break
			}
			if t.Kind == Indent || t.Kind == Dedent {
				return out, p.errf(t, "unexpected %s", t.Kind)
			}
			s.Toks = append(s.Toks, p.next())
		}
		if len(s.Toks) > 0 {
			if k := s.Toks[0]; k.Kind == Name && simpleKeywords[k.Text] {
				s.Keyword = k.Text
			}
			out = append(out, s)
		}
		t := p.next()
		if t.Kind != Op {
			return out, nil
		}
		if n := p.peek(); n.Kind == Newline || n.Kind == EOF {
			p.next()
			return out, nil
		}
	}
}

var simpleKeywords = map[string]bool{"import": true, "from": true, "return": true, "pass": true, "break": true,
	"continue": true, "raise": true, "global": true, "nonlocal": true, "del": true, "assert": true, "yield": true}

// compound parses a compound statement: decorators, then the clauses that
// belong together (if/elif/else, try/except/else/finally, ...).
func (p *parser) compound() (*Stmt, error) {
	if p.depth >= p.lim.MaxDepth {
		return nil, p.errf(p.peek(), "statements nested more than %d deep", p.lim.MaxDepth)
	}
	p.depth++
	defer func() { p.depth-- }()
	s := &Stmt{Off: p.peek().Off, Line: p.peek().Line}
	for p.peek().Kind == Op && p.peek().Text == "@" {
		p.next()
		var d []Token
		for p.peek().Kind != Newline && p.peek().Kind != EOF {
			d = append(d, p.next())
		}
		p.next()
		s.Decorators = append(s.Decorators, d)
	}
	first := p.peek()
	if first.Kind != Name || !compound[first.Text] && first.Text != "match" && first.Text != "case" {
		return s, p.errf(first, "expected def or class after decorator, found %q", first.Text)
	}
	s.Keyword = first.Text
	for {
		c, err := p.clause()
		if c.Keyword != "" {
			s.Clauses = append(s.Clauses, c)
		}
		if err != nil {
			return s, err
		}
		if !continues(s.Keyword, p.peek()) {
			return s, nil
		}
	}
}

// continues reports whether t starts a clause that continues a compound
// statement started by kw.
func continues(kw string, t Token) bool {
	if t.Kind != Name {
		return false
	}
	switch kw {
	case "if":
		return t.Text == "elif" || t.Text == "else"
	case "for", "while":
		return t.Text == "else"
	case "try":
		return t.Text == "except" || t.Text == "else" || t.Text == "finally"
	}
	return false
}

// clause parses "keyword head: body".
func (p *parser) clause() (Clause, error) {
	kw := p.next()
	c := Clause{Keyword: kw.Text}
	if kw.Text == "async" {
		c.Keyword = "async " + p.next().Text
	}
	lambdas := 0
	for {
		t := p.peek()
		if t.Kind == Newline || t.Kind == EOF {
			return c, p.errf(t, "expected ':' after %s", c.Keyword)
		}
		p.next()
		if t.Depth == 0 && t.Kind == Name && t.Text == "lambda" {
			lambdas++
		}
		if t.Depth == 0 && t.Kind == Op && t.Text == ":" {
			if lambdas == 0 {
				break
			}
			lambdas--
		}
		c.Head = append(c.Head, t)
	}
	var err error
	if p.peek().Kind == Newline {
		p.next()
		if t := p.next(); t.Kind != Indent {
			return c, p.errf(t, "expected an indented block after %s", c.Keyword)
		}
		c.Body, err = p.block(false)
		return c, err
	}
	c.Body, err = p.simpleLine()
	return c, err
}
