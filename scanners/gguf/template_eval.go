package gguf

import (
	"github.com/seed-43c89ce6/aibom/scanners"
)

// eval folds n as far as constants allow and checks every node on the way.
func (c *checker) eval(n *node, depth int) cval {
	if n == nil {
		return cval{kind: kNone}
	}
	if depth > maxEvalDepth {
		c.add(scanners.High, n.pos, "", "expression nests deeper than %d levels", maxEvalDepth)
		return unknown(false)
	}
	d := depth + 1
	switch n.kind {
	case nConst:
		c.checkProduced(n.pos, n.val)
		if n.val.kind == kStr && len(n.val.str) > maxFoldLen {
			return unknown(false) // too long to fold cheaply
		}
		return n.val
	case nName:
		return c.name(n)
	case nGetattr:
		obj := c.eval(n.kids[0], d)
		c.member(n, n.kids[0], strVal(n.name), "attribute", false)
		if o := n.kids[0]; o.kind == nName {
			if v, ok := c.env[o.name+"."+n.name]; ok { // a namespace attribute
				return v
			}
		}
		return unknown(obj.computed)
	case nGetitem:
		return c.getitem(n, d)
	case nCall:
		return c.call(n, d)
	case nFilter:
		return c.filter(n, d)
	case nBin:
		l, r := c.eval(n.kids[0], d), c.eval(n.kids[1], d)
		v := binop(n.name, l, r)
		c.checkProduced(n.pos, v)
		return v
	case nUnary:
		v := c.eval(n.kids[0], d)
		if n.name == "-" && v.kind == kNum {
			v.num = -v.num
			return v
		}
		return unknown(false)
	case nCond:
		return c.cond(n, d)
	case nList, nTuple:
		return c.list(n, d)
	default: // dicts, tests, stray slices
		for _, k := range n.kids {
			c.eval(k, d)
		}
		for _, k := range n.kw {
			c.eval(k.val, d)
		}
		return unknown(false)
	}
}

// cond folds "a if test else b" to the strings it may be.
func (c *checker) cond(n *node, d int) cval {
	a := c.eval(n.kids[0], d)
	c.eval(n.kids[1], d)
	b := c.eval(n.kids[2], d)
	v := unknown(a.computed || b.computed)
	v.alts = append(append(v.alts, a.strings()...), b.strings()...)
	if len(v.alts) > maxAlts {
		v.alts = v.alts[:maxAlts]
	}
	return v
}

func (c *checker) list(n *node, d int) cval {
	v := cval{kind: kList}
	for _, k := range n.kids {
		v.list = append(v.list, c.eval(k, d))
	}
	if len(v.list) > maxFoldList {
		return unknown(false)
	}
	return v
}

// name resolves a variable: a value set in the template, or a free name
// that is checked against Python's dangerous names.
func (c *checker) name(n *node) cval {
	if v, ok := c.env[n.name]; ok {
		return v
	}
	if c.bound[n.name] {
		return unknown(false)
	}
	switch {
	case isDunder(n.name):
		c.add(scanners.Critical, n.pos, n.name, "name %s is a Python special name", n.name)
	case execNames[n.name]:
		c.add(scanners.High, n.pos, n.name, "name %s is a Python module or builtin, not a template variable", n.name)
	}
	return unknown(false)
}

func (c *checker) getitem(n *node, d int) cval {
	obj := c.eval(n.kids[0], d)
	arg := n.kids[1]
	if arg.kind == nSlice {
		var b [3]cval
		var given [3]bool
		for i, k := range arg.kids {
			if k != nil {
				b[i], given[i] = c.eval(k, d), true
			}
		}
		return slice(obj, b, given)
	}
	key := c.eval(arg, d)
	c.member(n, n.kids[0], key, "subscript key", true)
	return index(obj, key)
}

// args evaluates positional and keyword arguments.
func (c *checker) args(n *node, d int) []cval {
	var out []cval
	for _, k := range n.kids[1:] {
		out = append(out, c.eval(k, d))
	}
	for _, k := range n.kw {
		if isDunder(k.name) {
			c.add(scanners.High, k.pos, k.name, "keyword argument %s builds the Python special name %s", k.name, k.name)
		}
		c.eval(k.val, d)
	}
	return out
}

func (c *checker) call(n *node, d int) cval {
	fn := n.kids[0]
	var v cval
	switch fn.kind {
	case nGetattr:
		obj := c.eval(fn.kids[0], d)
		c.member(fn, fn.kids[0], strVal(fn.name), "attribute", false)
		args := c.args(n, d)
		if critCalls[fn.name] {
			c.add(scanners.Critical, fn.pos, describe(fn, 0), "call of .%s() runs code", fn.name)
		}
		v = strMethod(obj, fn.name, args)
	case nName:
		c.eval(fn, d)
		c.args(n, d)
		if execNames[fn.name] && !c.bound[fn.name] {
			c.add(scanners.Critical, fn.pos, fn.name, "call of %s() reaches Python code execution", fn.name)
		}
		v = unknown(false)
	default:
		f := c.eval(fn, d)
		c.args(n, d)
		v = unknown(f.computed)
	}
	c.checkProduced(n.pos, v)
	return v
}

func (c *checker) filter(n *node, d int) cval {
	var v cval
	if n.kids[0] != nil {
		v = c.eval(n.kids[0], d)
	}
	args := c.args(n, d)
	arg := func(i int) cval {
		if i < len(args) {
			return args[i]
		}
		return cval{kind: kNone}
	}
	path := describe(n, 0)
	switch n.name {
	case "attr":
		a := arg(0)
		for _, s := range a.strings() {
			c.attrName(n.pos, s, describe(n.kids[0], 0)+"|attr("+quote(s)+")", "attr() filter name", false)
		}
		if a.kind != kStr {
			c.add(scanners.High, n.pos, path, "attr() filter takes a name computed at render time")
		}
	case "map":
		if a := arg(0); a.kind == kStr && a.str == "attr" {
			c.attrPath(n.pos, arg(1), path, "map('attr') name")
		}
	case "selectattr", "rejectattr", "groupby":
		c.attrPath(n.pos, arg(0), path, n.name+"() attribute")
	}
	for i, k := range n.kw {
		if k.name == "attribute" {
			c.attrPath(k.pos, c.eval(n.kw[i].val, d), path, n.name+"(attribute=)")
		}
	}
	out := applyFilter(n.name, v, args)
	c.checkProduced(n.pos, out)
	return out
}
