package pickle

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// Protocols 0 to 2 have no bytes opcode for Python 3: pickle writes a
// bytes value b as _codecs.encode(b.decode('latin1'), 'latin1'), a REDUCE
// on a text whose code points are b's bytes. torch pickles a tensor's
// storage that way at protocol 2 (torch.storage._load_from_bytes(b)), so
// the walker decodes such texts back to bytes, and walks them as embedded
// pickles when the encode call is one it can read: two literal arguments,
// the second one of latin1's names. Any other call of _codecs.encode is
// modelled as before (its result is unknown).

// maxTextKept bounds the bytes of pickle-like texts kept across a walk for
// a later _codecs.encode, and the bytes of those encodings walked: past it
// such texts and encodings are unmodelled, and a _load_from_bytes of them
// stays reported.
const maxTextKept = 4 * maxEmbedded

// latin1Names are the encoding names modelled, exactly as CPython's pickle
// writes them ('latin1') and its common spellings.
var latin1Names = map[string]bool{"latin1": true, "latin-1": true, "iso-8859-1": true}

// isUnicodeOp reports the opcodes whose argument is UTF-8 text.
func isUnicodeOp(b byte) bool { return b == 'X' || b == 0x8c || b == 0x8d }

// pickleText reports whether the n-byte UTF-8 text about to be read starts
// like a pickle once encoded to latin-1 (U+0080, then a protocol 2 to
// HighestProtocol), and is small enough to keep.
func (s *Stream) pickleText(n uint64) bool {
	if n < 4 || n > 2*maxEmbedded || s.nested >= s.lim.MaxNested || s.res.textKept+int64(n) > maxTextKept {
		return false
	}
	p, err := s.r.br.Peek(3)
	return err == nil && p[0] == 0xc2 && p[1] == 0x80 && p[2] >= 2 && p[2] <= HighestProtocol
}

// readPickleText reads an n-byte UTF-8 text that pickleText accepted and
// pushes its latin-1 encoding, or, when a code point does not fit in a
// byte or the bytes are over maxEmbedded, the text as pushString models it.
func (s *Stream) readPickleText(n uint64) error {
	start := s.r.off
	buf := make([]byte, n)
	if _, err := io.ReadFull(s.r.br, buf); err != nil {
		return fmt.Errorf("%d-byte argument runs past the end of the stream", n)
	}
	s.r.off += int64(len(buf))
	b, ok := latin1FromUTF8(buf)
	if !ok || len(b) > maxEmbedded {
		s.pushString(buf)
		return nil
	}
	s.pushLatin1(b, start)
	return nil
}

// pushLatin1 pushes the latin-1 bytes b of a text whose argument starts at
// offset off. What the embedded pickles import is reported at off plus the
// offset in b: exact up to the first character written in more than one
// byte, then within the text's argument.
func (s *Stream) pushLatin1(b []byte, off int64) {
	s.res.textKept += int64(len(b))
	s.push(Value{k: kLatin1, s: string(b), n: off})
}

// latin1FromUTF8 encodes the UTF-8 text t to latin-1: each code point below
// 256 becomes one byte. It fails on invalid UTF-8 and on any code point
// from 256 up, which latin-1 cannot encode.
func latin1FromUTF8(t []byte) ([]byte, bool) {
	out := make([]byte, 0, len(t))
	for len(t) > 0 {
		r, size := utf8.DecodeRune(t)
		if r == utf8.RuneError && size <= 1 || r > 0xff {
			return nil, false
		}
		out = append(out, byte(r&0xff))
		t = t[size:]
	}
	return out, true
}

// latin1FromRawEscape decodes a protocol 0 UNICODE argument
// (raw-unicode-escape, as CPython 3 reads it) straight to latin-1: bytes
// stand for themselves, a backslash and the next byte stand for
// themselves, and \uXXXX and \UXXXXXXXX are code points, which must be
// below 256. It fails on a bad escape and on a code point from 256 up.
func latin1FromRawEscape(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		i++
		width := 0
		switch b[i] {
		case 'u':
			width = 4
		case 'U':
			width = 8
		default:
			out = append(out, '\\', b[i])
			continue
		}
		v, ok := hexVal(b, i+1, width)
		if !ok || v < 0 || v > 0xff {
			return nil, false
		}
		out = append(out, byte(v))
		i += width
	}
	return out, true
}

// startsPickle reports whether b starts with a PROTO opcode of a protocol
// from 2 to HighestProtocol, like the payloads walked as embedded pickles.
func startsPickle(b []byte) bool {
	return len(b) >= 3 && b[0] == 0x80 && b[1] >= 2 && b[1] <= HighestProtocol
}

// unicodeLine models a protocol 0 UNICODE argument that encodes to a
// pickle: it reports whether it pushed one.
func (s *Stream) unicodeLine(ln []byte, off int64) bool {
	if len(ln) < 3 || ln[0] != 0x80 && ln[0] != '\\' || len(ln)+1 >= s.r.br.Size() ||
		s.nested >= s.lim.MaxNested || s.res.textKept+int64(len(ln)) > maxTextKept {
		return false
	}
	b, ok := latin1FromRawEscape(ln)
	if !ok || !startsPickle(b) || len(b) > maxEmbedded {
		return false
	}
	s.pushLatin1(b, off)
	return true
}

// bytesCall models the calls that build bytes from literals: bytes(),
// how protocols 0 to 2 write empty bytes, and encodeCall's.
func (s *Stream) bytesCall(fn Value, args Value) (Value, bool) {
	if fn.k == kGlobal && fn.via == "" && (fn.s == "builtins.bytes" || fn.s == "__builtin__.bytes") && args.isEmptyTuple() {
		return Value{k: kStr}, true
	}
	return s.encodeCall(fn, args)
}

// encodeCall models _codecs.encode(text, 'latin1') with exactly two
// literal arguments: the bytes it returns are walked as embedded pickles
// when they start like one, and kept as a string when short. It reports
// whether it modelled the call.
func (s *Stream) encodeCall(fn Value, args Value) (Value, bool) {
	if fn.k != kGlobal || fn.via != "" || fn.s != "_codecs.encode" || args.k != kTuple || args.ref == nil ||
		args.ref.dropped != 0 || len(args.ref.items) != 2 {
		return Value{}, false
	}
	text, enc := args.ref.items[0], args.ref.items[1]
	if e, ok := enc.Str(); !ok || !latin1Names[e] {
		return Value{}, false
	}
	if text.k == kLatin1 {
		if s.res.textWalked+int64(len(text.s)) > maxTextKept {
			// A memoized text encoded over and over would be walked
			// each time: past the bound its encoding is unmodelled.
			return Value{}, false
		}
		s.res.textWalked += int64(len(text.s))
		return s.walkPickles([]byte(text.s), text.n), true
	}
	if t, ok := text.Str(); ok {
		if b, ok := latin1FromUTF8([]byte(t)); ok {
			return Value{k: kStr, s: string(b)}, true
		}
	}
	return Value{}, false
}
