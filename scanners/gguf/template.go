package gguf

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rules of the chat template findings.
const (
	// RuleTemplateSSTI flags Jinja constructs that reach Python internals
	// (dunder attributes, module walks, Jinja globals used as gateways).
	RuleTemplateSSTI = "GGUF-TEMPLATE-SSTI"
	// RuleTemplateUnparseable flags a template this analysis cannot parse:
	// it cannot be shown to be safe.
	RuleTemplateUnparseable = "GGUF-TEMPLATE-UNPARSEABLE"
	// RuleChatTemplate is the informational finding that records each
	// template and its SHA-256.
	RuleChatTemplate = "GGUF-CHAT-TEMPLATE"
)

// TemplateIssue is one problem found in a template.
type TemplateIssue struct {
	Rule     string
	Severity scanners.Severity
	// Pos is the byte offset in the template.
	Pos    int
	Global string
	Msg    string
}

// maxIssues bounds the issues reported per template.
const maxIssues = 100

// maxEvalDepth bounds the depth of expression trees the checker walks.
const maxEvalDepth = 1000

var (
	dunderRe   = regexp.MustCompile(`__[A-Za-z][A-Za-z0-9_]*__`)
	fragmentRe = regexp.MustCompile(`^__[A-Za-z]|[A-Za-z]__$`)
)

// gateways are Jinja and Flask globals whose attributes lead to Python
// internals (lipsum.__globals__, cycler.__init__.__globals__ ...).
var gateways = map[string]bool{
	"cycler": true, "joiner": true, "namespace": true, "lipsum": true, "self": true, "config": true,
	"request": true, "url_for": true, "get_flashed_messages": true, "range": true, "dict": true,
	"g": true, "session": true,
}

// execNames are Python modules and builtins that are never template
// variables: naming them is an attempt to reach code execution.
var execNames = map[string]bool{
	"os": true, "sys": true, "subprocess": true, "builtins": true, "importlib": true, "eval": true,
	"exec": true, "open": true, "compile": true, "getattr": true, "setattr": true, "delattr": true,
	"globals": true, "locals": true, "breakpoint": true, "import": true, "popen": true, "system": true,
}

// critAttrs are attribute names that only code-execution payloads use.
var critAttrs = map[string]bool{
	"os": true, "subprocess": true, "builtins": true, "import_module": true, "mro": true,
	"f_globals": true, "f_locals": true, "f_back": true, "f_builtins": true, "func_globals": true,
	"gi_frame": true, "gi_code": true, "co_code": true, "cr_frame": true, "popen": true,
}

// critCalls are method names that run commands when called.
var critCalls = map[string]bool{
	"system": true, "popen": true, "spawn": true, "spawnv": true, "execv": true, "execve": true,
	"check_output": true, "check_call": true, "getoutput": true, "getstatusoutput": true,
	"load_module": true, "eval": true, "exec": true,
}

// AnalyzeTemplate parses a Jinja template without rendering it and
// reports server-side template injection constructs; a template it cannot
// parse is reported too.
func AnalyzeTemplate(src string) []TemplateIssue {
	stmts, err := parseTemplate(src)
	if err != nil {
		return unparseable(src, err)
	}
	c := &checker{env: map[string]cval{}, bound: map[string]bool{}, seen: map[string]bool{}}
	for _, s := range stmts {
		for _, b := range s.binds {
			c.bound[b] = true
		}
	}
	for _, s := range stmts {
		switch s.tag {
		case "include", "import", "from", "extends":
			c.add(scanners.High, s.pos, s.tag, "{%% %s %%} loads another template through the environment's loader", s.tag)
		}
		for _, e := range s.exprs {
			v := c.eval(e, 0)
			if e == s.value && s.target != "" {
				c.assign(s.target, v)
				c.assignNamespace(s.target, e)
			}
		}
	}
	return c.issues
}

// unparseable reports a template that does not parse, and any dunder name
// in it: a more lenient engine may still render it.
func unparseable(src string, err error) []TemplateIssue {
	pos := 0
	var se *syntaxError
	if errors.As(err, &se) {
		pos = se.pos
	}
	out := []TemplateIssue{{Rule: RuleTemplateUnparseable, Severity: scanners.High, Pos: pos,
		Msg: "template does not parse as Jinja, so it cannot be shown to be safe: " + err.Error()}}
	for _, m := range dunderRe.FindAllStringIndex(src, maxIssues) {
		name := src[m[0]:m[1]]
		out = append(out, TemplateIssue{Rule: RuleTemplateSSTI, Severity: scanners.Critical, Pos: m[0], Global: name,
			Msg: fmt.Sprintf("unparseable template names the Python special attribute %s", name)})
	}
	return out
}

type checker struct {
	env    map[string]cval
	bound  map[string]bool
	seen   map[string]bool
	issues []TemplateIssue
}

