package gguf

import (
	"strconv"
	"strings"
)

// nodeKind is the kind of an expression node.
type nodeKind uint8

const (
	nName    nodeKind = iota
	nConst            // val
	nGetattr          // kids[0].name
	nGetitem          // kids[0][kids[1]]
	nSlice            // kids: start, stop, step (nil when absent)
	nCall             // kids[0](kids[1:]..., kw...)
	nFilter           // kids[0]|name(kids[1:]..., kw...); kids[0] is nil in a filter block
	nTest             // kids[0] is name(kids[1:]...)
	nBin              // kids[0] name kids[1]
	nUnary            // name kids[0]
	nCond             // kids[0] if kids[1] else kids[2]
	nList
	nTuple
	nDict // kids: key, value, key, value ...
)

// node is a Jinja expression.
type node struct {
	kind nodeKind
	pos  int
	name string
	val  cval
	kids []*node
	kw   []kwarg
}

// kwarg is a keyword argument of a call, filter or test.
type kwarg struct {
	name string
	pos  int
	val  *node
}

// stmt is what the checker needs from one tag: its expressions, the names
// it binds and, for "set name = value", the assignment.
type stmt struct {
	tag    string // "" for {{ }}
	pos    int
	exprs  []*node
	binds  []string
	target string // "x" or "ns.attr" for a simple set
	value  *node
	// block marks a {% set x %}...{% endset %} block assignment.
	block bool
}

// maxNesting bounds expression recursion.
const maxNesting = 200

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isOp(v string) bool {
	t := p.peek()
	return t.kind == tOp && t.val == v
}

func (p *parser) isName(v string) bool {
	t := p.peek()
	return t.kind == tName && t.val == v
}

func (p *parser) acceptOp(v string) bool {
	if p.isOp(v) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptName(v string) bool {
	if p.isName(v) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectOp(v string) error {
	if !p.acceptOp(v) {
		return synErr(p.peek().pos, "expected %q", v)
	}
	return nil
}

func (p *parser) expectName() (token, error) {
	t := p.peek()
	if t.kind != tName {
		return t, synErr(t.pos, "expected a name")
	}
	p.i++
	return t, nil
}

// enter guards recursion depth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return synErr(p.peek().pos, "expression nests deeper than %d", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseTemplate parses the tags of a template into statements, checking
// that blocks are balanced.
func parseTemplate(src string) ([]stmt, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var out []stmt
	var blocks blockStack
	for p.peek().kind != tEOF {
		t := p.next()
		var s stmt
		switch t.kind {
		case tVarBegin:
			e, err := p.tuple(true, false)
			if err != nil {
				return nil, err
			}
			s = stmt{pos: t.pos, exprs: []*node{e}}
			if p.peek().kind != tVarEnd {
				return nil, synErr(p.peek().pos, "expected the end of the print tag")
			}
		case tBlockBegin:
			if s, err = p.statement(); err != nil {
				return nil, err
			}
			if err := blocks.apply(s); err != nil {
				return nil, err
			}
			if p.peek().kind != tBlockEnd {
				return nil, synErr(p.peek().pos, "expected the end of the %q tag", s.tag)
			}
		default:
			return nil, synErr(t.pos, "unexpected token %q", t.val)
		}
		p.next()
		out = append(out, s)
	}
	return out, blocks.done(len(src))
}

// blockStack checks that block tags nest.
type blockStack []stmt

var enders = map[string]string{
	"endfor": "for", "endif": "if", "endmacro": "macro", "endcall": "call", "endfilter": "filter",
	"endset": "set", "endblock": "block", "endwith": "with", "endautoescape": "autoescape",
	"endgeneration": "generation", "endtrans": "trans",
}

func (b *blockStack) apply(s stmt) error {
	switch s.tag {
	case "for", "if", "macro", "call", "filter", "block", "with", "autoescape", "generation", "trans":
		*b = append(*b, s)
	case "set":
		if s.block {
			*b = append(*b, s)
		}
	case "elif", "else":
		top := ""
		if len(*b) > 0 {
			top = (*b)[len(*b)-1].tag
		}
		if top != "if" && (s.tag != "else" || top != "for") {
			return synErr(s.pos, "%q outside an if block", s.tag)
		}
	default:
		if open, ok := enders[s.tag]; ok {
			if len(*b) == 0 || (*b)[len(*b)-1].tag != open {
				return synErr(s.pos, "%q without a matching %q", s.tag, open)
			}
			*b = (*b)[:len(*b)-1]
		}
	}
	return nil
}

func (b blockStack) done(end int) error {
	if len(b) > 0 {
		return synErr(end, "%q block opened at byte %d is not closed", b[len(b)-1].tag, b[len(b)-1].pos)
	}
	return nil
}

// tuple parses comma-separated expressions (parse_tuple); explicit is set
// inside parentheses, where an empty tuple is allowed.
func (p *parser) tuple(withCond, explicit bool) (*node, error) {
	pos := p.peek().pos
	var items []*node
	isTuple := false
	for {
		if len(items) > 0 {
			if !p.acceptOp(",") {
				break
			}
			isTuple = true
		}
		if p.tupleEnd() {
			break
		}
		var e *node
		var err error
		if withCond {
			e, err = p.expr()
		} else {
			e, err = p.or()
		}
		if err != nil {
			return nil, err
		}
		items = append(items, e)
	}
	switch {
	case len(items) == 1 && !isTuple:
		return items[0], nil
	case len(items) == 0 && !explicit:
		return nil, synErr(pos, "expected an expression")
	}
	return &node{kind: nTuple, pos: pos, kids: items}, nil
}

func (p *parser) tupleEnd() bool {
	t := p.peek()
	switch t.kind {
	case tBlockEnd, tVarEnd, tEOF:
		return true
	case tOp:
		return t.val == ")" || t.val == "]" || t.val == "}" || t.val == "="
	case tName:
		return t.val == "recursive" || t.val == "if" || t.val == "in" || t.val == "import"
	default:
		return false
	}
}

// expr parses an expression with conditional expressions (parse_condexpr).
func (p *parser) expr() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		pos := p.next().pos
		test, err := p.or()
		if err != nil {
			return nil, err
		}
		var alt *node
		if p.acceptName("else") {
			if alt, err = p.expr(); err != nil {
				return nil, err
			}
		}
		e = &node{kind: nCond, pos: pos, kids: []*node{e, test, alt}}
	}
	return e, nil
}

