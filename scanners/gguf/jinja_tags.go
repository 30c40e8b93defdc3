package gguf

// noArgTags are tags that take nothing (or that this analysis ignores the
// contents of, like "endblock name").
var noArgTags = map[string]bool{
	"else": true, "endif": true, "endfor": true, "endmacro": true, "endcall": true, "endfilter": true,
	"endset": true, "endwith": true, "endautoescape": true, "endgeneration": true, "generation": true,
	"break": true, "continue": true, "endblock": true,
}

// statement parses the inside of a {% %} tag.
func (p *parser) statement() (stmt, error) {
	t, err := p.expectName()
	if err != nil {
		return stmt{}, err
	}
	s := stmt{tag: t.val, pos: t.pos}
	switch {
	case noArgTags[t.val]:
		if t.val == "endblock" && p.peek().kind == tName {
			p.next()
		}
		return s, nil
	case t.val == "for":
		return s, p.forTag(&s)
	case t.val == "set":
		return s, p.setTag(&s)
	case t.val == "macro" || t.val == "call":
		return s, p.macroTag(&s)
	case t.val == "with":
		return s, p.withTag(&s)
	case t.val == "import" || t.val == "from":
		return s, p.importTag(&s)
	}
	var e *node
	switch t.val {
	case "if", "elif":
		e, err = p.tuple(false, false)
	case "do":
		e, err = p.tuple(true, false)
	case "autoescape", "extends":
		e, err = p.expr()
	case "include":
		if e, err = p.expr(); err == nil {
			p.acceptName("ignore")
			p.acceptName("missing")
			p.context()
		}
	case "filter":
		e, err = p.filterChain()
	case "block":
		_, err = p.expectName()
		p.acceptName("scoped")
		p.acceptName("required")
		return s, err
	default:
		return s, synErr(t.pos, "unknown tag %q", t.val)
	}
	if e != nil {
		s.exprs = append(s.exprs, e)
	}
	return s, err
}

// context skips "with context" / "without context".
func (p *parser) context() {
	if p.acceptName("with") || p.acceptName("without") {
		p.acceptName("context")
	}
}

// filterChain parses "name(args)|name(args)..." of a filter block or a
// set block.
func (p *parser) filterChain() (*node, error) {
	f, err := p.filter(nil)
	for err == nil && p.acceptOp("|") {
		f, err = p.filter(f)
	}
	return f, err
}

// assignTarget parses a name, a namespace attribute (ns.attr) or a tuple
// of names; target is set for a single name or attribute.
func (p *parser) assignTarget(ns bool) (names []string, target string, err error) {
	paren := p.acceptOp("(")
	for {
		t, err := p.expectName()
		if err != nil {
			return nil, "", err
		}
		full := t.val
		if ns && p.acceptOp(".") {
			a, err := p.expectName()
			if err != nil {
				return nil, "", err
			}
			full += "." + a.val
		}
		names = append(names, t.val)
		target = full
		if !p.acceptOp(",") || paren && p.isOp(")") {
			break
		}
	}
	if paren {
		if err := p.expectOp(")"); err != nil {
			return nil, "", err
		}
	}
	if len(names) > 1 {
		target = ""
	}
	return names, target, nil
}

func (p *parser) forTag(s *stmt) error {
	var err error
	if s.binds, _, err = p.assignTarget(false); err != nil {
		return err
	}
	if !p.acceptName("in") {
		return synErr(p.peek().pos, "expected \"in\"")
	}
	it, err := p.tuple(false, false)
	if err != nil {
		return err
	}
	s.exprs = append(s.exprs, it)
	if p.acceptName("if") {
		c, err := p.expr()
		if err != nil {
			return err
		}
		s.exprs = append(s.exprs, c)
	}
	p.acceptName("recursive")
	return nil
}

func (p *parser) setTag(s *stmt) error {
	var err error
	if s.binds, s.target, err = p.assignTarget(true); err != nil {
		return err
	}
	if p.acceptOp("=") {
		if s.value, err = p.tuple(true, false); err != nil {
			return err
		}
		s.exprs = append(s.exprs, s.value)
		return nil
	}
	s.block = true
	if p.acceptOp("|") {
		f, err := p.filterChain()
		if err != nil {
			return err
		}
		s.exprs = append(s.exprs, f)
	}
	return nil
}

// macroTag parses "macro name(params)" or "call(params) expr".
func (p *parser) macroTag(s *stmt) error {
	if s.tag == "macro" {
		t, err := p.expectName()
		if err != nil {
			return err
		}
		s.binds = append(s.binds, t.val)
	}
	if s.tag == "macro" || p.isOp("(") {
		if err := p.expectOp("("); err != nil {
			return err
		}
		for n := 0; !p.acceptOp(")"); n++ {
			if n > 0 {
				if err := p.expectOp(","); err != nil {
					return err
				}
			}
			t, err := p.expectName()
			if err != nil {
				return err
			}
			s.binds = append(s.binds, t.val)
			if p.acceptOp("=") {
				d, err := p.expr()
				if err != nil {
					return err
				}
				s.exprs = append(s.exprs, d)
			}
		}
	}
	if s.tag == "call" {
		e, err := p.expr()
		if err != nil {
			return err
		}
		s.exprs = append(s.exprs, e)
	}
	return nil
}

func (p *parser) withTag(s *stmt) error {
	for n := 0; p.peek().kind != tBlockEnd; n++ {
		if n > 0 {
			if err := p.expectOp(","); err != nil {
				return err
			}
		}
		names, _, err := p.assignTarget(false)
		if err != nil {
			return err
		}
		s.binds = append(s.binds, names...)
		if err := p.expectOp("="); err != nil {
			return err
		}
		e, err := p.expr()
		if err != nil {
			return err
		}
		s.exprs = append(s.exprs, e)
	}
	return nil
}

// importTag parses "import expr as name" and "from expr import a [as b], ...".
func (p *parser) importTag(s *stmt) error {
	e, err := p.expr()
	if err != nil {
		return err
	}
	s.exprs = append(s.exprs, e)
	if s.tag == "import" {
		if !p.acceptName("as") {
			return synErr(p.peek().pos, "expected \"as\"")
		}
		t, err := p.expectName()
		s.binds = append(s.binds, t.val)
		p.context()
		return err
	}
	if !p.acceptName("import") {
		return synErr(p.peek().pos, "expected \"import\"")
	}
	for n := 0; p.peek().kind == tName; n++ {
		if p.isName("with") || p.isName("without") {
			break
		}
		t := p.next()
		if p.acceptName("as") {
			if t, err = p.expectName(); err != nil {
				return err
			}
		}
		s.binds = append(s.binds, t.val)
		if !p.acceptOp(",") {
			break
		}
	}
	p.context()
	return nil
}
