package gguf

// postfix parses attribute access, subscripts and calls after a primary.
func (p *parser) postfix(n *node) (*node, error) {
	for {
		t := p.peek()
		var err error
		switch {
		case t.kind == tOp && t.val == ".":
			p.next()
			a := p.next()
			switch a.kind {
			case tName:
				n = &node{kind: nGetattr, pos: a.pos, name: a.val, kids: []*node{n}}
			case tNumber:
				idx := &node{kind: nConst, pos: a.pos, val: cval{kind: kNum}}
				idx.val.num, _ = parseNum(a.val)
				n = &node{kind: nGetitem, pos: a.pos, kids: []*node{n, idx}}
			default:
				return nil, synErr(a.pos, "expected an attribute name after '.'")
			}
		case t.kind == tOp && t.val == "[":
			p.next()
			n, err = p.subscript(n, t.pos)
		case t.kind == tOp && t.val == "(":
			n, err = p.call(n)
		default:
			return n, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// subscript parses the inside of [...] after n.
func (p *parser) subscript(n *node, pos int) (*node, error) {
	var args []*node
	for !p.acceptOp("]") {
		if len(args) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		a, err := p.subscribed()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	if len(args) == 0 {
		return nil, synErr(pos, "empty subscript")
	}
	arg := args[0]
	if len(args) > 1 {
		arg = &node{kind: nTuple, pos: pos, kids: args}
	}
	return &node{kind: nGetitem, pos: pos, kids: []*node{n, arg}}, nil
}

// subscribed parses an index or a slice.
func (p *parser) subscribed() (*node, error) {
	pos := p.peek().pos
	var start *node
	var err error
	if !p.isOp(":") {
		if start, err = p.expr(); err != nil {
			return nil, err
		}
		if !p.isOp(":") {
			return start, nil
		}
	}
	p.next()
	sl := &node{kind: nSlice, pos: pos, kids: []*node{start, nil, nil}}
	if !p.isOp("]") && !p.isOp(",") && !p.isOp(":") {
		if sl.kids[1], err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.acceptOp(":") && !p.isOp("]") && !p.isOp(",") {
		if sl.kids[2], err = p.expr(); err != nil {
			return nil, err
		}
	}
	return sl, nil
}

// args parses "(a, b, k=v, *x, **y)" into positional and keyword arguments.
func (p *parser) args() ([]*node, []kwarg, error) {
	if err := p.expectOp("("); err != nil {
		return nil, nil, err
	}
	var pos []*node
	var kw []kwarg
	for n := 0; !p.acceptOp(")"); n++ {
		if n > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, nil, err
			}
			if p.acceptOp(")") {
				break
			}
		}
		if p.acceptOp("*") || p.acceptOp("**") {
			e, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			pos = append(pos, e)
			continue
		}
		if t := p.peek(); t.kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].val == "=" {
			p.i += 2
			e, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			kw = append(kw, kwarg{name: t.val, pos: t.pos, val: e})
			continue
		}
		e, err := p.expr()
		if err != nil {
			return nil, nil, err
		}
		pos = append(pos, e)
	}
	return pos, kw, nil
}

func (p *parser) call(fn *node) (*node, error) {
	pos := p.peek().pos
	a, kw, err := p.args()
	if err != nil {
		return nil, err
	}
	return &node{kind: nCall, pos: pos, kids: append([]*node{fn}, a...), kw: kw}, nil
}

// filterExpr parses filters, tests and calls after n (parse_filter_expr).
func (p *parser) filterExpr(n *node) (*node, error) {
	for {
		var err error
		switch {
		case p.isOp("|"):
			p.next()
			n, err = p.filter(n)
		case p.isName("is"):
			p.next()
			n, err = p.test(n)
		case p.isOp("("):
			n, err = p.call(n)
		default:
			return n, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// dottedName parses name(.name)*.
func (p *parser) dottedName() (token, error) {
	t, err := p.expectName()
	if err != nil {
		return t, err
	}
	for p.isOp(".") && p.toks[p.i+1].kind == tName {
		t.val += "." + p.toks[p.i+1].val
		p.i += 2
	}
	return t, nil
}

// filter parses a filter name and its arguments, applied to n (nil in a
// filter block).
func (p *parser) filter(n *node) (*node, error) {
	t, err := p.dottedName()
	if err != nil {
		return nil, err
	}
	f := &node{kind: nFilter, pos: t.pos, name: t.val, kids: []*node{n}}
	if p.isOp("(") {
		a, kw, err := p.args()
		if err != nil {
			return nil, err
		}
		f.kids, f.kw = append(f.kids, a...), kw
	}
	return f, nil
}

// test parses "is [not] name [arg]" applied to n.
func (p *parser) test(n *node) (*node, error) {
	neg := p.acceptName("not")
	t, err := p.dottedName()
	if err != nil {
		return nil, err
	}
	tn := &node{kind: nTest, pos: t.pos, name: t.val, kids: []*node{n}}
	nt := p.peek()
	switch {
	case p.isOp("("):
		a, kw, err := p.args()
		if err != nil {
			return nil, err
		}
		tn.kids, tn.kw = append(tn.kids, a...), kw
	case nt.kind == tString || nt.kind == tNumber || nt.kind == tOp && (nt.val == "[" || nt.val == "{" || nt.val == "(") ||
		nt.kind == tName && nt.val != "else" && nt.val != "or" && nt.val != "and":
		a, err := p.primary()
		if err != nil {
			return nil, err
		}
		if a, err = p.postfix(a); err != nil {
			return nil, err
		}
		tn.kids = append(tn.kids, a)
	}
	if neg {
		tn = &node{kind: nUnary, pos: tn.pos, name: "not", kids: []*node{tn}}
	}
	return tn, nil
}

func parseNum(s string) (float64, bool) {
	var f float64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		f = f*10 + float64(c-'0')
	}
	return f, true
}