// binary parses a left-associative chain of ops over sub.
func (p *parser) binary(sub func() (*node, error), names []string, ops ...string) (*node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op := ""
		for _, o := range ops {
			if t.kind == tOp && t.val == o {
				op = o
			}
		}
		for _, n := range names {
			if t.kind == tName && t.val == n {
				op = n
			}
		}
		if op == "" {
			return l, nil
		}
		p.next()
		if op == "not" { // "not in"
			if !p.acceptName("in") {
				return nil, synErr(t.pos, "expected \"in\" after \"not\"")
			}
			op = "not in"
		}
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &node{kind: nBin, pos: t.pos, name: op, kids: []*node{l, r}}
	}
}

func (p *parser) or() (*node, error)  { return p.binary(p.and, []string{"or"}) }
func (p *parser) and() (*node, error) { return p.binary(p.not, []string{"and"}) }

func (p *parser) not() (*node, error) {
	if p.isName("not") {
		pos := p.next().pos
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &node{kind: nUnary, pos: pos, name: "not", kids: []*node{x}}, nil
	}
	return p.binary(p.math1, []string{"in", "not"}, "==", "!=", "<", "<=", ">", ">=")
}

func (p *parser) math1() (*node, error)  { return p.binary(p.concat, nil, "+", "-") }
func (p *parser) concat() (*node, error) { return p.binary(p.math2, nil, "~") }
func (p *parser) math2() (*node, error)  { return p.binary(p.pow, nil, "*", "/", "//", "%") }
func (p *parser) pow() (*node, error)    { return p.binary(p.unaryF, nil, "**") }
func (p *parser) unaryF() (*node, error) { return p.unary(true) }

// unary parses a unary minus or plus, a primary, its postfix operators
// and, with withFilter, its filters and tests.
func (p *parser) unary(withFilter bool) (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var n *node
	var err error
	if t := p.peek(); t.kind == tOp && (t.val == "-" || t.val == "+") {
		p.next()
		x, err := p.unary(false)
		if err != nil {
			return nil, err
		}
		n = &node{kind: nUnary, pos: t.pos, name: t.val, kids: []*node{x}}
	} else {
		if n, err = p.primary(); err != nil {
			return nil, err
		}
		if n, err = p.postfix(n); err != nil {
			return nil, err
		}
	}
	if withFilter {
		return p.filterExpr(n)
	}
	return n, nil
}

// primary parses a name, a literal or a parenthesised expression.
func (p *parser) primary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tName:
		switch t.val {
		case "true", "True", "false", "False":
			return &node{kind: nConst, pos: t.pos, val: cval{kind: kBool}}, nil
		case "none", "None":
			return &node{kind: nConst, pos: t.pos, val: cval{kind: kNone}}, nil
		}
		return &node{kind: nName, pos: t.pos, name: t.val}, nil
	case tString:
		var b strings.Builder
		b.WriteString(t.val)
		bad := t.bad
		for p.peek().kind == tString { // adjacent literals concatenate
			b.WriteString(p.peek().val)
			bad = bad || p.next().bad
		}
		v := strVal(b.String())
		if bad {
			v = cval{kind: kUnknown, computed: true}
		}
		return &node{kind: nConst, pos: t.pos, val: v}, nil
	case tNumber:
		f, err := strconv.ParseFloat(strings.ReplaceAll(t.val, "_", ""), 64)
		if err != nil {
			return nil, synErr(t.pos, "bad number %q", t.val)
		}
		return &node{kind: nConst, pos: t.pos, val: cval{kind: kNum, num: f}}, nil
	case tOp:
		switch t.val {
		case "(":
			e, err := p.tuple(true, true)
			if err != nil {
				return nil, err
			}
			return e, p.expectOp(")")
		case "[":
			return p.seq(t.pos, nList, "]")
		case "{":
			return p.seq(t.pos, nDict, "}")
		}
	default:
	}
	return nil, synErr(t.pos, "unexpected %q", t.val)
}

// seq parses a list or dict literal after its opening bracket.
func (p *parser) seq(pos int, kind nodeKind, closer string) (*node, error) {
	n := &node{kind: kind, pos: pos}
	for !p.acceptOp(closer) {
		if len(n.kids) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.acceptOp(closer) {
				break
			}
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, e)
		if kind == nDict {
			if err := p.expectOp(":"); err != nil {
				return nil, err
			}
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, v)
		}
	}
	return n, nil
}
