package pickle

import (
	"errors"
	"fmt"
	"io"
)

// Limits bound the memory a walk may use, whatever the input. A zero or
// negative field takes its value in DefaultLimits.
type Limits struct {
	// MaxStack is how many stack entries are modelled (runs of unmodelled
	// values count as one); beyond it values are modelled as unknown.
	MaxStack int
	// MaxMemo is how many interesting memo entries are kept.
	MaxMemo int
	// MaxKept is how many container items are kept across the walk.
	MaxKept int
	// MaxString is the longest string kept for name resolution.
	MaxString int
	// MaxRefs is how many distinct callables are recorded.
	MaxRefs int
	// MaxErrors is how many parse errors are recorded.
	MaxErrors int
	// MaxNested is how deep pickles nested in pickles are followed.
	MaxNested int
}

// DefaultLimits keep a walk under about 64 MiB of memory whatever the
// input: at most 2^16 stack entries, 2^16 memo entries and 2^15 container
// items, each at most 56 bytes plus a string of at most 128 bytes.
func DefaultLimits() Limits {
	return Limits{
		MaxStack: 1 << 16, MaxMemo: 1 << 16, MaxKept: 1 << 15, MaxString: 128,
		MaxRefs: 4096, MaxErrors: 32, MaxNested: 4,
	}
}

// Stream walks the pickles of one byte stream, one at a time. It never
// executes anything: it models the stack and memo to learn which callables
// an unpickler would import and call.
type Stream struct {
	r      *reader
	lim    Limits
	res    *Result
	stack  []Value
	memo   map[uint64]Value
	seen   bitset
	nmemo  uint64
	kept   int
	proto  int
	nested int
	// opOff is the offset of the opcode being executed.
	opOff  int64
	opName string
	// opsInPickle counts the opcodes of the current pickle.
	opsInPickle int64
	refsInPick  int
	// important, when set, says which names are recorded even past
	// MaxRefs (up to twice it), so that a flood of harmless names cannot
	// hide a dangerous one.
	important func(name string) bool
	// noCompact is set once compacting the stack stopped freeing space.
	noCompact bool
	// opBudget, when positive, ends Next with errBudget once the stream
	// has executed that many opcodes (Probe's bound).
	opBudget int64
	// scratch is the unmodelled value top returns for a run's top.
	scratch Value
	// prevOff is the offset of the opcode before the one being executed.
	prevOff int64
	// haltAtError, set by Probe, ends Next with errHalted at the first
	// error that would stop Python's unpickler, semantic ones included:
	// the probe decides there, so it need not read on to the pickle's end.
	haltAtError bool
	halted      bool
	// frameEnd is where the buffer of the last FRAME ends, -1 when the
	// reader is past it; opFrame is its value before the current opcode
	// (frame.go).
	frameEnd, opFrame int64
	// dropAt is the offset of the opcode at whose straddle this branch
	// reads on from the frame's end, -1 for none.
	dropAt int64
	// src re-reads the stream for branches; forks is the branch budget
	// shared by a walk and its branches.
	src   *source
	forks *int
	// bigKeys are the memo keys set beyond the bitset's range; memoLost is
	// set when the count of memo keys is no longer known (MEMOIZE then
	// stores nothing and memo reads are unmodelled).
	bigKeys  map[uint64]struct{}
	memoLost bool
	// exts maps copyreg extension codes the pickle registered itself
	// (copyreg.add_extension) to the names they stand for.
	exts map[int64]string
	// nestedID is the ID of the nested pickle this stream walks, 0 for the
	// stream itself.
	nestedID int
}

// NewStream returns a Stream reading r, whose first byte is at offset base.
func NewStream(r io.Reader, base int64, lim Limits) *Stream {
	forks := maxForks
	return &Stream{
		r: newReader(r, base), lim: lim.withDefaults(),
		res: newResult(), frameEnd: -1, opFrame: -1, dropAt: -1, src: sourceOf(r, base), forks: &forks,
	}
}

func newResult() *Result { return &Result{refIndex: map[refKey]int{}} }

// Result returns what the stream has seen so far.
func (s *Stream) Result() *Result { return s.res }

// Offset returns the offset of the next unread byte.
func (s *Stream) Offset() int64 { return s.r.off }

