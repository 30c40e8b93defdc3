package pickle

import (
	"bytes"
	"errors"
	"io"
)

// Walk walks every pickle in r (whose first byte is at offset base) and
// returns what they reference. It goes on after STOP (streams may hold
// several pickles) and after a malformed opcode (Python's unpickler has
// already acted on everything before it): it then looks for the next
// pickle further on. Bytes after the last pickle that do not form one are
// counted as trailing data and searched for embedded pickles.
func Walk(r io.Reader, base int64, lim Limits) *Result {
	s := NewStream(r, base, lim)
	s.WalkRest()
	return s.Result()
}

// minPickleOps is how many opcodes a stream must execute before failing for
// it to count as a broken pickle rather than as data that is not a pickle.
const minPickleOps = 8

// WalkRest walks the pickles from the current offset to the end of the
// stream, as Walk does.
func (s *Stream) WalkRest() {
	first := true
	for {
		start := s.Offset()
		_, err := s.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err == nil {
			first = false
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			return
		}
		if !first && s.opsInPickle < minPickleOps && s.refsInPick == 0 {
			// Not a pickle: data after the last one.
			s.res.TrailingOffset = start
			s.res.Trailing += s.trailing(start)
			return
		}
		s.record(pe)
		first = false
		if !s.resync() {
			return
		}
	}
}

// trailing consumes the rest of the stream from start, walking any pickle
// that begins with a PROTO opcode inside it, and returns the bytes counted.
func (s *Stream) trailing(start int64) int64 {
	for s.resync() {
		begin := s.Offset()
		sub := &Stream{r: s.r, lim: s.lim, res: s.res, kept: s.kept, important: s.important,
			frameEnd: -1, opFrame: -1, dropAt: -1, src: s.src, forks: s.forks, nestedID: s.nestedID}
		if _, err := sub.Next(); err != nil {
			var pe *Error
			if errors.As(err, &pe) && sub.refsInPick > 0 {
				s.record(pe)
			}
			if s.Offset() == begin {
				_ = s.r.discard(1)
			}
		}
		s.kept = sub.kept
	}
	return s.Offset() - start
}

// resync advances to the next PROTO opcode (0x80 followed by a protocol
// number 2-5) and reports whether one was found.
func (s *Stream) resync() bool {
	for {
		buf, err := s.r.br.Peek(s.r.br.Size())
		if len(buf) < 2 {
			_ = s.r.discard(int64(len(buf)))
			return false
		}
		i := 0
		for {
			j := bytes.IndexByte(buf[i:], 0x80)
			if j < 0 || i+j+1 >= len(buf) {
				break
			}
			if p := buf[i+j+1]; p >= 2 && p <= HighestProtocol {
				_ = s.r.discard(int64(i + j))
				return true
			}
			i += j + 1
		}
		// Keep the last byte: it may be a 0x80 whose protocol is next.
		_ = s.r.discard(int64(len(buf) - 1))
		if err != nil {
			_ = s.r.discard(1)
			return false
		}
	}
}