func (c *checker) add(sev scanners.Severity, pos int, global, msg string, args ...any) {
	m := fmt.Sprintf(msg, args...)
	key := fmt.Sprintf("%d|%d|%s|%s", pos, sev, global, m)
	if c.seen[key] || len(c.issues) >= maxIssues {
		return
	}
	c.seen[key] = true
	c.issues = append(c.issues, TemplateIssue{Rule: RuleTemplateSSTI, Severity: sev, Pos: pos, Global: global, Msg: m})
}

// assign records "set target = v"; a name once computed stays computed.
func (c *checker) assign(target string, v cval) {
	if prev, ok := c.env[target]; ok && prev.computed {
		v.computed = true
	}
	c.env[target] = v
}

// assignNamespace records the attributes of "set ns = namespace(k=v)".
func (c *checker) assignNamespace(target string, e *node) {
	if e.kind != nCall || e.kids[0].kind != nName || e.kids[0].name != "namespace" {
		return
	}
	for _, k := range e.kw {
		c.assign(target+"."+k.name, c.eval(k.val, 0))
	}
}

func isDunder(s string) bool {
	return len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__")
}

// checkProduced flags a string constant or folded string that names a
// dunder, or looks like a piece of one.
func (c *checker) checkProduced(pos int, v cval) {
	if v.kind != kStr {
		return
	}
	if m := dunderRe.FindString(v.str); m != "" {
		c.add(scanners.High, pos, m, "string %s names the Python special attribute %s", quote(v.str), m)
	} else if fragmentRe.MatchString(v.str) {
		c.add(scanners.Medium, pos, "", "string %s looks like part of a Python special name", quote(v.str))
	}
}

// attrName checks an attribute name reached by ., a subscript, |attr or
// an attribute= argument.
func (c *checker) attrName(pos int, name, path, how string, subscript bool) {
	switch {
	case isDunder(name):
		c.add(scanners.Critical, pos, path, "%s %s reaches Python object internals (server-side template injection)", how, name)
	case critAttrs[name]:
		c.add(scanners.Critical, pos, path, "%s %s is a code-execution gadget", how, name)
	case strings.HasPrefix(name, "_") && subscript:
		c.add(scanners.Medium, pos, path, "%s %s names a private member", how, name)
	case strings.HasPrefix(name, "_"):
		c.add(scanners.High, pos, path, "%s %s is private, which Jinja's sandbox forbids", how, name)
	}
}

// member checks obj.key or obj[key] at node n.
func (c *checker) member(n, obj *node, key cval, how string, subscript bool) {
	path := describe(n, 0)
	for _, s := range key.strings() {
		c.attrName(n.pos, s, path, how, subscript)
	}
	if key.kind != kStr && key.computed {
		c.add(scanners.High, n.pos, path, "%s is built at render time by string operations", how)
	}
	if obj.kind == nName && !c.bound[obj.name] {
		if _, set := c.env[obj.name]; set {
			return
		}
		switch {
		case execNames[obj.name]:
			c.add(scanners.Critical, n.pos, path, "%s walks the Python name %s", how, obj.name)
		case gateways[obj.name]:
			c.add(scanners.High, n.pos, path, "%s walks the Jinja global %s, a known injection gateway", how, obj.name)
		}
	}
}

// attrPath checks a dotted attribute name given to a filter.
func (c *checker) attrPath(pos int, v cval, path, how string) {
	for _, s := range v.strings() {
		for _, part := range strings.Split(s, ".") {
			c.attrName(pos, part, path, how, false)
		}
	}
	if v.kind != kStr && v.computed {
		c.add(scanners.High, pos, path, "%s is built at render time by string operations", how)
	}
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// describe renders a short path for n ("lipsum.__globals__").
func describe(n *node, depth int) string {
	if n == nil {
		return ""
	}
	if depth > 8 {
		return "..."
	}
	var s string
	switch n.kind {
	case nName:
		s = n.name
	case nConst:
		if v, ok := n.val.toStr(); ok && n.val.kind == kStr {
			s = quote(v)
		} else {
			s, _ = n.val.toStr()
		}
	case nGetattr:
		s = describe(n.kids[0], depth+1) + "." + n.name
	case nGetitem:
		s = describe(n.kids[0], depth+1) + "[" + describe(n.kids[1], depth+1) + "]"
	case nCall:
		s = describe(n.kids[0], depth+1) + "()"
	case nFilter:
		s = describe(n.kids[0], depth+1) + "|" + n.name
	case nTuple, nList:
		s = map[nodeKind]string{nTuple: "()", nList: "[]"}[n.kind]
		if len(n.kids) > 0 {
			s = s[:1] + "..." + s[1:]
		}
	default:
		s = "(...)"
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
