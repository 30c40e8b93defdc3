package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// onePass scans b through scanReader and returns the result and how many
// bytes were read from it.
func onePass(t *testing.T, r *Runner, name string, b []byte) (scanners.FileResult, int64) {
	t.Helper()
	res := scanners.FileResult{Path: name, Size: int64(len(b))}
	read := r.scanReader(context.Background(), &res, bytes.NewReader(b))
	sum := sha256.Sum256(b)
	if r.hash && res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("%s: SHA-256 %s, want %x", name, res.SHA256, sum)
	}
	return res, read
}

// TestOnePassFixtures: hashing shares the scanners' reads, so every
// fixture is read once, plus at most the first 4 KiB that Match looks at.
func TestOnePassFixtures(t *testing.T) {
	r := New()
	n := 0
	err := filepath.WalkDir("../../testdata/models", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, read := onePass(t, r, p, b)
		if extra := read - int64(len(b)); extra > scanners.HeadSize {
			t.Errorf("%s: read %d bytes of %d", p, read, len(b))
		}
		n++
		return nil
	})
	if err != nil || n < 100 {
		t.Fatalf("walked %d fixtures: %v", n, err)
	}
}

// TestOnePassLarge: large files of each shape are read once, plus their
// headers and the zip directory search at the tail.
func TestOnePassLarge(t *testing.T) {
	const big = 24 << 20
	r := New()
	cases := map[string][]byte{
		"model.safetensors": safetensorsFile(big),
		"bytes.pkl":         bytesPickle(big),
		"stored.zip":        storedZip(t, big),
		"state_dict.pt":     bigCheckpoint(t, big),
	}
	for name, b := range cases {
		res, read := onePass(t, r, name, b)
		if res.Verdict != scanners.Clean {
			t.Errorf("%s: %s %v %v", name, res.Verdict, res.Findings, res.Errors)
		}
		// The bound: the file, Match's head and the 64 KiB + 22 bytes
		// a zip reader searches at the end for its directory.
		extra := read - int64(len(b))
		if extra > scanners.HeadSize+maxCached {
			t.Errorf("%s (%s): read %d bytes of %d (%d extra)", name, res.Format, read, len(b), extra)
		}
		t.Logf("%s (%s): %d bytes read for %d, %d extra", name, res.Format, read, len(b), extra)
		// Without hashing, a scanner that skips the weights reads a tiny
		// fraction of the file.
		noHash := New(WithoutHash())
		_, read = onePass(t, noHash, name, b)
		if strings.HasSuffix(name, ".safetensors") && read > 1<<20 {
			t.Errorf("%s without hashing: read %d bytes", name, read)
		}
	}
}

func safetensorsFile(n int) []byte {
	hdr := []byte(`{"w":{"dtype":"F32","shape":[` + itoa(n/4) + `],"data_offsets":[0,` + itoa(n) + `]}}`)
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	out = append(out, hdr...)
	return append(out, make([]byte, n)...)
}

// bytesPickle is a protocol-4 pickle of one large bytes object.
func bytesPickle(n int) []byte {
	out := []byte{0x80, 4, 0x8e} // PROTO 4, BINBYTES8
	out = binary.LittleEndian.AppendUint64(out, uint64(n))
	out = append(out, bytes.Repeat([]byte{'A'}, n)...)
	return append(out, '.')
}

func storedZip(t *testing.T, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "data/blob.bin", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(bytes.Repeat([]byte("0123456789abcdef"), n/16))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bigCheckpoint is the state_dict.pt fixture with its first storage grown
// to n bytes.
func bigCheckpoint(t *testing.T, n int) []byte {
	src, err := os.ReadFile("../../testdata/models/pytorch/state_dict.pt")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		if strings.HasSuffix(f.Name, "/data/0") {
			b = append(b, make([]byte, n)...)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func itoa(n int) string { return strconv.Itoa(n) }

// FuzzHashingReader checks the reader against bytes.Reader under any
// sequence of reads: every read returns the file's bytes, and the digest
// is the file's SHA-256 whatever was read before.
func FuzzHashingReader(f *testing.F) {
	f.Add(bytes.Repeat([]byte("abcdefgh"), 300), []byte{0, 16, 200, 40, 1, 1, 255, 255, 3, 9})
	f.Add([]byte("x"), []byte{0, 0})
	f.Fuzz(func(t *testing.T, data, ops []byte) {
		want := sha256.Sum256(data)
		ref := bytes.NewReader(data)
		hr := newHashingReader(bytes.NewReader(data), int64(len(data)), true)
		for i := 0; i+1 < len(ops); i += 2 {
			// Offsets and lengths scaled to the file, so reads land
			// inside, across the end and past it.
			off := int64(ops[i]) * int64(len(data)+2) / 255
			n := int(ops[i+1]) * (len(data) + 2) / 255
			if ops[i+1] > 250 {
				n = maxCached + int(ops[i+1])
			}
			got, exp := make([]byte, n), make([]byte, n)
			gn, gerr := hr.ReadAt(got, off)
			en, eerr := ref.ReadAt(exp, off)
			if gn != en || !bytes.Equal(got[:gn], exp[:en]) || (gerr == nil) != (eerr == nil) {
				t.Fatalf("ReadAt(%d, %d) = %d %v, want %d %v", n, off, gn, gerr, en, eerr)
			}
		}
		sum, err := hr.finish()
		if err != nil || sum != hex.EncodeToString(want[:]) {
			t.Fatalf("digest %s %v, want %x", sum, err, want)
		}
	})
}

// TestMetadataHandedOver: the format scanners hand what they parsed to the
// result, so that aibom generate need not read the header again.
func TestMetadataHandedOver(t *testing.T) {
	r := New()
	for _, p := range []string{
		"safetensors/model.safetensors", "onnx/benign.onnx", "gguf/benign.gguf",
		"keras/sequential.keras", "keras/sequential_fixed.h5", "tflite/benign.tflite", "tensorflow/tf2_benign/saved_model.pb",
	} {
		res := scanPath(t, r, "../../testdata/models/"+p, p)
		if res.Metadata == nil {
			t.Errorf("%s (%s): no metadata", p, res.Format)
		}
	}
	// A file the scanner rejects hands nothing over.
	res := scanPath(t, r, "../../testdata/models/gguf/tensor_out_of_bounds.gguf", "tensor_out_of_bounds.gguf")
	if res.Format != "gguf" || res.Verdict != scanners.Invalid || res.Metadata != nil {
		t.Errorf("invalid file: %s %s, metadata %T", res.Format, res.Verdict, res.Metadata)
	}
}
