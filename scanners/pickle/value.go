package pickle

import "strconv"

// kind is what the walker knows about a stack or memo value.
type kind uint8

const (
	kOpaque     kind = iota // anything not modelled; n counts a run of them
	kMark                   // a MARK on the stack
	kStr                    // a short text or bytes string, in s
	kInt                    // a small integer, in n
	kGlobal                 // a callable or module named s; via says how it was reached
	kTuple                  // ref.items
	kList                   // ref.items
	kDict                   // ref.items: key, value, key, value, ...
	kCall                   // the result of calling s with ref.items as arguments
	kVars                   // vars(s) or s.__dict__
	kAttrGetter             // operator.attrgetter(s)
	kUnresolved             // a STACK_GLOBAL whose operands could not be resolved
	kTemplate               // a text that is exactly scipy's argparser template
	kEmbedded               // bytes walked whole as embedded pickles
	kLatin1                 // a text that encodes to latin-1 bytes s starting like a pickle; n is its offset
)

// aggregate holds the modelled items of a tuple, list, dict or call.
type aggregate struct {
	items []Value
	// dropped counts items that were not kept.
	dropped int
}

// Value is the walker's model of one Python object built by a pickle. Only
// what matters for resolving callables is kept: short strings, small
// integers, globals and the small containers that hold them.
type Value struct {
	k   kind
	n   int64
	s   string
	via string
	ref *aggregate
}

var opaque = Value{k: kOpaque, n: 1}

// emptyTuple is an unmodelled value that is known to be the empty tuple
// (protocols 0-2 write empty bytes as bytes()). Merged into a run of unmodelled
// values it stands for the run's first value, so a run that starts with it
// keeps it and one that does not loses it, which only forgets.
var emptyTuple = Value{k: kOpaque, n: 1, s: "()"}

// isEmptyTuple reports whether v is known to be the empty tuple.
func (v Value) isEmptyTuple() bool { return v.k == kOpaque && v.n == 1 && v.s == "()" }

// Str returns the value's string and whether it is one.
func (v Value) Str() (string, bool) { return v.s, v.k == kStr }

// Int returns the value's integer and whether it is a modelled integer.
func (v Value) Int() (int64, bool) { return v.n, v.k == kInt }

// Global returns the dotted name of a global (module.name) and whether the
// value is one.
func (v Value) Global() (string, bool) { return v.s, v.k == kGlobal }

// Items returns the kept items of a tuple or list, or nil.
func (v Value) Items() []Value {
	if (v.k == kTuple || v.k == kList) && v.ref != nil {
		return v.ref.items
	}
	return nil
}

// Call returns the callable a value was made by and that call's arguments.
func (v Value) Call() (callable string, args []Value, ok bool) {
	if v.k != kCall {
		return "", nil, false
	}
	if v.ref != nil {
		args = v.ref.items
	}
	return v.s, args, true
}

// field returns the value stored under key in a modelled dict.
func (v Value) field(key string) (Value, bool) {
	if v.k != kDict || v.ref == nil {
		return Value{}, false
	}
	it := v.ref.items
	for i := 0; i+1 < len(it); i += 2 {
		if s, ok := it[i].Str(); ok && s == key {
			return it[i+1], true
		}
	}
	return Value{}, false
}

// describe names a value in messages about unresolved operands.
func (v Value) describe() string {
	switch v.k {
	case kStr:
		return strconv.Quote(v.s)
	case kInt:
		return strconv.FormatInt(v.n, 10)
	case kGlobal:
		return "global " + v.s
	case kCall:
		return "result of " + v.s + "()"
	case kMark:
		return "mark"
	case kUnresolved:
		return "unresolved global"
	default:
		return "unmodelled value"
	}
}

// interesting reports whether v is worth remembering in the memo.
func (v Value) interesting() bool { return v.k != kOpaque && v.k != kMark }
