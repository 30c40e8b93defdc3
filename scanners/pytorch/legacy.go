package pytorch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// legacyMagic is the pickled magic number 0x1950a86a20f9469cfc6c (LONG1
// with 10 bytes) that starts torch.save's legacy format.
var legacyMagic = []byte("\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19")

// legacyMagicText is the same number as protocols 0 and 1 write it (LONG,
// no PROTO): torch.save(..., pickle_protocol=1) starts with it.
var legacyMagicText = []byte("L119547037146038801333356L\n.")

// Legacy scans PyTorch's legacy (pre-1.6) serialization: a stream of
// pickles (magic number, protocol version, sys_info, the object, the list
// of storage keys) followed by the raw storages.
type Legacy struct {
	pk *pickle.Scanner
}

// NewLegacy returns a Legacy scanner reporting through pk.
func NewLegacy(pk *pickle.Scanner) *Legacy { return &Legacy{pk: pk} }

// Name implements scanners.Scanner.
func (l *Legacy) Name() string { return "pytorch" }

// Match reports whether head starts with the pickled legacy magic number,
// in any protocol (LONG1 after PROTO, LONG1 alone, or protocol 0's LONG).
func (l *Legacy) Match(_ scanners.File, head []byte) bool {
	if bytes.HasPrefix(head, legacyMagicText) || bytes.HasPrefix(head, legacyMagic) {
		return true
	}
	if len(head) < 2 || head[0] != 0x80 {
		return false
	}
	return bytes.Contains(head[:min(len(head), 32)], legacyMagic)
}

// Scan walks the pickles, then skips each storage by the size its
// persistent ID declares, and walks anything after them.
func (l *Legacy) Scan(_ context.Context, f scanners.File) (scanners.Result, error) {
	st := l.pk.NewStream(io.NewSectionReader(f.R, 0, f.Size), 0)
	var keys pickle.Value
	for i := range 5 {
		v, err := st.Next()
		if err != nil {
			var pe *pickle.Error
			if errors.As(err, &pe) {
				st.Record(pe)
			} else if errors.Is(err, io.EOF) {
				st.Record(&pickle.Error{Offset: st.Offset(), Msg: fmt.Sprintf("legacy checkpoint ends after %d of 5 pickles", i)})
			}
			st.WalkRest()
			return scanners.FindingsResult(l.pk.Report(st.Result()))
		}
		keys = v
	}
	if err := skipStorages(st, keys); err != nil {
		st.Record(&pickle.Error{Offset: st.Offset(), Msg: err.Error()})
	}
	st.WalkRest()
	return scanners.FindingsResult(l.pk.Report(st.Result()))
}

// skipStorages skips the raw storages that follow the key list: for each
// key, an 8-byte element count and the elements.
func skipStorages(st *pickle.Stream, keys pickle.Value) error {
	types := map[string]string{}
	for _, s := range st.Result().Storages {
		types[s.Key] = s.Type
	}
	items := keys.Items()
	if items == nil {
		return errors.New("the storage key list is not a list of strings")
	}
	var num [8]byte
	for _, it := range items {
		key, ok := it.Str()
		if !ok {
			return errors.New("a storage key is not a string")
		}
		typ, ok := types[key]
		if !ok {
			return fmt.Errorf("storage %q is not referenced by the object", key)
		}
		size := elementSize(typ)
		if size == 0 {
			return fmt.Errorf("storage %q has unknown type %s", key, typ)
		}
		if err := st.ReadFull(num[:]); err != nil {
			return fmt.Errorf("storage %q: size missing", key)
		}
		numel := binary.LittleEndian.Uint64(num[:])
		hi, n := bits.Mul64(numel, size)
		if hi != 0 || n > math.MaxInt64 {
			return fmt.Errorf("storage %q: size %d overflows", key, numel)
		}
		if err := st.Skip(int64(n)); err != nil {
			return fmt.Errorf("storage %q: %d bytes run past the end of the file", key, n)
		}
	}
	return nil
}

// elementSize returns the bytes per element of a storage class such as
// "torch.FloatStorage", or 0 when unknown.
func elementSize(typ string) uint64 {
	name := strings.TrimSuffix(strings.TrimPrefix(typ, "torch."), "Storage")
	switch name {
	case "Double", "Long", "ComplexFloat":
		return 8
	case "Float", "Int", "QInt32":
		return 4
	case "Half", "BFloat16", "Short":
		return 2
	case "Char", "Byte", "Bool", "QUInt8", "QInt8", "QUInt4x2", "QUInt2x4", "Untyped", "storage.Untyped":
		return 1
	case "ComplexDouble":
		return 16
	}
	return 0
}
