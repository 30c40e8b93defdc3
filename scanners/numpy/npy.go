// Package numpy scans NumPy .npy files: the header is parsed and checked,
// and the data of object arrays, which NumPy stores as a pickle, is walked
// by the pickle scanner. (.npz files are zips of .npy members and reach
// this scanner through the zip scanner.)
package numpy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// Magic starts every .npy file.
var Magic = []byte("\x93NUMPY")

// maxHeader bounds the header (NumPy itself refuses headers over 10 000
// bytes unless told otherwise; allow more, but not unbounded).
const maxHeader = 1 << 20

// Rule IDs reported by this package.
const (
	RuleObjectArray = "NUMPY-OBJECT-ARRAY"
	RuleTrailing    = "NUMPY-TRAILING-DATA"
)

// Header is the parsed .npy header.
type Header struct {
	Major, Minor int
	// Descr is the dtype descriptor: a string such as "<f8", or the
	// printed list of a structured dtype.
	Descr        string
	FortranOrder bool
	Shape        []int64
	// Object is set when the dtype holds Python objects: the data is a
	// pickle.
	Object bool
	// DataOffset is where the array data starts.
	DataOffset int64
	// DataSize is the size of the data in bytes for plain dtypes, -1 when
	// unknown (object and structured dtypes).
	DataSize int64
}

// ParseHeader parses the header of the .npy file in r (size bytes).
func ParseHeader(r io.ReaderAt, size int64) (*Header, error) {
	fe := func(off int64, format string, args ...any) error {
		return &scanners.FormatError{Format: "numpy", Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	pre, err := safeio.ReadAt(r, size, 0, min(size, 12), 12)
	if err != nil || len(pre) < 10 || !bytes.HasPrefix(pre, Magic) {
		return nil, fe(0, "not an .npy file (bad magic)")
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	var hlen, hoff int64
	switch h.Major {
	case 1:
		hlen, hoff = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		if len(pre) < 12 {
			return nil, fe(8, "file ends inside the header length")
		}
		hlen, hoff = int64(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		return nil, fe(6, "unsupported format version %d.%d", h.Major, h.Minor)
	}
	if hlen > maxHeader || hlen > size-hoff {
		return nil, fe(8, "header length %d exceeds the file (%d bytes) or the %d-byte limit", hlen, size, maxHeader)
	}
	raw, err := safeio.ReadAt(r, size, hoff, hlen, maxHeader)
	if err != nil {
		return nil, fe(hoff, "reading header: %v", err)
	}
	h.DataOffset = hoff + hlen
	if err := h.fill(string(raw)); err != nil {
		var le *literalError
		if errors.As(err, &le) {
			return nil, fe(hoff+int64(le.pos), "header: %s", le.msg)
		}
		return nil, fe(hoff, "header: %v", err)
	}
	return h, nil
}

// fill reads the fields of the header dict.
func (h *Header) fill(src string) error {
	v, err := parseLiteral(strings.TrimRight(src, " \n\x00"))
	if err != nil {
		return err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New("not a dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("key %q missing", k)
		}
	}
	if len(m) != 3 {
		return fmt.Errorf("%d keys, want descr, fortran_order and shape", len(m))
	}
	if h.FortranOrder, ok = m["fortran_order"].(bool); !ok {
		return errors.New("fortran_order is not a bool")
	}
	shape, ok := m["shape"].([]any)
	if !ok {
		return errors.New("shape is not a tuple")
	}
	count := uint64(1)
	for _, d := range shape {
		n, ok := d.(int64)
		if !ok || n < 0 {
			return errors.New("shape holds something other than non-negative integers")
		}
		h.Shape = append(h.Shape, n)
		var hi uint64
		if hi, count = bits.Mul64(count, uint64(n)); hi != 0 {
			return errors.New("shape overflows")
		}
	}
	h.DataSize = -1
	switch d := m["descr"].(type) {
	case string:
		h.Descr = d
		h.Object = strings.Contains(d, "O")
		if size, ok := itemsize(d); ok && !h.Object {
			hi, n := bits.Mul64(count, size)
			if hi != 0 || n > math.MaxInt64 {
				return errors.New("data size overflows")
			}
			h.DataSize = int64(n)
		}
	case []any:
		h.Descr = fmt.Sprint(d)
		h.Object = hasObject(d)
	default:
		return errors.New("descr is neither a string nor a list")
	}
	return nil
}

// hasObject reports whether a structured dtype description names an
// object field anywhere.
func hasObject(v any) bool {
	switch t := v.(type) {
	case string:
		s := strings.TrimLeft(t, "<>|=")
		return strings.HasPrefix(s, "O")
	case []any:
		for _, x := range t {
			if hasObject(x) {
				return true
			}
		}
	}
	return false
}

// itemsize returns the bytes per element of a simple descr ("<f8", "|b1",
// "<U10", "<M8[ns]").
func itemsize(descr string) (uint64, bool) {
	d := strings.TrimLeft(descr, "<>|=")
	if i := strings.IndexByte(d, '['); i >= 0 {
		d = d[:i]
	}
	if len(d) < 2 {
		return 0, false
	}
	n, err := strconv.ParseUint(d[1:], 10, 32)
	if err != nil {
		return 0, false
	}
	if d[0] == 'U' {
		n *= 4
	}
	return n, true
}

// Scanner scans .npy files.
type Scanner struct{ pk *pickle.Scanner }

// New returns a Scanner that walks object-array pickles with pk.
func New(pk *pickle.Scanner) *Scanner { return &Scanner{pk: pk} }

// Name implements scanners.Scanner.
func (s *Scanner) Name() string { return "numpy" }

// Match implements scanners.Scanner.
func (s *Scanner) Match(_ scanners.File, head []byte) bool { return bytes.HasPrefix(head, Magic) }

// Scan implements scanners.Scanner.
func (s *Scanner) Scan(_ context.Context, f scanners.File) (scanners.Result, error) {
	h, err := ParseHeader(f.R, f.Size)
	if err != nil {
		return scanners.Result{}, err
	}
	if h.Object {
		fs := []scanners.Finding{{Rule: RuleObjectArray, Severity: scanners.Info, ATLAS: scanners.ATLASUnsafeArtifact,
			Offset: h.DataOffset, Message: "object array: the data is a pickle (np.load needs allow_pickle=True)"}}
		res := s.pk.Walk(io.NewSectionReader(f.R, h.DataOffset, f.Size-h.DataOffset), h.DataOffset)
		more, err := s.pk.Report(res)
		return scanners.Result{Findings: append(fs, more...)}, err
	}
	if h.DataSize < 0 {
		return scanners.Result{}, nil
	}
	if avail := f.Size - h.DataOffset; avail < h.DataSize {
		return scanners.Result{}, scanners.Errorf("numpy", f.Size, "data is %d bytes, shape and dtype need %d", avail, h.DataSize)
	} else if avail > h.DataSize {
		return scanners.Result{Findings: []scanners.Finding{{Rule: RuleTrailing, Severity: scanners.Info, ATLAS: scanners.ATLASEmbedMalware,
			Offset:  h.DataOffset + h.DataSize,
			Message: fmt.Sprintf("%d bytes after the array data", avail-h.DataSize)}}}, nil
	}
	return scanners.Result{}, nil
}