// Skip discards n bytes.
func (s *Stream) Skip(n int64) error { return s.r.discard(n) }

// ReadFull reads len(b) bytes.
func (s *Stream) ReadFull(b []byte) error {
	p, err := s.r.peek(len(b))
	if err != nil {
		return err
	}
	copy(b, p)
	return s.r.discard(int64(len(b)))
}

// AtEOF reports whether the stream has no more bytes.
func (s *Stream) AtEOF() bool {
	_, err := s.r.br.Peek(1)
	return err != nil
}

// errStop ends a pickle.
var errStop = errors.New("stop")

// errBudget ends a walk that reached its opcode budget.
var errBudget = errors.New("opcode budget reached")

// errHalted ends a probe's walk at its first error (haltAtError).
var errHalted = errors.New("halted at the first error")

// Next walks one pickle up to and including its STOP and returns the value
// STOP would return. At the end of the stream it returns io.EOF. A
// malformed opcode returns an *Error; what came before it is already in
// Result. Semantic errors (stack underflow, a missing memo key) are recorded
// in Result and the walk goes on.
func (s *Stream) Next() (Value, error) {
	if s.AtEOF() {
		return Value{}, io.EOF
	}
	s.stack = s.stack[:0]
	s.noCompact = false
	s.memo = map[uint64]Value{}
	s.seen = bitset{}
	s.bigKeys = nil
	s.memoLost = false
	s.nmemo = 0
	s.opsInPickle = 0
	s.refsInPick = 0
	s.frameEnd = -1
	return s.loop()
}

// loop walks opcodes up to and including STOP, as Next does, without
// resetting the pickle's state first (branches resume mid-pickle).
func (s *Stream) loop() (Value, error) {
	for {
		if s.opBudget > 0 && s.res.Ops >= s.opBudget {
			return Value{}, errBudget
		}
		s.prevOff, s.opOff = s.opOff, s.r.off
		s.opFrame = s.frameEnd
		b, err := s.r.readByte()
		if err != nil {
			return Value{}, s.fail(errTruncated.Error())
		}
		o := &opcodes[b]
		if o.name == "" {
			s.opName = ""
			return Value{}, s.fail(fmt.Sprintf("unknown opcode 0x%02x", b))
		}
		s.opName = o.name
		if s.haltAtError && s.res.Pickles == 0 && (b == 'P' || b == 'Q') {
			// No loader that unpickles from byte 0 (pickle.load, joblib,
			// np.load, torch's legacy magic number) gives its first
			// pickle a persistent_load: the load stops here. Deciding
			// before PERSID reads its line spares reading a whole zip
			// ("PK...") to its first newline.
			return Value{}, s.fail("persistent id in the first pickle: no loader reading from byte 0 accepts it")
		}
		s.res.Ops++
		s.opsInPickle++
		err = s.exec(b, o)
		if s.halted && err == nil {
			return Value{}, errHalted
		}
		if errors.Is(err, errStop) {
			s.res.Pickles++
			return s.popValue(), nil
		}
		if err != nil {
			return Value{}, s.fail(err.Error())
		}
	}
}

// OpsInPickle returns how many opcodes the current or last pickle had.
func (s *Stream) OpsInPickle() int64 { return s.opsInPickle }

// RefsInPickle returns how many references the current or last pickle made.
func (s *Stream) RefsInPickle() int { return s.refsInPick }

func (s *Stream) fail(msg string) *Error {
	e := &Error{Offset: s.opOff, Op: s.opName, Msg: msg}
	return e
}

// record adds a parse error to the result.
func (s *Stream) record(e *Error) {
	if s.haltAtError && !tolerated(e) {
		s.halted = true
	}
	if len(s.res.Errors) < s.lim.MaxErrors {
		s.res.Errors = append(s.res.Errors, e)
	}
}

// semantic records an error that would stop Python's unpickler but after
// which the opcode boundaries are still known, so the walk goes on.
func (s *Stream) semantic(format string, args ...any) {
	s.record(s.fail(fmt.Sprintf(format, args...)))
}

func (s *Stream) ref(kind RefKind, name, via string) {
	s.refsInPick++
	s.res.refTotal++
	s.addRef(Ref{Kind: kind, Name: name, Via: via, Op: s.opName, Offset: s.opOff, Count: 1, Nested: s.nestedID})
}

