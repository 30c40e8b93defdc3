package python

import "strings"

// value is what the analysis knows about an expression: a dotted path it
// resolves to ("os.system", "logging.getLogger()" for the result of a
// call, "local:f" for a function of the file, litPath for a literal), or
// nothing (path ""). str is a string literal's value.
type value struct {
	path   string
	str    string
	isStr  bool
	lambda []Token
	// cls is the class reported for the call that made this value (+1;
	// 0 when none was reported): its methods are not reported again
	// unless they are worse (socket.socket() is dangerous once).
	cls int
}

// litPath is the path of literals (numbers, strings, containers): calling
// their methods ("".join) has no effect outside the process.
const litPath = "<literal>"

var notPrimary = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true, "if": true,
	"else": true, "for": true, "async": true, "await": true, "yield": true, "from": true, "as": true}

// span evaluates the expressions of toks for their calls (recorded through
// a.call) and returns the value of toks when it is one primary expression.
func (a *analyzer) span(toks []Token) value {
	var last value
	n := 0
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case t.Kind == Name && t.Text == "lambda":
			v, j := a.lambda(toks, i)
			last, i = v, j
			n++
		case t.Kind == Name && !notPrimary[t.Text], t.Kind == String, t.Kind == Number,
			t.Kind == Op && (t.Text == "(" || t.Text == "[" || t.Text == "{"):
			last, i = a.primary(toks, i)
			n++
		default:
			i++
			n += 2 // an operator: toks is not one primary
		}
	}
	if n != 1 {
		return value{}
	}
	return last
}

// lambda skips a lambda's body (it runs when called, not when defined);
// its parameters' defaults are evaluated. The value carries the body, so
// that calling the lambda right away is analysed.
func (a *analyzer) lambda(toks []Token, i int) (value, int) {
	d := toks[i].Depth
	j := i + 1
	for j < len(toks) && (toks[j].Depth != d || toks[j].Kind != Op || toks[j].Text != ":") {
		j++
	}
	a.span(toks[i+1 : min(j, len(toks))])
	k := j + 1
	for k < len(toks) {
		t := toks[k]
		if t.Depth < d || t.Depth == d && (t.Kind == Op && t.Text == "," ||
			t.Kind == Name && (t.Text == "for" || t.Text == "async")) {
			break
		}
		k++
	}
	body := toks[min(j+1, len(toks)):min(k, len(toks))]
	a.deferred(body)
	return value{path: "local:<lambda>", lambda: body}, k
}

// closing returns the index of the bracket closing the one at toks[i], or
// len(toks) when it is not in toks.
func closing(toks []Token, i int) int {
	d := toks[i].Depth
	for j := i + 1; j < len(toks); j++ {
		if toks[j].Depth == d && toks[j].Kind == Op && isCloser(toks[j].Text) {
			return j
		}
	}
	return len(toks)
}

// primary evaluates the primary expression (an atom and its trailers:
// attributes, calls, subscripts) starting at toks[i].
func (a *analyzer) primary(toks []Token, i int) (value, int) {
	v, i := a.atom(toks, i)
	for i < len(toks) {
		t := toks[i]
		switch {
		case t.Kind == Op && t.Text == "." && i+1 < len(toks) && toks[i+1].Kind == Name:
			name := toks[i+1]
			a.attribute(v, name)
			if v.path != "" {
				v = value{path: v.path + "." + name.Text, cls: v.cls}
			}
			i += 2
		case t.Kind == Op && t.Text == "(":
			k := closing(toks, i)
			args := a.args(toks[i+1 : k])
			v = a.call(v, args, t)
			i = k + 1
		case t.Kind == Op && t.Text == "[":
			k := closing(toks, i)
			v = a.subscript(v, a.span(toks[i+1:k]))
			i = k + 1
		default:
			return v, i
		}
	}
	return v, i
}

func (a *analyzer) atom(toks []Token, i int) (value, int) {
	t := toks[i]
	switch t.Kind {
	case Name:
		switch t.Text {
		case "None", "True", "False":
			return value{path: litPath}, i + 1
		}
		if !isASCII(t.Text) && a.calls == nil {
			a.issue(Dynamic, "", t, "uses the non-ASCII name %q at import time: Python folds names with NFKC, so it may spell another one (a builtin)", t.Text)
			return value{}, i + 1
		}
		return a.lookup(t.Text), i + 1
	case Number:
		return value{path: litPath}, i + 1
	case EOF, Op, Newline, Indent, Dedent:
	case String:
		v := value{path: litPath, isStr: true}
		for ; i < len(toks) && toks[i].Kind == String; i++ {
			s := toks[i]
			v.str += s.Value
			for _, f := range s.Fields {
				a.field(f)
			}
		}
		return v, i
	}
	k := closing(toks, i)
	inner := toks[i+1 : k]
	iv := a.span(inner)
	if t.Text == "(" && iv.path != "" && !topComma(inner) {
		return iv, k + 1
	}
	return value{path: litPath}, k + 1
}

func isCloser(s string) bool { return s == ")" || s == "]" || s == "}" }

func topComma(toks []Token) bool {
	if len(toks) == 0 {
		return true
	}
	d := toks[0].Depth
	for _, t := range toks {
		if t.Depth == d && t.Kind == Op && t.Text == "," {
			return true
		}
	}
	return false
}

// field analyses the expression of an f-string replacement field: it runs
// when the string is built.
func (a *analyzer) field(f Field) {
	toks, err := Tokenize(f.Src, a.lim)
	if err != nil {
		a.unparsed(f.Off, "f-string field: "+err.Error())
		return
	}
	for i := range toks {
		toks[i].Off += f.Off
	}
	var keep []Token
	for _, t := range toks {
		if t.Kind != Newline && t.Kind != EOF && t.Kind != Indent && t.Kind != Dedent {
			keep = append(keep, t)
		}
	}
	a.span(keep)
}

// args evaluates a call's arguments and returns their values, positional
// ones first; keyword arguments are evaluated and returned by name.
func (a *analyzer) args(toks []Token) []arg {
	var out []arg
	for _, part := range splitTop(toks, ",") {
		if len(part) == 0 {
			continue
		}
		ar := arg{}
		if len(part) > 2 && part[0].Kind == Name && part[1].Kind == Op && part[1].Text == "=" {
			ar.name = part[0].Text
			part = part[2:]
		}
		if part[0].Kind == Op && (part[0].Text == "*" || part[0].Text == "**") {
			ar.star = true
			part = part[1:]
		}
		ar.v = a.span(part)
		out = append(out, ar)
	}
	return out
}

type arg struct {
	name string
	star bool
	v    value
}

// splitTop splits toks at the separator sep at their own depth.
func splitTop(toks []Token, sep string) [][]Token {
	if len(toks) == 0 {
		return nil
	}
	d := toks[0].Depth
	var out [][]Token
	start := 0
	for i, t := range toks {
		if t.Depth == d && t.Kind == Op && t.Text == sep {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// subscript resolves x[key] for the cases that reach callables by name:
// sys.modules["os"], globals()["eval"], __builtins__["exec"],
// os.__dict__["system"].
func (a *analyzer) subscript(v, key value) value {
	if v.path == "" {
		return value{}
	}
	if !key.isStr {
		return value{path: v.path + "[]"}
	}
	switch base := strings.TrimSuffix(v.path, ".__dict__"); base {
	case "sys.modules":
		return value{path: key.str}
	case "builtins.globals()", "builtins.vars()", "builtins.locals()":
		return a.lookup(key.str)
	default:
		return value{path: base + "." + key.str}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
