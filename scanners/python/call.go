package python

import (
	"strings"
)

// importStmt binds the names an import statement introduces to the
// dotted paths they stand for.
func (a *analyzer) importStmt(s *Stmt) {
	toks := s.Toks[1:]
	if s.Keyword == "import" {
		for _, part := range splitTop(toks, ",") {
			names := splitKeyword(part, "as")
			mod := joinTokens(names[0])
			a.record(mod)
			if len(names) > 1 && len(names[1]) == 1 {
				a.bind(names[1][0].Text, mod)
				continue
			}
			root := strings.SplitN(mod, ".", 2)[0]
			a.bind(root, root)
		}
		return
	}
	parts := splitKeyword(toks, "import")
	if len(parts) != 2 {
		return
	}
	mod := joinTokens(parts[0])
	a.record(mod)
	if mod == "__future__" {
		return
	}
	list := parts[1]
	if len(list) > 0 && list[0].Text == "(" {
		list = list[1:closing(list, 0)]
	}
	for _, item := range splitTop(list, ",") {
		names := splitKeyword(item, "as")
		if len(names[0]) != 1 {
			continue
		}
		name := names[0][0].Text
		full := mod + "." + name
		if strings.Trim(mod, ".") == "" {
			full = mod + name
		}
		if name == "*" {
			continue
		}
		alias := name
		if len(names) > 1 && len(names[1]) == 1 {
			alias = names[1][0].Text
		}
		a.bind(alias, full)
	}
}

func (a *analyzer) bind(name, path string) {
	a.scope.set(name, value{path: path})
	a.imported[name] = true
}

func (a *analyzer) record(mod string) {
	if a.deferral > 0 || a.from > 0 {
		return
	}
	if a.recorded[mod] || len(a.out.Imports) >= maxIssues {
		return
	}
	a.recorded[mod] = true
	a.out.Imports = append(a.out.Imports, mod)
}

func joinTokens(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.Text)
	}
	return b.String()
}

// call records a call of v at t and returns the value of its result.
func (a *analyzer) call(v value, args []arg, t Token) value {
	if a.calls != nil {
		*a.calls = append(*a.calls, Call{Callee: v.path, Off: t.Off, Line: t.Line})
		if v.path == "" {
			return value{}
		}
		return value{path: v.path + "()"}
	}
	switch {
	case v.lambda != nil:
		if a.deferral == 0 {
			a.span(v.lambda)
		}
		return value{}
	case strings.HasPrefix(v.path, "local:"):
		return a.callLocal(v, t)
	case v.path == "":
		a.issue(Unknown, "", t, "calls an expression whose target cannot be resolved statically, at import time")
		return value{}
	case strings.HasPrefix(v.path, "?"):
		a.issue(Unknown, v.path[1:], t, "calls %s, which this file does not define or import (a star import or a builtin of another Python)", v.path[1:])
		return value{}
	}
	switch v.path {
	case "builtins.__import__", "importlib.import_module", "importlib.__import__":
		if len(args) > 0 && args[0].v.isStr && !strings.HasPrefix(args[0].v.str, ".") {
			a.record(args[0].v.str)
			if v.path == "builtins.__import__" {
				return value{path: strings.SplitN(args[0].v.str, ".", 2)[0]}
			}
			return value{path: args[0].v.str}
		}
		a.issue(Dynamic, v.path, t, "imports a module whose name is computed at run time (%s)", v.path)
		return value{}
	case "builtins.vars":
		if len(args) == 1 && args[0].v.path != "" {
			a.issue(Dynamic, v.path, t, "reads the namespace of %s with vars() at import time", args[0].v.path)
			return value{path: args[0].v.path + ".__dict__"}
		}
	case "builtins.getattr":
		if len(args) >= 2 && args[1].v.isStr && args[0].v.path != "" {
			return value{path: args[0].v.path + "." + args[1].v.str}
		}
		a.issue(Dynamic, v.path, t, "reads an attribute whose name is computed at run time (getattr)")
		return value{}
	}
	a.passed(v, args, t)
	c, why := classify(v.path, args)
	if c >= 0 && int(c)+1 > v.cls {
		a.issue(c, v.path, t, "%s", why)
		return value{path: v.path + "()", cls: int(c) + 1}
	}
	return value{path: v.path + "()", cls: v.cls}
}

