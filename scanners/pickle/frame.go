package pickle

import (
	"bufio"
	"errors"
	"io"
)

// FRAME, as CPython's C unpickler (_pickle.c) runs it. A FRAME of length L
// asks the reader for its L bytes at once. Reading from a file without
// peek() (torch.load's zip reader hands data.pkl over in an io.BytesIO), or
// a frame too large for the peek-ahead of a buffered file, the L bytes
// become the unpickler's whole input buffer. An opcode whose argument needs
// more than what is left of that buffer (a "straddle") is then read from
// the file *after* the frame: the frame's last bytes are skipped, never
// parsed. pickle.py raises instead, and pickle.loads of a byte string reads
// straight on. So one stream holds two pickles, and the loader decides
// which runs.
//
// The walker reads straight on (pickle.loads, and buffered files whose
// frame was prefetched) and, at every straddle, walks the other reading
// too, as a branch: a copy of the walk as it was before the straddling
// opcode, reading on from the frame's end. The branch's imports are
// reported like the rest; its parse errors are not (that loader stops
// there, which is not the file's fault). Branches need a source that can
// be read again from any offset (io.ReaderAt); a straddle that cannot be
// walked, or one past the branch budget, is reported as such.
//
// Reads the unpickler makes with readinto() (the data of BINBYTES,
// SHORT_BINBYTES, BINBYTES8 and BYTEARRAY8) take the rest of the buffer,
// then the file: they read straight on whatever the loader.

// maxForks bounds the branches one walk makes at straddles.
const maxForks = 4

// maxStraddles bounds the straddle offsets kept in a Result.
const maxStraddles = 16

// source re-reads a stream from any offset.
type source struct {
	r io.ReaderAt
	// base is the stream offset of r's byte 0; size is r's length.
	base, size int64
}

type sizedReaderAt interface {
	io.ReaderAt
	Size() int64
}

// sourceOf returns a source for r when r can be read again from any offset
// and has not been read yet; nil otherwise.
func sourceOf(r io.Reader, base int64) *source {
	ra, ok := r.(sizedReaderAt)
	if !ok {
		return nil
	}
	if sk, ok := r.(io.Seeker); ok {
		if pos, err := sk.Seek(0, io.SeekCurrent); err != nil || pos != 0 {
			return nil
		}
	}
	return &source{r: ra, base: base, size: ra.Size()}
}

// at returns a reader of the source from stream offset off.
func (src *source) at(off int64) io.Reader {
	rel := min(max(off-src.base, 0), src.size)
	return io.NewSectionReader(src.r, rel, src.size-rel)
}

// reset makes r read the source from stream offset off.
func (r *reader) reset(src *source, off int64) {
	r.br.Reset(src.at(off))
	r.off = off
	r.long = nil
}

// span models a _Unpickler_Read of n bytes starting at the current offset:
// when it straddles the frame's end, the walker branches (see above). In
// the branch that takes the file reader's way, the read starts at the end
// of the frame.
func (s *Stream) span(n uint64) error {
	if s.frameEnd < 0 {
		return nil // no frame: the common case, inlined
	}
	return s.spanFrame(n)
}

func (s *Stream) spanFrame(n uint64) error {
	pos, end := s.r.off, s.frameEnd
	if pos >= end || n <= uint64(end-pos) { //nolint:gosec // end > pos here
		if pos >= end {
			s.frameEnd = -1
		}
		return nil
	}
	s.frameEnd = -1
	if s.takeDrop() {
		return s.r.discard(end - pos)
	}
	s.straddled(end)
	return nil
}

// readLine models a _Unpickler_Readline: a line whose newline lies past the
// frame's end straddles it, and the file reader reads the line from the
// frame's end instead.
func (s *Stream) readLine() ([]byte, error) {
	pos := s.r.off
	ln, err := s.r.line()
	end := s.frameEnd
	if end < 0 || pos >= end {
		s.frameEnd = -1
		return ln, err
	}
	if err == nil && s.r.off-1 < end {
		return ln, nil // the newline is inside the frame
	}
	s.frameEnd = -1
	if !s.takeDrop() {
		s.straddled(end)
		return ln, err
	}
	if s.src == nil {
		return nil, errors.New("cannot re-read the stream at the frame's end")
	}
	s.r.reset(s.src, end)
	return s.r.line()
}

// frame models FRAME: its 8-byte length has been read, the reader is at the
// frame's first byte.
func (s *Stream) frame(n uint64) error {
	pos, end := s.r.off, s.frameEnd
	switch {
	case end >= 0 && pos < end && n <= uint64(end-pos): //nolint:gosec // end > pos here
		// The whole frame is already in the buffer: nothing changes.
		return nil
	case end >= 0 && pos < end:
		// The frame straddles the buffer's end.
		s.frameEnd = -1
		if s.takeDrop() {
			if err := s.r.discard(end - pos); err != nil {
				return err
			}
			pos = end
		} else {
			s.straddled(end)
		}
	}
	if n > uint64(1<<62) {
		s.frameEnd = -1
		return nil
	}
	s.frameEnd = pos + int64(n)
	return nil
}

