package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// execBinary models the opcodes with a fixed-size or length-prefixed
// argument.
func (s *Stream) execBinary(b byte, o *op) error {
	switch o.arg {
	case argU1, argU2, argI4, argU4, argU8:
		return s.execFixed(b, o)
	case argF8:
		if err := s.span(8); err != nil {
			return err
		}
		if err := s.r.discard(8); err != nil {
			return err
		}
		s.push(opaque)
		return nil
	case argLong1, argLong4:
		return s.execLong(o)
	case argString, argUnicode:
		ln, err := s.readLine()
		if err != nil {
			return err
		}
		var v []byte
		if o.arg == argString {
			q, ok := unquote(ln)
			if !ok {
				return fmt.Errorf("STRING argument is not quoted: %q", truncate(ln))
			}
			v = q
		} else {
			if s.unicodeLine(ln, s.r.off-int64(len(ln))-1) {
				return nil
			}
			v = unescape(ln, true)
		}
		s.pushString(v)
		return nil
	default:
		return s.execString(b, o)
	}
}

// pushString pushes a string, keeping its text only when it can matter:
// short strings (dtype descriptors, storage keys, dict keys) and dotted
// identifiers up to MaxString (module and attribute names). Keeping no
// other text bounds the memory a walk holds.
func (s *Stream) pushString(b []byte) {
	if len(b) <= shortString || (len(b) <= s.lim.MaxString && dottedIdent(b)) {
		s.push(Value{k: kStr, s: string(b)})
		return
	}
	s.push(textValue(b))
}

// startsTemplate reports whether the next bytes start scipy's argparser
// template, which is then read whole to be compared.
func (s *Stream) startsTemplate() bool {
	p, err := s.r.br.Peek(len(templatePrefix))
	return err == nil && string(p) == templatePrefix
}

// shortString is the length up to which any string is kept.
const shortString = 24

