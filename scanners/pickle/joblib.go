package pickle

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// joblibArray skips the array bytes that joblib writes right after a
// NumpyArrayWrapper's BUILD, or walks the pickle it writes for object arrays.
func (s *Stream) joblibArray(state Value) error {
	dt, _ := state.field("dtype")
	_, dargs, _ := dt.Call()
	descr, ok := args0(dargs).Str()
	if !ok || descr == "" {
		return errors.New("joblib array wrapper without a dtype")
	}
	if descr[0] == 'O' {
		return s.nestedPickle()
	}
	itemsize, err := parseItemsize(descr)
	if err != nil {
		return err
	}
	shape, _ := state.field("shape")
	count := uint64(1)
	items := shape.Items()
	if shape.k != kTuple && shape.k != kOpaque {
		return errors.New("joblib array wrapper without a shape")
	}
	if shape.ref != nil && shape.ref.dropped > 0 {
		return errors.New("joblib array shape not modelled")
	}
	for _, d := range items {
		n, ok := d.Int()
		if !ok || n < 0 {
			return errors.New("joblib array shape is not a tuple of integers")
		}
		hi, lo := bits.Mul64(count, uint64(n))
		if hi != 0 || lo > math.MaxInt64 {
			return errors.New("joblib array size overflows")
		}
		count = lo
	}
	hi, size := bits.Mul64(count, itemsize)
	if hi != 0 || size > math.MaxInt64 {
		return errors.New("joblib array size overflows")
	}
	if _, aligned := state.field("numpy_array_alignment_bytes"); aligned {
		pad, err := s.r.fixed(1)
		if err != nil {
			return err
		}
		if err := s.r.discard(int64(pad & 0xff)); err != nil {
			return err
		}
	}
	if err := s.r.discard(int64(size)); err != nil {
		return fmt.Errorf("joblib array of %d bytes runs past the end of the stream", size)
	}
	return nil
}

// parseItemsize reads the item size in bytes from a numpy dtype descriptor
// as pickled by dtype.__reduce__ ("f8", "i4", "U20", "V16", "b1",
// "M8[ns]"). The number after U counts characters of 4 bytes (UCS-4).
func parseItemsize(descr string) (uint64, error) {
	d := strings.TrimLeft(descr, "<>|=")
	if len(d) < 2 {
		return 0, fmt.Errorf("joblib array dtype %q has no item size", descr)
	}
	digits := d[1:]
	if (d[0] == 'M' || d[0] == 'm') && strings.HasSuffix(digits, "]") {
		if i := strings.IndexByte(digits, '['); i > 0 {
			digits = digits[:i]
		}
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' || n > 1<<32 {
			return 0, fmt.Errorf("joblib array dtype %q not understood", descr)
		}
		n = n*10 + uint64(c-'0')
	}
	if d[0] == 'U' {
		n *= 4
	}
	return n, nil
}

// nestedPickle walks a pickle embedded in the current one (joblib object
// arrays) with its own stack and memo, then resumes the outer pickle.
func (s *Stream) nestedPickle() error {
	if s.nested >= s.lim.MaxNested {
		return errors.New("pickles nested too deeply")
	}
	inner := &Stream{r: s.r, lim: s.lim, res: s.res, nested: s.nested + 1, kept: s.kept, important: s.important,
		frameEnd: -1, opFrame: -1, dropAt: -1, src: s.src, forks: s.forks, nestedID: s.nestedID}
	_, err := inner.Next()
	s.kept = inner.kept
	if err != nil {
		return fmt.Errorf("in nested pickle: %w", err)
	}
	return nil
}
