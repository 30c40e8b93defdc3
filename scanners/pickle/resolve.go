package pickle

import (
	"bytes"
	"strings"
)

// Resolvers are callables that build another callable out of their
// arguments: getattr(receiver, "name"), functools.partial(func, ...),
// numpy's _ufunc_reconstruct(module, name) and torch's
// _load_from_bytes(pickle bytes).
// Imported on their own they are dangerous (getattr reaches anything), but
// when every use of them in a pickle is a call whose outcome the walker
// resolved, the names they reach are judged instead: getattr on a global
// receiver with a literal, non-dunder attribute name reaches
// "receiver.name"; a partial wraps a global, reported on its own;
// _ufunc_reconstruct reaches "module.name"; _load_from_bytes loads
// embedded pickles that were walked whole.
//
// The walker counts the pushes of each resolver global and the calls it
// resolved. A resolver is settled (its own import is not reported) only
// when the two counts match (no copy of it escaped into a container, an
// argument, a state or the result), no modelling limit was hit, and, for
// getattr, every receiver is allowed by the policy; and no reference was
// dropped for the MaxRefs bound (one of what they reached could be missing).
type resolverUse struct {
	pushed, resolved int64
	// unresolved is set by a use the walker could not follow (a partial
	// whose state replaces the wrapped callable with an unmodelled value).
	unresolved bool
	// receivers are the globals getattr was called on.
	receivers map[string]bool
	// onInstance is set when getattr was called on a reconstructed object.
	onInstance bool
}

// viaInstance marks a method taken from a reconstructed object by getattr.
const viaInstance = "builtins.getattr on a reconstructed object"

// instanceAttr models getattr(obj, "attr") on an object the pickle built
// with cls: a bound method (torch < 2's OneCycleLR keeps one in its state,
// scipy's distributions vectorize one). It is reported as cls.attr, reached
// through getattr, and the getattr counts as resolved as long as no such
// method, and no reconstructed object at all, is called while loading:
// calling one could reach any method of that object with any arguments.
func (s *Stream) instanceAttr(fn Value, cls, attr string) Value {
	if fn.via != "" {
		return opaque
	}
	u := s.resolver(fn.s)
	u.resolved++
	u.onInstance = true
	name := clip(cls + "." + attr)
	s.ref(RefImport, name, viaInstance)
	return Value{k: kGlobal, s: name, via: viaInstance}
}

// maxReceivers bounds the receivers kept per resolver; past it the
// resolver is reported as it is.
const maxReceivers = 256

func isPartial(n string) bool { return n == "functools.partial" || n == "_functools.partial" }

func isResolver(n string) bool {
	return isGetattr(n) || isPartial(n) || isUfuncReconstruct(n) || isBytesLoader(n)
}

// notePush counts a push of a resolver global (GLOBAL, STACK_GLOBAL, memo
// gets, DUP, INST).
func (s *Stream) notePush(v Value) {
	if v.k != kGlobal || v.via != "" || !isResolver(v.s) {
		return
	}
	s.resolver(v.s).pushed++
}

func (s *Stream) resolver(name string) *resolverUse {
	if s.res.resolvers == nil {
		s.res.resolvers = map[string]*resolverUse{}
	}
	u := s.res.resolvers[name]
	if u == nil {
		u = &resolverUse{receivers: map[string]bool{}}
		s.res.resolvers[name] = u
	}
	return u
}

// settle records a resolved call of the resolver fn (receiver is the
// getattr receiver, empty for partial).
func (s *Stream) settle(fn Value, receiver string) {
	if fn.via != "" {
		return
	}
	u := s.resolver(fn.s)
	u.resolved++
	if receiver != "" {
		if len(u.receivers) >= maxReceivers {
			u.unresolved = true
			return
		}
		u.receivers[receiver] = true
	}
}

// literalAttr reports whether a is an attribute name that getattr may be
// trusted to resolve: an identifier, not a dunder (no __globals__,
// __reduce__, __call__ ...).
func literalAttr(a string) bool { return isIdent(a) && !strings.HasPrefix(a, "__") }

// Settled reports whether the import of the resolver name needs no
// finding of its own: see resolverUse. allowed classifies getattr's
// receivers.
func (r *Result) Settled(name string, allowed func(string) bool) bool {
	u := r.resolvers[name]
	if u == nil || r.Lossy || r.RefsDropped > 0 || u.unresolved || u.pushed == 0 || u.pushed != u.resolved ||
		(u.onInstance && r.objectCalls) {
		return false
	}
	for recv := range u.receivers {
		if !allowed(recv) {
			return false
		}
	}
	return true
}

// buildPartial checks the state a BUILD gives a functools.partial:
// (func, args, kwds, dict). A func that is not a global replaces the
// wrapped callable with something the walker cannot judge.
func (s *Stream) buildPartial(t *Value, state Value) {
	it := state.Items()
	if len(it) == 0 || it[0].k != kGlobal {
		s.resolver(t.s).unresolved = true
	}
}

