package pickle

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
)

// Probe budgets: a stream that stays a valid pickle for this many opcodes
// is a pickle, whatever it imports (no ordinary file does that).
const probeMaxOps = 1 << 20

// probeLimits keep the probe's model small: it only has to see imports.
var probeLimits = Limits{MaxStack: 1024, MaxMemo: 1024, MaxKept: 1024, MaxString: 256, MaxRefs: 64, MaxErrors: 4, MaxNested: 1}

// Probe reports whether the size bytes of r, read from offset 0, would be
// accepted by an unpickler, by walking them. Sniffing only ranks: a stream
// that starts with PROTO 2-5 is a pickle at once; any other stream whose
// first byte is an opcode (PROTO 0 and 1 included: they are legal) is
// walked, pickle after pickle, for as long as it stays valid, and is a
// pickle when, before the first error that would stop Python's unpickler,
//   - it imports a plausible dotted name (what a malicious pickle must do:
//     so a protocol-0 pickle whose first import comes after megabytes of
//     harmless opcodes, a legacy checkpoint without PROTO, or a pickle
//     prepended to another file are all found), or
//   - it stays valid for probeMaxOps opcodes, or
//   - it is nothing but complete, well-formed pickles of at least two
//     opcodes, up to the end.
//
// "Not a pickle" thus means the walk failed at or near the start without
// importing anything: text, JSON, CSV and images fail within a few bytes.
func Probe(r io.ReaderAt, size int64) bool {
	var head [2]byte
	n, _ := r.ReadAt(head[:], 0)
	if n == 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= HighestProtocol {
		return true
	}
	if n == 0 || opcodes[head[0]].name == "" || (head[0] == 0x80 && n < 2) {
		return false
	}
	return probe(smallReads{io.NewSectionReader(r, 0, size), size}, true)
}

// smallReads hands out at most probeChunk bytes per Read, so that the
// probe's buffered reader reads only as far as the walk goes: a file that
// fails in its first bytes costs one small read, not a 256 KiB buffer fill.
type smallReads struct {
	r    io.Reader
	size int64
}

// Size lets the walker size its buffer to the stream.
func (s smallReads) Size() int64 { return s.size }

const probeChunk = 4096

func (s smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), probeChunk)]) }

// Sniff reports whether b, the first bytes of a stream (whole says b is
// the entire stream), is a pickle, as Probe decides; when b is only the
// head, a walk that runs out of bytes before it decides says no.
func Sniff(b []byte, whole bool) bool {
	if len(b) >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= HighestProtocol {
		return true
	}
	if len(b) == 0 || opcodes[b[0]].name == "" {
		return false
	}
	return probe(bytes.NewReader(b), whole)
}

// probe walks r as Probe describes.
func probe(r io.Reader, whole bool) bool {
	st := NewStream(r, 0, probeLimits)
	st.opBudget = probeMaxOps
	st.haltAtError = true
	res := st.Result()
	for {
		_, err := st.Next()
		cut := st.cut(err)
		for _, ref := range res.Refs {
			if ref.Kind != RefImport || (cut >= 0 && ref.Offset >= cut) || !plausibleName(ref.Name) {
				continue
			}
			// A word list ("coverage\ncoveralls\nflake8") reads as one
			// GLOBAL and then breaks: count an import only when the walk
			// went on past it, or when it names a callable the policy
			// knows (a payload need not go on: importing runs code).
			// Halted at a semantic error, the opcode that raised it
			// parsed: the walk went on to it.
			past := st.prevOff
			if st.halted {
				past = st.opOff
			}
			if cut < 0 || past > ref.Offset || knownName(ref.Name) {
				return true
			}
		}
		for _, sd := range res.Straddles {
			// An opcode reaching past a FRAME's end, in a stream valid up
			// to there: no ordinary file does that, and the C unpickler
			// may read on from the frame's end (frame.go).
			if cut < 0 || sd.Offset < cut {
				return true
			}
		}
		switch {
		case cut >= 0:
			return false
		case errors.Is(err, io.EOF):
			return whole && res.Ops >= 2
		case errors.Is(err, errBudget):
			return true
		}
	}
}

// cut returns the offset of the first error Python's unpickler would stop
// at, -1 when there is none; err is what Next returned.
func (s *Stream) cut(err error) int64 {
	cut := int64(-1)
	for _, e := range s.res.Errors {
		if !tolerated(e) {
			cut = e.Offset
			break
		}
	}
	var pe *Error
	if errors.As(err, &pe) && (cut < 0 || pe.Offset < cut) {
		cut = pe.Offset
	}
	if s.halted && cut < 0 { // its error was past MaxErrors
		cut = s.opOff
	}
	return cut
}

// knownName reports whether the default policy lists name as allowed or
// dangerous.
func knownName(name string) bool {
	c, _ := defaultPolicy().Classify(name)
	return c != Unknown
}

var defaultPolicy = sync.OnceValue(DefaultPolicy)

// tolerated reports whether e is an error CPython's C unpickler does not
// raise: its marks live apart from the value stack, so a value expected
// where the walker's model has a mark does not stop it.
func tolerated(e *Error) bool { return strings.Contains(e.Msg, "mark found") }

// plausibleName reports whether name is a dotted Python identifier path.
func plausibleName(name string) bool {
	for _, p := range strings.Split(name, ".") {
		if !isIdent(p) {
			return false
		}
	}
	return strings.Contains(name, ".")
}