// addRef records r in the result, merging it with an earlier reference of
// the same kind, name, indirection and nested pickle.
func (s *Stream) addRef(r Ref) {
	k := refKey{r.Kind, r.Name, r.Via, r.Nested}
	if i, ok := s.res.refIndex[k]; ok {
		s.res.Refs[i].Count += r.Count
		return
	}
	if len(s.res.Refs) >= s.lim.MaxRefs &&
		(len(s.res.Refs) >= 2*s.lim.MaxRefs || s.important == nil || !s.important(r.Name)) {
		s.res.RefsDropped++
		return
	}
	s.res.refIndex[k] = len(s.res.Refs)
	s.res.Refs = append(s.res.Refs, r)
}

// push adds v to the stack, merging runs of unmodelled values. When the
// stack is full, its older half is forgotten (turned into unmodelled runs)
// so that the values near the top, which the next opcodes use, stay known.
func (s *Stream) push(v Value) {
	s.notePush(v)
	if n := len(s.stack); n > 0 && v.k == kOpaque && s.stack[n-1].k == kOpaque {
		s.stack[n-1].n += v.n
		return
	}
	if len(s.stack) >= s.lim.MaxStack {
		s.res.Lossy = true
		if !s.noCompact {
			before := len(s.stack)
			s.compact()
			// A stack of marks cannot shrink: stop trying rather than
			// spend O(stack) on every push.
			s.noCompact = before-len(s.stack) < s.lim.MaxStack/4
		}
		if len(s.stack) >= s.lim.MaxStack {
			if n := len(s.stack); n > 0 && s.stack[n-1].k == kOpaque {
				s.stack[n-1].n++
				return
			}
			v = opaque
		}
	}
	s.stack = append(s.stack, v)
}

// compact forgets the values in the older half of the stack, keeping marks
// and merging the forgotten values into runs.
func (s *Stream) compact() {
	half := len(s.stack) / 2
	out := s.stack[:0]
	for i, v := range s.stack {
		if i < half && v.k != kMark && v.k != kOpaque {
			v = opaque
		}
		if n := len(out); n > 0 && v.k == kOpaque && out[n-1].k == kOpaque {
			out[n-1].n += v.n
			continue
		}
		out = append(out, v)
	}
	clear(s.stack[len(out):])
	s.stack = out
}

// popValue pops one value; on underflow it records the error and returns
// an unmodelled value.
func (s *Stream) popValue() Value {
	n := len(s.stack)
	if n == 0 {
		s.semantic("stack underflow")
		return opaque
	}
	top := &s.stack[n-1]
	if top.k == kMark {
		s.semantic("stack underflow: value expected, mark found")
		i := s.belowMarks()
		if i < 0 {
			return opaque
		}
		if s.stack[i].k == kOpaque && s.stack[i].n > 1 {
			s.stack[i].n--
			return opaque
		}
		v := s.stack[i]
		s.stack = append(s.stack[:i], s.stack[i+1:]...)
		return v
	}
	if top.k == kOpaque && top.n > 1 {
		top.n--
		return opaque
	}
	v := *top
	s.stack = s.stack[:n-1]
	return v
}

// top returns a pointer to the top value, or nil on underflow.
func (s *Stream) top() *Value {
	n := len(s.stack)
	if n == 0 {
		s.semantic("stack underflow")
		return nil
	}
	if s.stack[n-1].k == kMark {
		s.semantic("stack underflow: value expected, mark found")
		i := s.belowMarks()
		if i < 0 {
			return nil
		}
		n = i + 1
	}
	if s.stack[n-1].k == kOpaque && s.stack[n-1].n > 1 {
		// The top of a run of unmodelled values: no caller changes an
		// unmodelled value in place, so hand out a scratch copy rather
		// than split the run. Splitting added a stack entry that bypassed
		// MaxStack (NONE then 160M DUPs grew the stack without bound).
		s.scratch = opaque
		return &s.scratch
	}
	return &s.stack[n-1]
}

