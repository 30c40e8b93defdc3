package python

import (
	"fmt"
	"strings"
)

// Issue is one thing the analysis saw: a call or an access, where, and how
// bad.
type Issue struct {
	// Class is Dangerous, Unknown, Dynamic or Deferred (see classes).
	Class Class
	// Callee is the resolved dotted name ("os.system"), when known.
	Callee string
	Msg    string
	Off    int
	Line   int
}

// Class ranks what a call at import time does.
type Class int

// Classes of Issue, least worrying first.
const (
	// Deferred: a dangerous call in code that runs only when called
	// (a function body): reported for information.
	Deferred Class = iota
	// Environment: a known, narrow effect on the process (an environment
	// variable set at import time).
	Environment
	// Unknown: code runs at import time whose effect is not known.
	Unknown
	// Dynamic: names or code resolved at run time (getattr with a computed
	// name, globals(), __subclasses__): what runs cannot be read.
	Dynamic
	// Dangerous: files, processes, network, native code or code execution
	// at import time.
	Dangerous
)

// Analysis is what Analyze learns from a module.
type Analysis struct {
	Issues []Issue
	// Imports are the modules the file imports, in order, without
	// duplicates; relative ones keep their dots.
	Imports []string
	// Classes and Functions count the top-level definitions.
	Classes, Functions int
}

type analyzer struct {
	lim      Limits
	scope    *scope
	defs     map[string]*Stmt
	running  map[string]bool
	deferral int
	out      Analysis
	imported map[string]bool
	recorded map[string]bool
	// bases are the bases of the file's classes, as paths.
	bases   map[string][]string
	dropped int
	// from is the line of the import-time call that runs the body being
	// analysed, 0 at the top level.
	from int
	// calls, when set, collects every call instead of classifying it
	// (see Calls).
	calls *[]Call
}

// Analyze reports what the module runs when it is imported: module-level
// statements, class bodies, decorators, default values, and the bodies of
// its own functions that these call. Function bodies are read too, and
// their dangerous calls reported as Deferred.
func Analyze(m *Module, lim Limits) Analysis {
	a := newAnalyzer(lim)
	a.block(m.Body)
	if a.dropped > 0 {
		a.out.Issues = append(a.out.Issues, Issue{Class: Unknown, Msg: fmt.Sprintf("%d more issues not recorded", a.dropped)})
	}
	return a.out
}

// maxIssues bounds the issues kept per file (memory does not grow with a
// hostile file's calls); the rest are counted.
const maxIssues = 1000

func newAnalyzer(lim Limits) *analyzer {
	return &analyzer{lim: lim, scope: child(nil), defs: map[string]*Stmt{}, running: map[string]bool{},
		imported: map[string]bool{}, recorded: map[string]bool{}, bases: map[string][]string{}}
}

func (a *analyzer) issue(c Class, callee string, t Token, format string, args ...any) {
	if a.deferral > 0 && c != Deferred {
		if c != Dangerous {
			return
		}
		c = Deferred
	}
	if len(a.out.Issues) >= maxIssues {
		a.dropped++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if c == Deferred {
		msg = strings.Replace(msg, " at import time", " in code that runs when called, not on import", 1)
	}
	if a.from > 0 && c != Deferred {
		msg += fmt.Sprintf(" (in a function called at import time from line %d)", a.from)
	}
	a.out.Issues = append(a.out.Issues, Issue{Class: c, Callee: callee, Msg: msg, Off: t.Off, Line: t.Line})
}

func (a *analyzer) unparsed(off int, msg string) {
	if len(a.out.Issues) >= maxIssues {
		a.dropped++
		return
	}
	a.out.Issues = append(a.out.Issues, Issue{Class: Unknown, Msg: msg, Off: off})
}

// deferred analyses code that runs only when called.
func (a *analyzer) deferred(toks []Token) {
	a.deferral++
	a.span(toks)
	a.deferral--
}

func (a *analyzer) deferredBlock(body []*Stmt) {
	a.deferral++
	saved := a.scope
	a.scope = child(saved)
	a.block(body)
	a.scope = saved
	a.deferral--
}

// scope is a block's names, in front of the scopes around it: a lookup
// walks out (nesting is bounded by Limits.MaxDepth), a binding stays in
// the block.
type scope struct {
	names  map[string]value
	parent *scope
}

func child(s *scope) *scope { return &scope{names: map[string]value{}, parent: s} }

func (s *scope) get(name string) (value, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.names[name]; ok {
			return v, true
		}
	}
	return value{}, false
}

func (s *scope) set(name string, v value) { s.names[name] = v }

func (a *analyzer) block(body []*Stmt) {
	for _, s := range body {
		a.stmt(s)
	}
}