// callLocal analyses, once, the body of a function (or the constructor of
// a class) of this file that runs at import time.
func (a *analyzer) callLocal(v value, t Token) value {
	name := strings.TrimSuffix(v.path, "()")
	def, ok := a.defs[name]
	if !ok {
		def, ok = a.method(name)
	}
	if owner, attr, found := strings.Cut(name, "."); !ok && found && !strings.Contains(attr, ".") {
		// A method the class inherits from an imported base
		// (Config.register_for_auto_class()): the base's.
		for _, b := range a.bases[owner] {
			if !strings.HasPrefix(b, "local:") && !strings.HasPrefix(b, "?") {
				return a.call(value{path: b + "." + attr}, nil, t)
			}
		}
	}
	if !ok {
		if a.deferral == 0 {
			a.issue(Unknown, strings.TrimPrefix(v.path, "local:"), t, "calls %s at import time: its effect is not known", strings.TrimPrefix(v.path, "local:"))
		}
		return value{}
	}
	if a.deferral > 0 || a.running[name] {
		return value{path: v.path + "()"}
	}
	a.running[name] = true
	savedFrom, savedScope := a.from, a.scope
	if a.from == 0 {
		a.from = t.Line
	}
	a.scope = child(savedScope)
	c := def.Clauses[0]
	if c.Keyword == "class" {
		for _, s := range c.Body {
			if len(s.Clauses) > 0 && (s.Keyword == "def" || s.Keyword == "async def") && len(s.Clauses[0].Head) > 0 &&
				constructors[s.Clauses[0].Head[0].Text] {
				a.block(s.Clauses[0].Body)
			}
		}
	} else {
		a.block(c.Body)
	}
	a.from, a.scope = savedFrom, savedScope
	return value{path: v.path + "()"}
}

var constructors = map[string]bool{"__init__": true, "__new__": true, "__post_init__": true,
	"__init_subclass__": true, "__set_name__": true}

// Call is one call found by Calls.
type Call struct {
	// Callee is the dotted name called, resolved through the local
	// assignments before it ("fc = self.fc; fc.forward()" calls
	// "self.fc.forward"); a call's result adds "()". Empty when the
	// callee is computed (a subscript, a call's result).
	Callee    string
	Off, Line int
}

// Calls lists every call that the statements of body make, nested blocks,
// function bodies and lambdas included, in source order. Names are not
// resolved through imports: it is meant for code whose names are fully
// qualified, such as TorchScript's serialized code/ (torch.save, ops.aten.*).
func Calls(body []*Stmt, lim Limits) []Call {
	var out []Call
	a := newAnalyzer(lim)
	a.calls = &out
	a.block(body)
	return out
}

// passed reports a dangerous callable passed, uncalled, to a call at import
// time (map(os.system, ...), functools.partial(os.system, ...),
// atexit.register(os.system, ...)): the callee may call it.
func (a *analyzer) passed(callee value, args []arg, t Token) {
	for _, ar := range args {
		p := ar.v.path
		if p == "" || ar.v.cls != 0 || strings.Contains(p, "()") || strings.HasPrefix(p, "local:") || strings.HasPrefix(p, "?") {
			continue
		}
		if c, why := classify(p, nil); c == Dangerous {
			a.issue(Dangerous, p, t, "passes %s to %s at import time, which may call it (%s)", p, orUnknown(callee.path), why)
		}
	}
}

func orUnknown(p string) string {
	if p == "" {
		return "a computed callable"
	}
	return p
}

// method finds local:Class.method (a method of a class of this file,
// called on the class at import time: a registry's register). Property
// accessors (x.setter, x.getter, x.deleter) are returned as a def with no
// body: decorating with them runs nothing of the file.
func (a *analyzer) method(name string) (*Stmt, bool) {
	owner, attr, ok := strings.Cut(name, ".")
	if !ok {
		return nil, false
	}
	if attr == "setter" || attr == "getter" || attr == "deleter" || strings.HasPrefix(attr, "__doc__.") ||
		strings.HasPrefix(attr, "__name__.") || strings.HasPrefix(attr, "__qualname__.") {
		return &Stmt{Keyword: "def", Clauses: []Clause{{Keyword: "def"}}}, true
	}
	def, ok := a.defs[owner]
	if !ok || def.Clauses[0].Keyword != "class" || strings.Contains(attr, ".") {
		return nil, false
	}
	for _, s := range def.Clauses[0].Body {
		if (s.Keyword == "def" || s.Keyword == "async def") && len(s.Clauses) > 0 && len(s.Clauses[0].Head) > 0 &&
			s.Clauses[0].Head[0].Text == attr {
			return s, true
		}
	}
	return nil, false
}