// belowMarks returns the index of the topmost value under the marks at the
// top of the stack, -1 if there is none within maxLookThrough marks.
// CPython's C unpickler keeps its marks apart from the value stack: 3.11
// raises when an opcode pops a value below the topmost mark, but
// unpicklers without that check (Python 2's cPickle, CPython before 3.6)
// pop the value under it, so the walker models the call that follows.
func (s *Stream) belowMarks() int {
	for i, seen := len(s.stack)-1, 0; i >= 0 && seen <= maxLookThrough; i-- {
		if s.stack[i].k != kMark {
			return i
		}
		seen++
	}
	return -1
}

// maxLookThrough bounds the marks belowMarks looks through.
const maxLookThrough = 16

// popMark pops the values above the topmost mark, and the mark, and calls
// fn for each value from the bottom up. Runs of unmodelled values are
// expanded only up to maxExpand items per call: no caller needs the
// positions beyond. It returns how many values were popped.
func (s *Stream) popMark(fn func(Value)) int64 {
	i := len(s.stack) - 1
	for i >= 0 && s.stack[i].k != kMark {
		i--
	}
	if i < 0 {
		s.semantic("MARK not found")
		s.stack = s.stack[:0]
		return 0
	}
	var n, expanded int64
	for _, v := range s.stack[i+1:] {
		if v.k != kOpaque {
			n++
			if fn != nil {
				fn(v)
			}
			continue
		}
		n += v.n
		if fn != nil {
			for ; expanded < maxExpand && v.n > 0; v.n-- {
				expanded++
				fn(opaque)
			}
		}
	}
	s.stack = s.stack[:i]
	return n
}

// maxExpand bounds the unmodelled values popMark hands to its callback.
const maxExpand = 256

// keep reports whether another container item may be kept.
func (s *Stream) keep() bool {
	if s.kept >= s.lim.MaxKept {
		s.res.Lossy = true
		return false
	}
	s.kept++
	return true
}

// collect builds a container value of kind k from the items above a mark.
func (s *Stream) collect(k kind) Value {
	if n := len(s.stack); k == kTuple && n > 0 && s.stack[n-1].k == kMark {
		s.stack = s.stack[:n-1]
		return emptyTuple
	}
	var agg *aggregate
	n := s.popMark(func(v Value) {
		agg = s.addItem(agg, v, k != kTuple)
	})
	if agg == nil && k == kDict {
		// Protocol 0 writes an empty dict as MARK DICT, then SETITEMs.
		return Value{k: kDict, ref: &aggregate{dropped: int(min(n, 1<<30))}}
	}
	if agg == nil {
		return opaque
	}
	return Value{k: k, ref: agg}
}

// addItem appends v to agg (allocating it when v is worth keeping). With
// sparse set, unmodelled items are counted, not kept.
func (s *Stream) addItem(agg *aggregate, v Value, sparse bool) *aggregate {
	if agg == nil {
		if !v.interesting() {
			if sparse {
				return nil
			}
			agg = &aggregate{}
		} else {
			agg = &aggregate{}
		}
	}
	if (sparse && !v.interesting()) || !s.keep() {
		agg.dropped++
		return agg
	}
	agg.items = append(agg.items, v)
	return agg
}

// tuple builds a tuple of the given values.
func (s *Stream) tuple(vs ...Value) Value {
	keep := false
	for _, v := range vs {
		keep = keep || v.interesting()
	}
	if !keep {
		return opaque
	}
	agg := &aggregate{}
	for _, v := range vs {
		agg = s.addItem(agg, v, false)
	}
	return Value{k: kTuple, ref: agg}
}

// bitset records which memo keys are set.
type bitset struct{ words []uint64 }

// maxTracked is the largest memo key whose presence is tracked (8 MiB).
const maxTracked = 1 << 26

func (b *bitset) set(i uint64) bool {
	if i >= maxTracked {
		return false
	}
	w := int(i / 64)
	for w >= len(b.words) {
		b.words = append(b.words, make([]uint64, max(len(b.words), 64))...)
	}
	was := b.words[w]&(1<<(i%64)) != 0
	b.words[w] |= 1 << (i % 64)
	return !was
}

// has reports whether key i was set; keys beyond tracking count as set.
func (b *bitset) has(i uint64) bool {
	if i >= maxTracked {
		return true
	}
	w := int(i / 64)
	return w < len(b.words) && b.words[w]&(1<<(i%64)) != 0
}

// Record adds a parse error to the result, as Walk does for the errors that
// Next returns.
func (s *Stream) Record(e *Error) { s.record(e) }