func (a *analyzer) stmt(s *Stmt) {
	switch s.Keyword {
	case "import", "from":
		a.importStmt(s)
	case "def", "async def", "async":
		a.def(s)
	case "class":
		a.class(s)
	case "if":
		a.ifStmt(s)
	case "":
		a.assign(s.Toks)
	case "global", "nonlocal", "pass", "break", "continue":
	default:
		if len(s.Clauses) == 0 {
			a.span(s.Toks[1:])
			return
		}
		for _, c := range s.Clauses {
			a.head(c)
			a.block(c.Body)
		}
	}
}

// head evaluates a clause header and binds the names it introduces
// (for x in ..., with ... as f, except E as e) to what they hold.
func (a *analyzer) head(c Clause) {
	switch c.Keyword {
	case "for", "async for":
		parts := splitKeyword(c.Head, "in")
		a.span(parts[len(parts)-1])
		a.unbind(parts[0])
	case "with", "async with":
		for _, item := range splitTop(c.Head, ",") {
			parts := splitKeyword(item, "as")
			v := a.span(parts[0])
			if len(parts) > 1 && len(parts[1]) == 1 && parts[1][0].Kind == Name {
				a.scope.set(parts[1][0].Text, v)
			}
		}
	case "except", "except*":
		parts := splitKeyword(c.Head, "as")
		a.span(parts[0])
	case "case":
		// Patterns only match: they call nothing (a class pattern
		// checks isinstance). Guards run.
		parts := splitKeyword(c.Head, "if")
		if len(parts) > 1 {
			a.span(parts[1])
		}
	default:
		a.span(c.Head)
	}
}

// splitKeyword splits toks at the first name kw at their depth.
func splitKeyword(toks []Token, kw string) [][]Token {
	for i, t := range toks {
		if t.Kind == Name && t.Text == kw && t.Depth == toks[0].Depth {
			return [][]Token{toks[:i], toks[i+1:]}
		}
	}
	return [][]Token{toks}
}

func (a *analyzer) unbind(target []Token) {
	for _, t := range target {
		if t.Kind == Name {
			a.scope.set(t.Text, value{})
		}
	}
}

// ifStmt skips the bodies that never run on import: if __name__ ==
// "__main__" and if TYPE_CHECKING.
func (a *analyzer) ifStmt(s *Stmt) {
	for i, c := range s.Clauses {
		a.head(c)
		if i == 0 && (isMainGuard(c.Head) || isTypeChecking(c.Head)) {
			a.deferredBlock(c.Body)
			continue
		}
		a.block(c.Body)
	}
}

func isMainGuard(h []Token) bool {
	var b strings.Builder
	for _, t := range h {
		b.WriteString(t.Text)
	}
	s := strings.ReplaceAll(b.String(), "'", `"`)
	return s == `__name__=="__main__"` || s == `"__main__"==__name__`
}

func isTypeChecking(h []Token) bool {
	var b strings.Builder
	for _, t := range h {
		b.WriteString(t.Text)
	}
	s := b.String()
	return s == "TYPE_CHECKING" || s == "typing.TYPE_CHECKING"
}

// def binds a function and evaluates what its definition runs: decorators
// (each called with the function), default values and annotations.
func (a *analyzer) def(s *Stmt) {
	if len(s.Clauses) == 0 {
		return
	}
	c := s.Clauses[0]
	if c.Keyword == "class" {
		a.class(s)
		return
	}
	if a.deferral == 0 && a.from == 0 {
		a.out.Functions++
	}
	if len(c.Head) > 0 && c.Head[0].Kind == Name {
		a.defs["local:"+c.Head[0].Text] = s
		defer func() { a.scope.set(c.Head[0].Text, value{path: "local:" + c.Head[0].Text}) }()
	}
	if len(c.Head) > 1 {
		a.span(c.Head[1:])
	}
	a.decorate(s)
	a.deferredBlock(c.Body)
}

func (a *analyzer) decorate(s *Stmt) {
	for i := len(s.Decorators) - 1; i >= 0; i-- {
		d := s.Decorators[i]
		if len(d) == 0 {
			continue
		}
		v := a.span(d)
		a.call(v, nil, d[0])
	}
}