// scipy.stats distributions rebuild three methods when unpickled by
// exec()-ing the _parse_arg_template string from their own state
// (rv_generic._attach_argparser_methods). scipy writes that string from a
// fixed template: anything else in that key runs code at load time.
const (
	templateKey    = "_parse_arg_template"
	templatePrefix = "\ndef _parse_args(self, "
	// maxTemplate bounds the strings read to compare with the template.
	maxTemplate = 16 << 10
)

// scipyTemplates are scipy's parse_arg_template: as scipy 1.10.1 has it
// (scipy/stats/_distn_infrastructure.py), and the older form whose
// _parse_args_rvs returned its arguments instead of calling _argcheck_rvs.
// A version whose text differs is reported until added here.
var scipyTemplates = []string{`
def _parse_args(self, %[1]s %[2]s):
    return (%[1]s), %[3]s

def _parse_args_rvs(self, %[1]s %[2]s, size=None):
    return self._argcheck_rvs(%[1]s %[3]s, size=size)

def _parse_args_stats(self, %[1]s %[2]s, moments='mv'):
    return (%[1]s), %[3]s, moments
`, `
def _parse_args(self, %[1]s %[2]s):
    return (%[1]s), %[3]s

def _parse_args_rvs(self, %[1]s %[2]s, size=None):
    return (%[1]s), %[3]s, size

def _parse_args_stats(self, %[1]s %[2]s, moments='mv'):
    return (%[1]s), %[3]s, moments
`}

// isScipyTemplate reports whether b is exactly what scipy's
// _construct_argparser writes: a template with a list of identifier shape
// names and one of the two loc/scale pairs. Only identifiers are
// substituted, so the three functions it defines run nothing when exec()d.
func isScipyTemplate(b []byte) bool {
	rest, ok := bytes.CutPrefix(b, []byte(templatePrefix))
	if !ok {
		return false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	for _, ls := range [][2]string{{"loc=0, scale=1", "loc, scale"}, {"loc=0", "loc, 1"}} {
		shapes, ok := bytes.CutSuffix(line, []byte(" "+ls[0]+"):"))
		if !ok || !shapeList(string(shapes)) {
			continue
		}
		r := strings.NewReplacer("%[1]s", string(shapes), "%[2]s", ls[0], "%[3]s", ls[1])
		for _, t := range scipyTemplates {
			if string(b) == r.Replace(t) {
				return true
			}
		}
	}
	return false
}

// shapeList reports whether s is "" or "a, b, " (identifiers, each
// followed by ", "), as _construct_argparser joins the shape names.
func shapeList(s string) bool {
	if s == "" {
		return true
	}
	body, ok := strings.CutSuffix(s, ", ")
	if !ok {
		return false
	}
	for _, p := range strings.Split(body, ", ") {
		if !isIdent(p) {
			return false
		}
	}
	return true
}

// textValue models a string too long to keep: scipy's template is
// remembered as such, anything else is unmodelled.
func textValue(b []byte) Value {
	if bytes.HasPrefix(b, []byte(templatePrefix)) && isScipyTemplate(b) {
		return Value{k: kTemplate}
	}
	return opaque
}

// buildTemplate checks the state BUILD hands to any object for a
// _parse_arg_template that is not scipy's: rv_generic.__setstate__ exec()s
// it. cls names the object's class.
func (s *Stream) buildTemplate(cls string, state Value) {
	if state.k != kDict || state.ref == nil {
		if scipyDistribution(cls) {
			s.ref(RefImport, "builtins.exec", cls+".__setstate__ with a state the scanner cannot read")
		}
		return
	}
	found := false
	it := state.ref.items
	for i := 0; i+1 < len(it); i += 2 {
		if k, ok := it[i].Str(); ok && k == templateKey {
			found = true
			if it[i+1].k != kTemplate {
				s.ref(RefImport, "builtins.exec", cls+".__setstate__ of a "+templateKey+" that is not scipy's template")
			}
		}
	}
	if !found && scipyDistribution(cls) && state.ref.dropped > 0 {
		s.ref(RefImport, "builtins.exec", cls+".__setstate__ with a state the scanner cannot read")
	}
}

// scipyDistribution reports classes whose __setstate__ exec()s the
// template: scipy.stats' *_gen classes and the rv_* bases.
func scipyDistribution(cls string) bool {
	if !strings.HasPrefix(cls, "scipy.stats.") {
		return false
	}
	leaf := cls[strings.LastIndexByte(cls, '.')+1:]
	switch leaf {
	case "rv_generic", "rv_continuous", "rv_discrete", "rv_histogram", "rv_sample":
		return true
	}
	return strings.HasSuffix(leaf, "_gen")
}
