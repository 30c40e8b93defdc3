package pickle

import (
	"io"
	"strings"
	"sync"
)

// parsedBuiltins parses the embedded lists once; entries are never
// modified, so every Policy shares them.
var parsedBuiltins = sync.OnceValues(builtinEntries)

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

// String returns "allowed", "unknown" or "dangerous".
func (c Class) String() string {
	switch c {
	case Allowed:
		return "allowed"
	case Dangerous:
		return "dangerous"
	case Unknown:
	}
	return "unknown"
}

// prefixRule is a pattern that covers many names, with its entry.
type prefixRule struct {
	pre string
	e   *Entry
}

// Policy classifies dotted callable names. The zero value is not useful;
// use DefaultPolicy.
type Policy struct {
	allowExact  map[string]*Entry
	allowPrefix []prefixRule // "torch._utils._rebuild_" matches names directly inside starting with it
	allowClass  []prefixRule // module prefixes whose CamelCase classes are allowed
	allowMember []prefixRule // enum classes whose UPPER_CASE members are allowed
	denyModule  []prefixRule // any name in these modules (or their submodules)
	denyExact   map[string]*Entry
}

// DefaultPolicy returns aibom's built-in allowlist and denylist, read from
// the data files embedded in the package (see lists.go).
func DefaultPolicy() *Policy {
	es, err := parsedBuiltins()
	if err != nil {
		// The files are embedded and checked by the package's tests.
		panic("pickle: built-in lists: " + err.Error())
	}
	p := &Policy{allowExact: map[string]*Entry{}, denyExact: map[string]*Entry{}}
	for _, e := range es {
		p.add(e)
	}
	return p
}

func (p *Policy) add(e *Entry) {
	pat := e.Pattern
	switch {
	case e.Deny && strings.HasSuffix(pat, ".*"):
		p.denyModule = append(p.denyModule, prefixRule{strings.TrimSuffix(pat, ".*"), e})
	case e.Deny:
		p.denyExact[pat] = e
	case strings.HasSuffix(pat, "."+classPattern):
		p.allowClass = append(p.allowClass, prefixRule{strings.TrimSuffix(pat, classPattern), e})
	case strings.HasSuffix(pat, "."+memberPattern):
		p.allowMember = append(p.allowMember, prefixRule{strings.TrimSuffix(pat, memberPattern), e})
	case strings.HasSuffix(pat, "*"):
		p.allowPrefix = append(p.allowPrefix, prefixRule{strings.TrimSuffix(pat, "*"), e})
	default:
		p.allowExact[pat] = e
	}
}

// Allow adds exact names ("pkg.mod.Class") or prefixes ending in "*"
// ("mypkg.models.*") to the allowlist. The denylist still wins.
func (p *Policy) Allow(names ...string) {
	for _, n := range names {
		p.add(&Entry{Pattern: n, Reason: "added by the caller"})
	}
}

// LoadAllowlist reads names for Allow from r: one per line, '#' starts a
// comment (a comment after a name is kept as its reason). name is used in
// error messages and by Explain.
func (p *Policy) LoadAllowlist(r io.Reader, name string) error {
	es, err := parseList(r, name, false, false)
	if err != nil {
		return err
	}
	for _, e := range es {
		if strings.HasSuffix(e.Pattern, "."+classPattern) {
			e.Pattern = strings.TrimSuffix(e.Pattern, classPattern) + "*"
		}
		p.add(e)
	}
	return nil
}

// Explanation says how a policy classifies a name and which entry decided.
type Explanation struct {
	Class Class
	// Hit is, for dangerous names, the dangerous part that decided it
	// ("os.system" for "numpy.lib.npyio.os.system").
	Hit string
	// Entry is the list entry that decided, nil for unknown names and
	// for names denied by a dunder escape.
	Entry *Entry
}

// Classify returns the class of a dotted name and, for dangerous names,
// the dangerous part that decided it ("os.system" for
// "numpy.lib.npyio.os.system").
func (p *Policy) Classify(name string) (Class, string) {
	x := p.Explain(name)
	return x.Class, x.Hit
}

// Explain classifies name as Classify does and says which entry decided.
func (p *Policy) Explain(name string) Explanation {
	// Exact names and prefixes first: a dotted suffix of an allowed name
	// ("torch.jit._pickle.build_intlist") may spell a dangerous module
	// ("_pickle"); value types inside dangerous modules
	// ("platform.uname_result") are allowed by exact name. A prefix only
	// covers names directly inside it, so that attribute walks through an
	// allowed module are still checked.
	if e := p.allowExact[name]; e != nil {
		return Explanation{Class: Allowed, Entry: e}
	}
	for _, r := range p.allowPrefix {
		if rest, ok := strings.CutPrefix(name, r.pre); ok && !strings.Contains(rest, ".") && !strings.HasPrefix(rest, "__") {
			return Explanation{Class: Allowed, Entry: r.e}
		}
	}
	for _, r := range p.allowMember {
		if rest, ok := strings.CutPrefix(name, r.pre); ok && isMemberName(rest) {
			return Explanation{Class: Allowed, Entry: r.e}
		}
	}
	if hit, e, ok := p.denied(name); ok {
		return Explanation{Class: Dangerous, Hit: hit, Entry: e}
	}
	for _, r := range p.allowClass {
		if rest, ok := strings.CutPrefix(name, r.pre); ok && isClassPath(rest) {
			return Explanation{Class: Allowed, Entry: r.e}
		}
	}
	return Explanation{Class: Unknown}
}

// denied checks every dotted suffix of name against the denylist, so that
// attribute walks (numpy + "lib.npyio.os.system") resolve to what they
// reach; the shortest dangerous suffix is returned.
func (p *Policy) denied(name string) (string, *Entry, bool) {
	parts := strings.Split(name, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if !isIdent(parts[i]) {
			// No import or attribute walk goes through a part that is not
			// an identifier: what lies before it is not reached.
			break
		}
		suffix := strings.Join(parts[i:], ".")
		if e := p.denyExact[suffix]; e != nil {
			return suffix, e, true
		}
		// An attribute walk under a denied callable (builtins.eval.__call__,
		// os.system.__self__) reaches it as surely as its name does.
		for j := i + 1; j < len(parts) && j-i <= maxDenyParts; j++ {
			if e := p.denyExact[strings.Join(parts[i:j], ".")]; e != nil {
				return suffix, e, true
			}
		}
		for _, r := range p.denyModule {
			if suffix == r.pre || strings.HasPrefix(suffix, r.pre+".") {
				return suffix, r.e, true
			}
		}
	}
	for i := 1; i < len(parts); i++ {
		if isDunderEscape(parts[i]) {
			return strings.Join(parts[i-1:], "."), nil, true
		}
	}
	return "", nil, false
}

// maxDenyParts bounds the dotted parts of an exact denylist entry that
// attribute walks are checked against (the longest has 7).
const maxDenyParts = 8

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

// isMemberName reports an enum member name: upper-case letters, digits
// and '_', starting with a letter.
func isMemberName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
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