// class binds a class, evaluates its bases and keywords, runs its body
// (class bodies run at import time) and calls its decorators.
func (a *analyzer) class(s *Stmt) {
	c := s.Clauses[0]
	if a.deferral == 0 && a.from == 0 {
		a.out.Classes++
	}
	if len(c.Head) > 2 && c.Head[1].Text == "(" {
		args := a.args(c.Head[2:closing(c.Head, 1)])
		a.classHooks(args, c.Head[0])
		for _, ar := range args {
			if ar.name == "" && !ar.star && ar.v.path != "" {
				a.bases["local:"+c.Head[0].Text] = append(a.bases["local:"+c.Head[0].Text], ar.v.path)
			}
		}
	}
	saved := a.scope
	a.scope = child(saved)
	a.block(c.Body)
	a.scope = saved
	if len(c.Head) > 0 && c.Head[0].Kind == Name {
		a.defs["local:"+c.Head[0].Text] = s
		a.scope.set(c.Head[0].Text, value{path: "local:" + c.Head[0].Text})
	}
	a.decorate(s)
}

// assign evaluates an expression or assignment statement and binds simple
// names to the value assigned.
func (a *analyzer) assign(toks []Token) {
	parts := splitTop(toks, "=")
	if len(parts) == 1 {
		if ann := splitTop(toks, ":"); len(ann) == 2 {
			a.span(ann[1])
			return
		}
		for _, op := range []string{"+=", "-=", "*=", "/=", "//=", "%=", "**=", "|=", "&=", "^=", ">>=", "<<=", "@="} {
			if aug := splitTop(toks, op); len(aug) == 2 {
				a.target(aug[0], value{})
				a.span(aug[1])
				return
			}
		}
		a.span(toks)
		return
	}
	v := a.span(parts[len(parts)-1])
	for _, t := range parts[:len(parts)-1] {
		if ann := splitTop(t, ":"); len(ann) == 2 {
			a.span(ann[1])
			t = ann[0]
		}
		a.target(t, v)
	}
}

// target binds the assignment target t to v, and reports assignments
// that change imported modules or the environment.
func (a *analyzer) target(t []Token, v value) {
	if len(t) == 0 {
		return
	}
	if len(t) == 1 && t[0].Kind == Name {
		a.scope.set(t[0].Text, v)
		return
	}
	if topComma(t) || t[0].Kind == Op {
		a.unbind(t)
		a.span(t)
		return
	}
	tv := a.span(t)
	root := strings.SplitN(tv.path, ".", 2)[0]
	switch {
	case strings.HasPrefix(tv.path, "os.environ."):
		a.issue(Environment, tv.path, t[0], "sets the environment variable %s at import time", strings.TrimPrefix(tv.path, "os.environ."))
	case strings.HasPrefix(tv.path, "torch.backends.") || strings.HasPrefix(tv.path, "torch._dynamo.config.") ||
		strings.HasPrefix(tv.path, "torch._inductor.config."):
		a.issue(Environment, tv.path, t[0], "sets the PyTorch flag %s at import time", tv.path)
	case tv.path != "" && !strings.Contains(tv.path, "()") && root != litPath && !strings.HasPrefix(root, "local:") && a.imported[root]:
		a.issue(Unknown, tv.path, t[0], "replaces %s at import time (monkey-patching an imported module)", tv.path)
	}
}

// lookup resolves a name: local bindings, then builtins.
func (a *analyzer) lookup(name string) value {
	if v, ok := a.scope.get(name); ok {
		return v
	}
	if name == "__builtins__" {
		return value{path: "builtins"}
	}
	if a.calls != nil {
		return value{path: name}
	}
	if builtinNames[name] {
		return value{path: "builtins." + name}
	}
	if name == "__name__" || name == "__file__" || name == "__doc__" {
		return value{path: litPath}
	}
	return value{path: "?" + name}
}

// attribute reports attribute names that only introspection tricks use.
func (a *analyzer) attribute(_ value, name Token) {
	if dunderEscapes[name.Text] {
		a.issue(Dynamic, "", name, "reads %s, which sandbox escapes use to reach arbitrary callables", name.Text)
	}
}

// classHooks analyses what creating a class runs besides its body: the
// metaclass (its __new__ and __init__) and the __init_subclass__ of bases
// defined in this file.
func (a *analyzer) classHooks(args []arg, t Token) {
	for _, ar := range args {
		switch {
		case ar.name == "metaclass":
			a.call(ar.v, nil, t)
		case ar.name == "" && strings.HasPrefix(ar.v.path, "local:"):
			def, ok := a.defs[ar.v.path]
			if !ok || def.Clauses[0].Keyword != "class" || a.deferral > 0 {
				continue
			}
			for _, s := range def.Clauses[0].Body {
				if s.Keyword == "def" && len(s.Clauses) > 0 && len(s.Clauses[0].Head) > 0 &&
					s.Clauses[0].Head[0].Text == "__init_subclass__" && !a.running[ar.v.path+".__init_subclass__"] {
					a.running[ar.v.path+".__init_subclass__"] = true
					saved := a.scope
					a.scope = child(saved)
					a.block(s.Clauses[0].Body)
					a.scope = saved
				}
			}
		}
	}
}
