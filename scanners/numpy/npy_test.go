package numpy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// npy builds a version 1.0 .npy file with the given header dict and data.
func npy(header string, data []byte) []byte {
	h := header
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.Write(Magic)
	b.Write([]byte{1, 0})
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func scan(t *testing.T, b []byte) ([]scanners.Finding, error) {
	t.Helper()
	f := scanners.File{Path: "a.npy", Size: int64(len(b)), R: bytes.NewReader(b)}
	return scanners.FindingsOf(New(pickle.New()).Scan(context.Background(), f))
}

func TestScan(t *testing.T) {
	t.Parallel()
	mal := []byte("\x80\x03cposix\nsystem\nX\x04\x00\x00\x00true\x85R.")
	tests := []struct {
		name    string
		b       []byte
		verdict scanners.Verdict
		errHas  string
	}{
		{"floats", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", make([]byte, 48)), scanners.Clean, ""},
		{"unicode", npy("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", make([]byte, 24)), scanners.Clean, ""},
		{"scalar", npy("{'descr': '|b1', 'fortran_order': True, 'shape': (), }", make([]byte, 1)), scanners.Clean, ""},
		{"object array pickle", npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", mal), scanners.Malicious, ""},
		{"structured with object field", npy("{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", mal), scanners.Malicious, ""},
		{"short data", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", make([]byte, 8)), scanners.Invalid, "need 80"},
		{"missing key", npy("{'descr': '<f8', 'shape': (10,), }", nil), scanners.Invalid, "fortran_order"},
		{"duplicate key", npy("{'descr': '<f8', 'descr': '|O', 'fortran_order': False, 'shape': (), }", nil), scanners.Invalid, "duplicate"},
		{"negative dim", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", nil), scanners.Invalid, "non-negative"},
		{"overflowing shape", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", nil), scanners.Invalid, "overflow"},
		{"code in header", npy("{'descr': __import__('os').system('x'), 'fortran_order': False, 'shape': (), }", nil), scanners.Invalid, "unexpected"},
		{"header length past EOF", append(append([]byte{}, Magic...), 1, 0, 0xff, 0xff), scanners.Invalid, "header length"},
		{"bad version", append(append([]byte{}, Magic...), 9, 0, 0, 0), scanners.Invalid, "version"},
		{"deep nesting", npy("{'descr': "+strings.Repeat("[", 100)+"}", nil), scanners.Invalid, "nested"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, tc.b)
			if v := scanners.VerdictOf(fs, err); v != tc.verdict {
				t.Fatalf("verdict %v, want %v (findings %v, err %v)", v, tc.verdict, fs, err)
			}
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
				t.Errorf("error %v, want one containing %q", err, tc.errHas)
			}
			var fe *scanners.FormatError
			if err != nil && (!errors.As(err, &fe) || fe.Offset < 0) {
				t.Errorf("error %v is not a FormatError with an offset", err)
			}
		})
	}
}

func TestOffsetsOfObjectPickle(t *testing.T) {
	t.Parallel()
	b := npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", []byte("\x80\x03cposix\nsystem\n."))
	h, err := ParseHeader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := scan(t, b)
	found := false
	for _, f := range fs {
		if f.Global == "posix.system" {
			found = true
			if f.Offset != h.DataOffset+2 {
				t.Errorf("finding at %d, want %d (file offset of the GLOBAL)", f.Offset, h.DataOffset+2)
			}
		}
	}
	if !found {
		t.Error("posix.system not reported")
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", make([]byte, 48)))
	f.Add(npy("{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", nil))
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "models", "numpy", "*.npy"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *scanners.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FormatError", err)
			}
			return
		}
		if h.DataOffset > int64(len(b)) || h.DataOffset < 10 {
			t.Fatalf("data offset %d outside the %d-byte file", h.DataOffset, len(b))
		}
		_, _ = scan(t, b)
	})
}