// dottedIdent reports whether b looks like a Python dotted name: ASCII
// letters, digits, '_' and '.' (the walker does not need to be exact: a
// name it drops is reported as unresolved, never as allowed).
func dottedIdent(b []byte) bool {
	for _, c := range b {
		switch {
		case c == '_', c == '.', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return true
}

func (s *Stream) execFixed(b byte, o *op) error {
	if err := s.span(uint64(fixedWidth[o.arg])); err != nil { //nolint:gosec // widths are 1 to 8
		return err
	}
	u, err := s.r.fixed(fixedWidth[o.arg])
	if err != nil {
		return err
	}
	switch b {
	case 'J':
		s.push(Value{k: kInt, n: int32le(u)})
	case 'K', 'M':
		s.push(Value{k: kInt, n: int64(u & 0xffff)})
	case 'h', 'j':
		s.memoGet(u)
	case 'q', 'r':
		if t := s.top(); t != nil {
			s.memoPut(u, *t)
		}
	case 0x80:
		if u > HighestProtocol {
			return fmt.Errorf("unsupported protocol %d", u)
		}
		s.proto = int(u)
		s.res.MaxProto = max(s.res.MaxProto, int(u))
	case 0x95:
		if u > math.MaxInt64 {
			return fmt.Errorf("frame length %d too large", u)
		}
		return s.frame(u)
	case 0x82, 0x83, 0x84:
		code := int64(u & 0xffff)
		if b == 0x84 {
			code = int32le(u)
		}
		if code <= 0 {
			return errors.New("EXT code must be positive")
		}
		s.extension(code)
	}
	return nil
}

func (s *Stream) execLong(o *op) error {
	var n uint64
	var err error
	if o.arg == argLong1 {
		n, err = s.r.fixed(1)
	} else if err = s.span(4); err == nil {
		n, err = s.r.fixed(4)
		if err == nil && int32le(n) < 0 {
			return errors.New("LONG4 byte count is negative")
		}
	}
	if err != nil {
		return err
	}
	if err := s.span(n & 0x7fffffff); err != nil {
		return err
	}
	if n <= 8 {
		b, err := s.r.peek(int(n))
		if err != nil {
			return err
		}
		v, _ := le(b)
		_ = s.r.discard(int64(n))
		s.push(Value{k: kInt, n: v})
		return nil
	}
	if err := s.r.discard(int64(n & 0x7fffffff)); err != nil {
		return err
	}
	s.push(opaque)
	return nil
}

// strWidth is the byte width of each length-prefixed argument's length.
var strWidth = [...]int{argStr1: 1, argStr4: 4, argStrU4: 4, argStr8: 8}

// fixedWidth is the byte width of each fixed-size argument kind.
var fixedWidth = [...]int{argU1: 1, argU2: 2, argI4: 4, argU4: 4, argU8: 8, argF8: 8}

// int32le reinterprets the low 32 bits of u as a two's complement int32,
// as pickle defines its int4 arguments.
func int32le(u uint64) int64 {
	v := int64(u & 0xffffffff)
	if v >= 1<<31 {
		v -= 1 << 32
	}
	return v
}

// execString models the length-prefixed string, bytes and buffer opcodes.
func (s *Stream) execString(b byte, o *op) error {
	if err := s.span(uint64(strWidth[o.arg])); err != nil { //nolint:gosec // widths are 1 to 8
		return err
	}
	// BINSTRING's length is unsigned in CPython 3 (calc_binsize), though
	// pickletools documents it as signed.
	n, err := s.r.fixed(strWidth[o.arg])
	if err != nil {
		return err
	}
	if !isBytesOp(b) {
		// Text and BINSTRING data come through _Unpickler_Read, which
		// straddles a frame's end; bytes data through readinto, which
		// does not (frame.go).
		if err := s.span(n); err != nil {
			return err
		}
	}
	if isBytesOp(b) && s.embeddedPickle(n) {
		return s.walkEmbedded(n)
	}
	if isUnicodeOp(b) && s.pickleText(n) {
		return s.readPickleText(n)
	}
	keep := s.lim.MaxString
	if n <= maxTemplate && int(n) > keep && s.startsTemplate() {
		keep = maxTemplate
	}
	str, kept, err := s.r.str(n, keep)
	if err != nil {
		if errors.Is(err, errTruncated) {
			return fmt.Errorf("%d-byte argument runs past the end of the stream", n)
		}
		return err
	}
	if kept && b != 0x96 {
		s.pushString(str)
		return nil
	}
	s.push(opaque)
	return nil
}

// maxEmbedded bounds the bytes payloads walked as embedded pickles.
const maxEmbedded = 4 << 20

func isBytesOp(b byte) bool { return b == 'B' || b == 'C' || b == 0x8e || b == 0x96 }

// embeddedPickle reports whether the n-byte payload about to be read starts
// like a pickle (a PROTO opcode) and is small enough to walk.
func (s *Stream) embeddedPickle(n uint64) bool {
	if n < 3 || n > maxEmbedded || s.nested >= s.lim.MaxNested {
		return false
	}
	p, err := s.r.br.Peek(2)
	return err == nil && p[0] == 0x80 && p[1] >= 2 && p[1] <= HighestProtocol
}

// walkEmbedded walks a bytes payload that is itself a pickle: loaders such
// as torch.storage._load_from_bytes unpickle such payloads, so what they
// import is reported like the rest, at its offset in the outer stream.
func (s *Stream) walkEmbedded(n uint64) error {
	start := s.r.off
	buf := make([]byte, n)
	if _, err := io.ReadFull(s.r.br, buf); err != nil {
		return fmt.Errorf("%d-byte argument runs past the end of the stream", n)
	}
	s.r.off += int64(len(buf))
	s.push(s.walkPickles(buf, start))
	return nil
}

// walkPickles walks buf, bytes that start like a pickle, as the pickles a
// loader of them would read; start is the offset reported for buf's first
// byte. It returns kEmbedded when buf was walked whole.
func (s *Stream) walkPickles(buf []byte, start int64) Value {
	id := len(s.res.Nested) + 1
	s.res.Nested = append(s.res.Nested, NestedPickle{ID: id, Parent: s.nestedID, Offset: start})
	inner := &Stream{r: newReader(bytes.NewReader(buf), start), lim: s.lim, res: s.res,
		nested: s.nested + 1, kept: s.kept, important: s.important, frameEnd: -1, opFrame: -1, dropAt: -1,
		src: &source{r: bytes.NewReader(buf), base: start, size: int64(len(buf))}, forks: s.forks, nestedID: id}
	errs, refs, pickles := len(s.res.Errors), s.res.refTotal, s.res.Pickles
	inner.WalkRest()
	s.kept = inner.kept
	if s.res.refTotal == refs {
		// Data that merely starts like a pickle (raw tensor bytes) and
		// references nothing: its parse errors say nothing about the file.
		s.res.Errors = s.res.Errors[:errs]
	}
	if len(s.res.Errors) == errs && s.res.Pickles > pickles && !s.res.Lossy {
		// Walked whole: what a loader of these bytes would import has
		// been reported.
		return Value{k: kEmbedded, n: int64(id)}
	}
	return Value{k: kEmbedded, n: int64(id), s: "partial"}
}

// execCall models the opcodes that import or call: STACK_GLOBAL, REDUCE,
// BUILD, OBJ, NEWOBJ, NEWOBJ_EX and BINPERSID.
func (s *Stream) execCall(b byte) error {
	switch b {
	case 0x93:
		name, module := s.popValue(), s.popValue()
		ms, mok := module.Str()
		ns, nok := name.Str()
		if !mok || !nok {
			desc := fmt.Sprintf("module %s, name %s", module.describe(), name.describe())
			s.ref(RefDynamic, desc, "")
			s.push(Value{k: kUnresolved, s: desc})
			return nil
		}
		if ms == "" || ns == "" {
			s.semantic("empty module or name")
		}
		s.push(s.global(ms, ns, ""))
	case 'R':
		args, fn := s.popValue(), s.popValue()
		if v, ok := s.bytesCall(fn, args); ok {
			s.push(v)
			return nil
		}
		s.push(s.call(fn, args.Items()))
	case 'b':
		state := s.popValue()
		if t := s.top(); t != nil {
			return s.build(t, state)
		}
	case 'o':
		var items []Value
		s.popMark(func(v Value) { items = append(items, v) })
		if len(items) == 0 {
			s.semantic("OBJ without a class")
			s.push(opaque)
			return nil
		}
		s.push(s.call(items[0], items[1:]))
	case 0x81:
		args, cls := s.popValue(), s.popValue()
		s.push(s.call(cls, args.Items()))
	case 0x92:
		_, args, cls := s.popValue(), s.popValue(), s.popValue()
		s.push(s.call(cls, args.Items()))
	case 'Q':
		s.persistent(s.popValue())
	default:
		return fmt.Errorf("opcode 0x%02x not modelled", b)
	}
	return nil
}

// call models calling fn with args and returns the modelled result. Calls
// that build a new callable out of strings (getattr, import_module, vars,
// attrgetter) are resolved so that what they reach is checked like an
// import.
func (s *Stream) call(fn Value, args []Value) Value {
	s.handOver(fn, args)
	arg := func(i int) Value {
		if i < len(args) {
			return args[i]
		}
		return opaque
	}
	switch fn.k {
	case kAttrGetter:
		if obj, ok := arg(0).Global(); ok {
			return s.derive(obj+"."+fn.s, "operator.attrgetter")
		}
		return opaque
	case kGlobal:
		if fn.via == viaInstance {
			// A method of a reconstructed object called at load time.
			s.res.objectCalls = true
		}
	default:
		// Calling a reconstructed object (a partial, a vectorize, a
		// method taken from an instance) at load time.
		s.res.objectCalls = true
		return opaque
	}
	if v, ok := s.resolveCall(fn, args); ok {
		return v
	}
	name := leaf(fn.s)
	attr, attrOK := arg(1).Str()
	switch {
	case isImport(name):
		if mod, ok := arg(0).Str(); ok {
			return s.derive(mod, fn.s)
		}
	case name == "builtins.vars" || name == "__builtin__.vars":
		if obj, ok := arg(0).Global(); ok {
			return Value{k: kVars, s: obj}
		}
	case isItemGetter(name):
		if arg(0).k == kVars && attrOK {
			return s.derive(arg(0).s+"."+attr, fn.s)
		}
		if m, ok := arg(0).Global(); ok && attrOK && strings.HasSuffix(m, "sys.modules") {
			return s.derive(attr, fn.s+"(sys.modules)")
		}
	case name == "operator.attrgetter" || name == "_operator.attrgetter":
		if a, ok := arg(0).Str(); ok {
			return Value{k: kAttrGetter, s: a}
		}
	case name == "copyreg.add_extension" || name == "copy_reg.add_extension":
		s.addExtension(args)
	}
	return s.callResult(fn.s, args)
}

// resolveCall models the resolvers (resolve.go): getattr, numpy's
// _ufunc_reconstruct, torch's _load_from_bytes and functools.partial. It
// reports whether fn was one it resolved.
func (s *Stream) resolveCall(fn Value, args []Value) (Value, bool) {
	arg := func(i int) Value {
		if i < len(args) {
			return args[i]
		}
		return opaque
	}
	name := fn.s
	attr, attrOK := arg(1).Str()
	switch {
	case isGetattr(name):
		if obj, ok := arg(0).Global(); ok && attrOK {
			if len(args) == 2 && literalAttr(attr) {
				s.settle(fn, obj)
			}
			return s.derive(obj+"."+attr, fn.s), true
		}
		if cls, _, ok := arg(0).Call(); ok && attrOK && len(args) == 2 && literalAttr(attr) {
			return s.instanceAttr(fn, cls, attr), true
		}
		if arg(0).k == kVars && attrOK {
			return s.derive(arg(0).s+"."+attr, fn.s), true
		}
	case isUfuncReconstruct(name):
		// numpy < 1.20 pickled ufuncs as _ufunc_reconstruct(module, name),
		// which imports module and returns any attribute of it.
		if mod, ok := arg(0).Str(); ok && attrOK && len(args) == 2 {
			s.settle(fn, "")
			return s.derive(mod+"."+attr, fn.s), true
		}
	case isBytesLoader(name):
		// torch.storage._load_from_bytes(b) runs torch.load on b: when b
		// was walked whole as embedded pickles, their imports are
		// reported and judged, like any other.
		if arg(0).k == kEmbedded && arg(0).s == "" && len(args) == 1 {
			s.settle(fn, "")
		}
	case isPartial(name):
		// partial(func, ...) wraps func, which is judged on its own.
		if _, ok := arg(0).Global(); ok {
			s.settle(fn, "")
		}
	}
	return Value{}, false
}

// callResult models the object a call returns, keeping the callable's name
// and its arguments (numpy.dtype and joblib's array wrapper need them).
func (s *Stream) callResult(name string, args []Value) Value {
	if name == "copyreg._reconstructor" || name == "copy_reg._reconstructor" {
		if cls, ok := args0(args).Global(); ok {
			name = cls
		}
	}
	v := Value{k: kCall, s: name}
	if len(args) > 0 && (strings.HasPrefix(name, "numpy") || strings.HasPrefix(name, "joblib")) {
		agg := &aggregate{}
		for _, a := range args {
			agg = s.addItem(agg, a, false)
		}
		v.ref = agg
	}
	return v
}

func args0(args []Value) Value {
	if len(args) == 0 {
		return opaque
	}
	return args[0]
}

// derive records and returns a callable reached through an indirection.
func (s *Stream) derive(name, via string) Value {
	name = clip(name)
	s.ref(RefImport, name, via)
	s.overridden(name)
	return Value{k: kGlobal, s: name, via: via}
}

// leaf normalises a module-qualified name for matching the resolvers.
func leaf(name string) string { return name }

func isGetattr(n string) bool {
	switch n {
	case "builtins.getattr", "__builtin__.getattr", "_operator.getattr":
		return true
	}
	return false
}

func isImport(n string) bool {
	switch n {
	case "importlib.import_module", "builtins.__import__", "__builtin__.__import__",
		"importlib.__import__", "importlib._bootstrap._gcd_import", "pkgutil.resolve_name":
		return true
	}
	return false
}

func isBytesLoader(n string) bool { return n == "torch.storage._load_from_bytes" }

func isUfuncReconstruct(n string) bool {
	return n == "numpy.core._ufunc_reconstruct" || n == "numpy._core._ufunc_reconstruct"
}

func isItemGetter(n string) bool {
	switch n {
	case "builtins.dict.get", "builtins.dict.__getitem__", "operator.getitem", "_operator.getitem",
		"__builtin__.dict.get":
		return true
	}
	return false
}

// build models BUILD of state into t: __setstate__ or attribute updates.
func (s *Stream) build(t *Value, state Value) error {
	cls := t.s
	if t.k != kGlobal && t.k != kCall {
		cls = ""
	}
	s.handOverState(cls, state)
	switch t.k {
	case kGlobal, kUnresolved:
		s.ref(RefBuildGlobal, t.s, "")
		if t.k == kGlobal {
			s.overrides(t.s, state)
		}
	case kCall:
		if t.s == "joblib.numpy_pickle.NumpyArrayWrapper" {
			return s.joblibArray(state)
		}
		if isPartial(t.s) {
			s.buildPartial(t, state)
		}
		s.buildTemplate(t.s, state)
	default:
	}
	return nil
}
