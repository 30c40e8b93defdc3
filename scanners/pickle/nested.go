package pickle

import (
	"fmt"
	"strings"
)

// Pickles stored as bytes values. A bytes value that is itself a pickle is
// walked (walkPickles) and its imports are recorded with its ID. Loading
// the outer pickle runs them only when the outer pickle hands the bytes to
// something that may load them: a call (pickle.loads,
// torch.storage._load_from_bytes, io.BytesIO then torch.load, ...) or the
// __setstate__ of a class the policy does not allow. The walker records
// where each nested pickle's bytes go; Report judges the callables against
// the policy: a nested pickle handed only to allowed callables (data
// constructors), or kept as data in a container, is reported as nested and
// does not raise the file's verdict to what its imports would.

// handOver records that the nested pickles among args are passed to fn.
func (s *Stream) handOver(fn Value, args []Value) {
	if len(s.res.Nested) == 0 {
		return
	}
	to := ""
	if fn.k == kGlobal {
		to = fn.s
	}
	for _, a := range args {
		s.passNested(a, to, 0)
	}
}

// handOverState records that the nested pickles in a BUILD state are given
// to the __setstate__ of cls ("" when the object is not a modelled one).
func (s *Stream) handOverState(cls string, state Value) {
	if len(s.res.Nested) == 0 {
		return
	}
	to := ""
	if cls != "" {
		to = cls + ".__setstate__"
	}
	s.passNested(state, to, 0)
}

// maxPassDepth bounds how deep passNested looks into containers.
const maxPassDepth = 4

func (s *Stream) passNested(v Value, to string, depth int) {
	if v.k == kEmbedded {
		if v.n < 1 || int(v.n) > len(s.res.Nested) {
			return
		}
		n := &s.res.Nested[v.n-1]
		switch {
		case to == "" || len(n.PassedTo) >= maxPassedTo:
			n.Escapes = true
		default:
			for _, p := range n.PassedTo {
				if p == to {
					return
				}
			}
			n.PassedTo = append(n.PassedTo, to)
		}
		return
	}
	if v.ref == nil || depth >= maxPassDepth {
		return
	}
	for _, it := range v.ref.items {
		s.passNested(it, to, depth+1)
	}
}

// nestedLoaded reports whether loading the stream loads the nested pickle
// id (and every nested pickle holding it), and names what loads it.
func (r *Result) nestedLoaded(id int, allowed func(string) bool) (bool, string) {
	by := ""
	for depth := 0; id > 0 && id <= len(r.Nested) && depth < 64; depth++ {
		n := r.Nested[id-1]
		loader := ""
		if n.Escapes {
			loader = "a callable the scanner cannot name"
		}
		for _, p := range n.PassedTo {
			if !allowed(p) {
				loader = p
				break
			}
		}
		if loader == "" {
			return false, ""
		}
		if by == "" {
			by = loader
		}
		id = n.Parent
	}
	return true, by
}

// nestedAt returns the offset where nested pickle id's bytes start.
func (r *Result) nestedAt(id int) int64 {
	if id < 1 || id > len(r.Nested) {
		return -1
	}
	return r.Nested[id-1].Offset
}

// override is what a BUILD on a module or class set one of its attributes
// to.
type override struct {
	// target is the global the attribute now holds, "" when the value is
	// not one the walker names.
	target string
	offset int64
}

// maxOverrides bounds the attributes replaced by BUILD that are tracked.
const maxOverrides = 256

// overrides records the attributes that a BUILD on the global module sets:
// a state dict, or a (state, slotstate) pair, updates the module's or
// class's namespace. A later import of such a name gets the new value.
func (s *Stream) overrides(module string, state Value) {
	dicts := []Value{state}
	if it := state.Items(); state.k == kTuple && len(it) == 2 {
		dicts = it
	}
	for _, d := range dicts {
		if d.k != kDict || d.ref == nil {
			continue
		}
		it := d.ref.items
		for i := 0; i+1 < len(it); i += 2 {
			k, ok := it[i].Str()
			if !ok || !isIdent(k) {
				continue
			}
			if s.res.overrides == nil {
				s.res.overrides = map[string]override{}
			}
			if len(s.res.overrides) >= maxOverrides {
				return
			}
			o := override{offset: s.opOff}
			if g, ok := it[i+1].Global(); ok {
				o.target = g
			}
			s.res.overrides[clip(module+"."+k)] = o
		}
	}
}

// overridden records what an import of name reaches when a BUILD replaced
// name, or one of the modules or classes on its path, earlier in the
// stream.
func (s *Stream) overridden(name string) {
	if len(s.res.overrides) == 0 {
		return
	}
	for i := len(name); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		o, ok := s.res.overrides[name[:i]]
		if !ok {
			continue
		}
		via := fmt.Sprintf("BUILD at offset %d, which replaced %s", o.offset, name[:i])
		if o.target == "" {
			s.ref(RefDynamic, name+", replaced by "+via+" with a value the scanner cannot name", "")
			return
		}
		s.ref(RefImport, clip(o.target+name[i:]), via)
		return
	}
}
