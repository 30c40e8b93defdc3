package pickle

import "fmt"

// RefKind says how a callable or module appeared in a pickle.
type RefKind uint8

// Kinds of Ref.
const (
	// RefImport is a name imported by GLOBAL, STACK_GLOBAL or INST, or
	// reached through getattr, import_module, vars or attrgetter.
	RefImport RefKind = iota
	// RefDynamic is a STACK_GLOBAL whose module or name could not be
	// resolved to strings.
	RefDynamic
	// RefBuildGlobal is a BUILD that sets attributes on a module or class.
	RefBuildGlobal
	// RefExtension is an EXT1/EXT2/EXT4 lookup in the copyreg registry.
	RefExtension
)

// Ref is one callable (or module) the pickle would import or reach.
type Ref struct {
	Kind RefKind
	// Name is the dotted name: "os.system", "torch._utils._rebuild_tensor_v2".
	Name string
	// Via names the indirection that produced Name ("getattr", "memo", ...),
	// empty for a direct import.
	Via string
	// Op is the opcode that made the reference.
	Op string
	// Offset is the byte offset of that opcode (of its first occurrence).
	Offset int64
	// Count is how many times the reference occurs.
	Count int
	// Nested is the ID of the nested pickle (Result.Nested) that made the
	// reference, 0 for the stream itself.
	Nested int
}

type refKey struct {
	kind   RefKind
	name   string
	via    string
	nested int
}

// Straddle is an opcode whose argument crosses the end of a FRAME (frame.go).
type Straddle struct {
	Offset, FrameEnd int64
	Op               string
}

// NestedPickle is a pickle stored as a bytes value of the stream and walked
// as one (walkEmbedded). Its references are reported at their offsets in
// the stream, marked with its ID.
type NestedPickle struct {
	ID int
	// Parent is the ID of the nested pickle holding this one, 0 if none.
	Parent int
	// Offset is where its bytes start in the stream.
	Offset int64
	// PassedTo names the callables (and __setstate__ of the classes) the
	// stream hands the bytes to, at most maxPassedTo.
	PassedTo []string
	// Escapes is set when the bytes reached a call or a state the walker
	// could not name (more than maxPassedTo, or an unmodelled callable).
	Escapes bool
}

// maxPassedTo bounds the callables kept per nested pickle.
const maxPassedTo = 8

// Storage is a tensor storage named by a persistent ID ('storage', type,
// key, location, numel).
type Storage struct {
	Key   string
	Type  string
	Numel int64
}

// Result is everything a walk saw.
type Result struct {
	Refs []Ref
	// Pickles counts the pickles that reached STOP.
	Pickles int
	// Ops counts the opcodes executed (modelled).
	Ops int64
	// MaxProto is the highest PROTO seen.
	MaxProto int
	// Errors are *scanners-independent* parse errors (*Error).
	Errors []*Error
	// Storages lists the storages named by persistent IDs, in order.
	Storages []Storage
	// Lossy is set when a limit made the model forget values; unresolved
	// names after that are reported as dynamic.
	Lossy bool
	// RefsDropped counts references not recorded because of MaxRefs.
	RefsDropped int
	// Trailing counts bytes after the last pickle that are not a pickle.
	Trailing int64
	// TrailingOffset is where those bytes start.
	TrailingOffset int64
	// Straddles are opcodes that cross the end of a FRAME (frame.go), at
	// most maxStraddles; StraddlesUnwalked counts those whose other
	// reading was not walked (no re-readable source, or past maxForks).
	Straddles         []Straddle
	StraddlesUnwalked int
	// Nested lists the pickles stored as bytes values and walked as such.
	Nested []NestedPickle

	refIndex map[refKey]int
	// resolvers counts the uses of getattr and functools.partial.
	resolvers map[string]*resolverUse
	// objectCalls is set when the pickle calls something other than a
	// global: a reconstructed object or a method taken from one.
	objectCalls bool
	// refTotal counts every reference made, recorded or not.
	refTotal int64
	// overrides are the attributes of modules and classes that BUILD
	// replaced (nested.go).
	overrides map[string]override
	// textKept and textWalked count the bytes of pickle-like texts kept,
	// and of their encodings walked (codecs.go).
	textKept, textWalked int64
}

// Error is a parse error at a byte offset.
type Error struct {
	Offset int64
	Op     string
	Msg    string
}

func (e *Error) Error() string {
	if e.Op != "" {
		return fmt.Sprintf("pickle: %s at offset %d: %s", e.Op, e.Offset, e.Msg)
	}
	return fmt.Sprintf("pickle: at offset %d: %s", e.Offset, e.Msg)
}