// takeDrop reports whether this branch takes the file reader's way at the
// straddle of the current opcode (and uses that choice up).
func (s *Stream) takeDrop() bool {
	if s.dropAt >= 0 && s.dropAt == s.opOff {
		s.dropAt = -1
		return true
	}
	return false
}

// straddled records a straddle of the frame ending at end by the current
// opcode and walks the branch that skips to end.
func (s *Stream) straddled(end int64) {
	if len(s.res.Straddles) < maxStraddles {
		s.res.Straddles = append(s.res.Straddles, Straddle{Offset: s.opOff, FrameEnd: end, Op: s.opName})
	}
	if s.src == nil || s.forks == nil || *s.forks <= 0 {
		s.res.StraddlesUnwalked++
		return
	}
	*s.forks--
	b := s.branch()
	b.walkBranch()
	s.res.merge(b.res, s)
}

// branch returns a copy of the walk as it was before the current opcode,
// reading again from that opcode and taking the file reader's way at its
// straddle.
func (s *Stream) branch() *Stream {
	seen := map[*aggregate]*aggregate{}
	b := &Stream{
		r:   &reader{br: bufio.NewReaderSize(s.src.at(s.opOff), bufSize), off: s.opOff},
		lim: s.lim, res: newResult(), stack: cloneValues(s.stack, seen), memo: make(map[uint64]Value, len(s.memo)),
		seen: bitset{words: append([]uint64(nil), s.seen.words...)}, nmemo: s.nmemo, memoLost: s.memoLost,
		kept: s.kept, proto: s.proto, nested: s.nested, important: s.important, noCompact: s.noCompact,
		opBudget: s.opBudget, haltAtError: s.haltAtError, src: s.src, forks: s.forks,
		frameEnd: s.opFrame, dropAt: s.opOff, exts: s.exts, nestedID: s.nestedID,
	}
	for k, v := range s.memo {
		b.memo[k] = cloneValue(v, seen)
	}
	// The branch numbers nested pickles on from the walk's (merge).
	for _, n := range s.res.Nested {
		n.PassedTo = append([]string(nil), n.PassedTo...)
		b.res.Nested = append(b.res.Nested, n)
	}
	b.res.overrides = make(map[string]override, len(s.res.overrides))
	for k, v := range s.res.overrides {
		b.res.overrides[k] = v
	}
	for k := range s.bigKeys {
		if b.bigKeys == nil {
			b.bigKeys = map[uint64]struct{}{}
		}
		b.bigKeys[k] = struct{}{}
	}
	return b
}

// walkBranch finishes the branch's pickle, then walks on as Walk does: a
// loader that reads one pickle after another reads on from where this
// reading ends.
func (s *Stream) walkBranch() {
	if _, err := s.loop(); err != nil {
		return
	}
	s.WalkRest()
}

func cloneValues(vs []Value, seen map[*aggregate]*aggregate) []Value {
	out := make([]Value, len(vs), cap(vs))
	for i, v := range vs {
		out[i] = cloneValue(v, seen)
	}
	return out
}

// cloneValue copies v and the containers it holds, keeping shared
// containers shared.
func cloneValue(v Value, seen map[*aggregate]*aggregate) Value {
	if v.ref == nil {
		return v
	}
	if c, ok := seen[v.ref]; ok {
		v.ref = c
		return v
	}
	c := &aggregate{dropped: v.ref.dropped}
	seen[v.ref] = c
	c.items = cloneValues(v.ref.items, seen)
	v.ref = c
	return v
}

// merge adds what a branch saw to r: its references (recorded through s,
// so that MaxRefs holds), the resolver counts, and the limits it hit.
func (r *Result) merge(b *Result, s *Stream) {
	for _, ref := range b.Refs {
		s.addRef(ref)
	}
	r.RefsDropped += b.RefsDropped
	r.Lossy = r.Lossy || b.Lossy
	r.objectCalls = r.objectCalls || b.objectCalls
	r.refTotal += b.refTotal
	r.StraddlesUnwalked += b.StraddlesUnwalked
	for _, st := range b.Straddles {
		if len(r.Straddles) < maxStraddles {
			r.Straddles = append(r.Straddles, st)
		}
	}
	for name, u := range b.resolvers {
		ru := s.resolver(name)
		ru.pushed += u.pushed
		ru.resolved += u.resolved
		ru.unresolved = ru.unresolved || u.unresolved
		ru.onInstance = ru.onInstance || u.onInstance
		for k := range u.receivers {
			ru.receivers[k] = true
		}
	}
	for i, n := range b.Nested {
		if i >= len(r.Nested) {
			r.Nested = append(r.Nested, n)
			continue
		}
		m := &r.Nested[i]
		m.Escapes = m.Escapes || n.Escapes
		for _, p := range n.PassedTo {
			if len(m.PassedTo) >= maxPassedTo {
				m.Escapes = true
				break
			}
			m.PassedTo = append(m.PassedTo, p)
		}
	}
	for k, v := range b.overrides {
		if _, ok := r.overrides[k]; !ok && len(r.overrides) < maxOverrides {
			if r.overrides == nil {
				r.overrides = map[string]override{}
			}
			r.overrides[k] = v
		}
	}
}
