package pickle

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Class is how a policy classifies a callable.
type Class uint8

// Classes, from harmless to dangerous.
const (
	// Allowed callables are what legitimate ML pickles use.
	Allowed Class = iota
	// Unknown callables are neither allowed nor known to be dangerous.
	Unknown
	// Dangerous callables run code, touch files, processes or the network,
	// or build such callables at load time.
	Dangerous
)

// Policy classifies dotted callable names. The zero value is not useful;
// use DefaultPolicy.
type Policy struct {
	allowExact  map[string]bool
	allowPrefix []string // "torch._utils._rebuild_" matches any name starting with it
	allowClass  []string // module prefixes whose CamelCase classes are allowed
	denyModule  []string // any name in these modules (or their submodules)
	denyExact   map[string]bool
}

// DefaultPolicy returns aibom's built-in allowlist and denylist.
func DefaultPolicy() *Policy {
	p := &Policy{allowExact: map[string]bool{}, denyExact: map[string]bool{}}
	for _, n := range allowExact {
		p.allowExact[n] = true
	}
	p.allowPrefix = append(p.allowPrefix, allowPrefix...)
	p.allowClass = append(p.allowClass, allowClassIn...)
	p.denyModule = append(p.denyModule, denyModules...)
	for _, n := range denyExact {
		p.denyExact[n] = true
	}
	return p
}

// Allow adds exact names ("pkg.mod.Class") or prefixes ending in "*"
// ("mypkg.models.*") to the allowlist. The denylist still wins.
func (p *Policy) Allow(names ...string) {
	for _, n := range names {
		if pre, ok := strings.CutSuffix(n, "*"); ok {
			p.allowPrefix = append(p.allowPrefix, pre)
			continue
		}
		p.allowExact[n] = true
	}
}

// LoadAllowlist reads names for Allow from r: one per line, '#' starts a
// comment. name is used in error messages.
func (p *Policy) LoadAllowlist(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(t, '#'); i >= 0 {
			t = strings.TrimSpace(t[:i])
		}
		if t == "" {
			continue
		}
		if strings.ContainsAny(t, " \t") || !strings.Contains(t, ".") || t == "*" {
			return fmt.Errorf("%s:%d: want a dotted name such as mypkg.MyClass or mypkg.*, got %q", name, line, t)
		}
		p.Allow(t)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// Classify returns the class of a dotted name and, for dangerous names,
// the dangerous part that decided it ("os.system" for
// "numpy.lib.npyio.os.system").
func (p *Policy) Classify(name string) (Class, string) {
	// Exact names and prefixes first: a dotted suffix of an allowed name
	// ("torch.jit._pickle.build_intlist") may spell a dangerous module
	// ("_pickle"). A prefix only covers names directly inside it, so that
	// attribute walks through an allowed module are still checked.
	if p.allowExact[name] {
		return Allowed, ""
	}
	for _, pre := range p.allowPrefix {
		if rest, ok := strings.CutPrefix(name, pre); ok && !strings.Contains(rest, ".") && !strings.HasPrefix(rest, "__") {
			return Allowed, ""
		}
	}
	if hit, ok := p.denied(name); ok {
		return Dangerous, hit
	}
	for _, pre := range p.allowClass {
		if rest, ok := strings.CutPrefix(name, pre); ok && isClassPath(rest) {
			return Allowed, ""
		}
	}
	return Unknown, ""
}

// denied checks every dotted suffix of name against the denylist, so that
// attribute walks (numpy + "lib.npyio.os.system") resolve to what they
// reach; the shortest dangerous suffix is returned.
func (p *Policy) denied(name string) (string, bool) {
	parts := strings.Split(name, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if !isIdent(parts[i]) {
			// No import or attribute walk goes through a part that is not
			// an identifier: what lies before it is not reached.
			break
		}
		suffix := strings.Join(parts[i:], ".")
		if p.denyExact[suffix] {
			return suffix, true
		}
		for _, m := range p.denyModule {
			if suffix == m || strings.HasPrefix(suffix, m+".") {
				return suffix, true
			}
		}
	}
	for i := 1; i < len(parts); i++ {
		if isDunderEscape(parts[i]) {
			return strings.Join(parts[i-1:], "."), true
		}
	}
	return "", false
}

// isDunderEscape reports attribute names that walk from any object to
// arbitrary code (__globals__, __builtins__, __subclasses__, ...).
func isDunderEscape(part string) bool {
	switch part {
	case "__globals__", "__builtins__", "__subclasses__", "__import__", "__code__",
		"__getattribute__", "__reduce__", "__reduce_ex__", "__dict__", "__class__",
		"__base__", "__bases__", "__mro__", "__init__", "__loader__", "__spec__":
		return true
	}
	return false
}

// isClassPath reports whether rest is "submodules.ClassName": dotted
// identifiers whose last part starts with an upper-case letter.
func isClassPath(rest string) bool {
	parts := strings.Split(rest, ".")
	last := parts[len(parts)-1]
	if last == "" || last[0] < 'A' || last[0] > 'Z' {
		return false
	}
	for _, p := range parts {
		if !isIdent(p) || strings.HasPrefix(p, "__") {
			return false
		}
	}
	return true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
