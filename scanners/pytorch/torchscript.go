package pytorch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/python"
)

// RuleTorchScriptSetState is the rule of findings about a TorchScript
// __setstate__, which torch.jit.load runs while loading.
const RuleTorchScriptSetState = "TORCHSCRIPT-SETSTATE"

// setStateFindings parses TorchScript source (a Python subset) and reports
// what each class's __setstate__ does beyond setting attributes: it runs
// inside torch.jit.load. File, process and memory calls are critical (they
// are also matched by codeCalls); calls outside TorchScript's tensor
// operators, and assignments to anything but attributes of self and local
// names, are suspicious. Methods of self that __setstate__ calls are read
// the same way.
func setStateFindings(member, src string) ([]scanners.Finding, error) {
	m, err := python.Parse(src, python.DefaultLimits())
	if err != nil {
		var se *python.SyntaxError
		if errors.As(err, &se) {
			return nil, &scanners.FormatError{Format: "torchscript", Member: member, Offset: int64(se.Off), Msg: se.Error()}
		}
		return nil, &scanners.FormatError{Format: "torchscript", Member: member, Offset: 0, Msg: err.Error()}
	}
	var fs []scanners.Finding
	for _, s := range m.Body {
		if s.Keyword != "class" || len(s.Clauses) == 0 {
			continue
		}
		methods := map[string]*python.Stmt{}
		for _, d := range s.Clauses[0].Body {
			if d.Keyword == "def" && len(d.Clauses) > 0 && len(d.Clauses[0].Head) > 0 {
				methods[d.Clauses[0].Head[0].Text] = d
			}
		}
		if set, ok := methods["__setstate__"]; ok {
			fs = append(fs, checkMethod(member, "__setstate__", set, methods, map[string]bool{})...)
		}
	}
	return fs, nil
}

// checkMethod reports what the method def does beyond setting attributes,
// following calls of self's methods once each.
func checkMethod(member, name string, def *python.Stmt, methods map[string]*python.Stmt, seen map[string]bool) []scanners.Finding {
	seen[name] = true
	var fs []scanners.Finding
	add := func(sev scanners.Severity, off int, global, msg string) {
		fs = append(fs, scanners.Finding{Rule: RuleTorchScriptSetState, Severity: sev, Member: member,
			Offset: int64(off), Global: global, ATLAS: scanners.ATLASEmbedMalware, Message: msg})
	}
	body := def.Clauses[0].Body
	walkStmts(body, func(s *python.Stmt) {
		if t, ok := badTarget(s.Toks); ok {
			add(scanners.Medium, t.Off, "", fmt.Sprintf("TorchScript %s (run by torch.jit.load) assigns to %s: an effect beyond setting attributes", name, t.Text))
		}
	})
	for _, c := range python.Calls(body, python.DefaultLimits()) {
		callee := strings.ReplaceAll(c.Callee, "()", "")
		switch {
		case strings.HasPrefix(callee, "self.") && strings.Count(callee, ".") == 1:
			m := strings.TrimPrefix(callee, "self.")
			if def, ok := methods[m]; ok && !seen[m] {
				fs = append(fs, checkMethod(member, name+" → "+m, def, methods, seen)...)
			}
		case codeCalls.MatchString(c.Callee + "("):
			add(scanners.Critical, c.Off, callee, fmt.Sprintf("TorchScript %s (run by torch.jit.load) calls %s, which reaches files, processes or memory", name, callee))
		case dangerousCall(callee):
			what, _ := python.DangerousCall(callee)
			add(scanners.Critical, c.Off, callee, fmt.Sprintf("TorchScript %s (run by torch.jit.load) calls %s, which %s", name, callee, what))
		case !tensorOp(callee):
			add(scanners.Medium, c.Off, callee, fmt.Sprintf("TorchScript %s (run by torch.jit.load) calls %s: an effect beyond setting attributes", name, orComputed(callee)))
		}
	}
	return fs
}

func orComputed(callee string) string {
	if callee == "" {
		return "a computed callee"
	}
	return callee
}

// tensorOp reports callees that only compute: TorchScript's tensor
// operators and builtins, and methods of values (tensors, lists).
func tensorOp(callee string) bool {
	if callee == "" {
		return false
	}
	root, rest, _ := strings.Cut(callee, ".")
	switch root {
	case "torch":
		return !strings.HasPrefix(rest, "classes") && !strings.HasPrefix(rest, "_C") && !strings.HasPrefix(rest, "ops.") &&
			!strings.HasPrefix(rest, "jit.load") && !strings.HasPrefix(rest, "hub")
	case "ops":
		ns, _, _ := strings.Cut(rest, ".")
		return ns == "aten" || ns == "prim" || ns == "quantized"
	case "int", "float", "bool", "str", "len", "isinstance", "annotate", "unchecked_cast", "uninitialized",
		"range", "list", "tuple", "dict", "min", "max", "abs", "round", "getattr", "hasattr", "print", "_assert":
		return rest == "" || root == "str"
	case "self":
		return false
	}
	// A method of a local value (state[0].clone(), fc.weight.size()).
	return rest != "" && !strings.HasPrefix(root, "__")
}

// badTarget returns the first token of an assignment target that is not a
// local name or an attribute of self (an annotation after ':' is dropped).
func badTarget(toks []python.Token) (python.Token, bool) {
	if len(toks) == 0 {
		return python.Token{}, false
	}
	d := toks[0].Depth
	start := 0
	for i, t := range toks {
		if t.Depth != d || t.Kind != python.Op || t.Text != "=" {
			continue
		}
		tgt := toks[start:i]
		start = i + 1
		for k, u := range tgt {
			if u.Depth == d && u.Kind == python.Op && u.Text == ":" {
				tgt = tgt[:k]
				break
			}
		}
		local := len(tgt) == 1 && tgt[0].Kind == python.Name
		attr := len(tgt) == 3 && tgt[0].Text == "self" && tgt[1].Text == "." && tgt[2].Kind == python.Name
		if !local && !attr && len(tgt) > 0 {
			return tgt[0], true
		}
	}
	return python.Token{}, false
}

func walkStmts(body []*python.Stmt, fn func(*python.Stmt)) {
	for _, s := range body {
		fn(s)
		for _, c := range s.Clauses {
			walkStmts(c.Body, fn)
		}
	}
}

func dangerousCall(callee string) bool {
	_, ok := python.DangerousCall(callee)
	return ok
}
