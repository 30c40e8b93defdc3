package safeio

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxDict is the largest LZMA or LZMA2 dictionary (history window) that the
// decoders of xz, .lzma, 7z and zip streams allocate. A decoder holds its
// whole dictionary once the output passes it, so this, not the input,
// bounds what one stream costs in memory.
//
// 16 MiB decodes in full what Python's lzma module and xz write by default
// (preset 6: 8 MiB; joblib.dump(compress='xz' or 'lzma') too, and
// compress=(method, N) is preset N: up to 16 MiB for N <= 7) and p7zip's
// default -mx5 (16 MiB). Larger presets declare more: xz -8 and -9 (Python
// presets 8 and 9) 32 and 64 MiB, and 7-Zip 23 and later 32 MiB at its default -mx5 and up
// to 256 MiB at -mx9 (7-Zip 26.02 measured: LZMA2:25 and LZMA2:28), each
// cut to the file's size. Such a stream is still decoded with MaxDict: it
// fails only when it actually refers back further than that, which model
// weights seldom do, and then it is reported (ErrDictTooLarge), never
// clean. A stream never needs a dictionary larger than its output, so
// callers cap it by the declared output size too.
const MaxDict = 16 << 20

// ErrDictTooLarge is returned when a stream refers back further than the
// dictionary it was decoded with, which was smaller than the one it
// declared.
var ErrDictTooLarge = errors.New("LZMA dictionary larger than the limit")

// DictCap is the dictionary to decode a stream with: what it declares,
// capped by limit and by its output size when known (out < 0: unknown),
// and at least floor (the decoder's minimum).
func DictCap(declared, out, limit, floor int64) int64 {
	d := min(declared, limit)
	if out >= 0 {
		d = min(d, out)
	}
	return max(d, floor)
}

// DictReader returns r, the decoder of a stream that declared a dictionary
// of declared bytes and is decoded with one of used bytes. When used is
// smaller and the decoder fails on a match that reaches back further than
// used, the error wraps ErrDictTooLarge and says so.
func DictReader(r io.Reader, declared, used int64) io.Reader {
	if declared <= used {
		return r
	}
	return &dictReader{r: r, declared: declared, used: used}
}

type dictReader struct {
	r              io.Reader
	declared, used int64
}

// farMatch is how github.com/ulikunitz/xz/lzma reports a match distance
// beyond its dictionary (TestDictTooLarge of scanners/compress and
// scanners/sevenzip keep this in sync).
const farMatch = "distance out of range"

func (d *dictReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && strings.Contains(err.Error(), farMatch) {
		err = fmt.Errorf("%w: the stream declares a %d-byte dictionary and refers back further than the %d bytes it is decoded with (%w)",
			ErrDictTooLarge, d.declared, d.used, err)
	}
	return n, err
}
