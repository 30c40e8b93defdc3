package compress

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(b []byte, name string) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Name = name
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func zl(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func xzOf(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := xz.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func lz4Of(b []byte) []byte {
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func zfile(b []byte) []byte {
	hdr := fmt.Sprintf("ZF%-19s", fmt.Sprintf("0x%x", len(b)))
	return append([]byte(hdr), zl(b)...)
}

// scanBytes detects b, scans it with the matching Scanner and returns the
// format, the nester (which reads every stream in full) and the result.
func scanBytes(t *testing.T, b []byte, lim Limits) (Format, *scantest.Nester, []scanners.Finding, error) {
	t.Helper()
	f, ok := Detect(b[:min(len(b), scanners.HeadSize)])
	if !ok {
		t.Fatalf("Detect found nothing in %x", b[:min(len(b), 16)])
	}
	fn := &scantest.Nester{FullBelow: scantest.NoLimit}
	file := scanners.File{Path: "x", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	fs, err := scanners.FindingsOf(New(f, lim).Scan(context.Background(), file))
	return f, fn, fs, err
}

func TestDecompress(t *testing.T) {
	t.Parallel()
	payload := readTestdata(t, "payload.pkl")
	tests := []struct {
		name   string
		b      []byte
		format Format
		member string
	}{
		{"python gzip", readTestdata(t, "payload.pkl.gz"), Gzip, "payload.pkl"},
		{"python bz2", readTestdata(t, "payload.pkl.bz2"), Bzip2, "<bzip2>"},
		{"python xz", readTestdata(t, "payload.pkl.xz"), XZ, "<xz>"},
		{"python lzma alone", readTestdata(t, "payload.pkl.lzma"), LZMA, "<lzma>"},
		{"python zlib", readTestdata(t, "payload.pkl.zlib"), Zlib, "<zlib>"},
		{"go gzip with name", gz(payload, "model.pkl"), Gzip, "model.pkl"},
		{"gzip with control name", gz(payload, "a\x01b"), Gzip, "<gzip>"},
		{"concatenated gzip", append(gz(payload[:50], ""), gz(payload[50:], "")...), Gzip, "<gzip>"},
		{"go xz (CRC64)", xzOf(payload), XZ, "<xz>"},
		{"concatenated padded xz", append(append(xzOf(payload[:10]), 0, 0, 0, 0), xzOf(payload[10:])...), XZ, "<xz>"},
		{"lz4 frame", lz4Of(payload), LZ4, "<lz4>"},
		{"joblib ZF", zfile(payload), ZFile, "<joblib-zfile>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, fn, fs, err := scanBytes(t, tt.b, Limits{})
			if f != tt.format || err != nil || fs != nil {
				t.Fatalf("format %v err %v findings %v", f, err, fs)
			}
			if diff := cmp.Diff([]string{tt.member}, fn.Members()); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			if got := fn.Streams()[0].All; !bytes.Equal(got, payload) {
				t.Errorf("decompressed %q", got)
			}
		})
	}
}

func TestJoblibFixtures(t *testing.T) {
	t.Parallel()
	want := map[string]Format{"zlib": Zlib, "gzip": Gzip, "bz2": Bzip2, "xz": XZ, "lzma": LZMA}
	for ext, format := range want {
		b := readTestdata(t, "model.joblib."+ext)
		f, fn, fs, err := scanBytes(t, b, Limits{})
		got := fn.Streams()
		if f != format || err != nil || fs != nil || len(got) != 1 || !bytes.HasPrefix(got[0].All, []byte{0x80}) {
			t.Errorf("%s: format %v err %v findings %v", ext, f, err, fs)
		}
	}
}

func TestNotDetected(t *testing.T) {
	t.Parallel()
	for name, b := range map[string][]byte{
		"pickle":     readTestdata(t, "payload.pkl"),
		"text":       []byte(strings.Repeat("x^ hello world ", 300)),
		"zlib magic": append([]byte{0x78, 0x9c}, bytes.Repeat([]byte{0xff, 0x13, 0x77}, 200)...),
		"lzma-like":  append([]byte{0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0}, bytes.Repeat([]byte{0xAA}, 100)...),
		"zip":        []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00"),
		"empty":      nil,
	} {
		if f, ok := Detect(b); ok {
			t.Errorf("%s detected as %v", name, f)
		}
	}
}

func TestBombAndErrors(t *testing.T) {
	t.Parallel()
	payload := readTestdata(t, "payload.pkl")
	zeros := make([]byte, 16<<20)
	trunc := gz(append(append([]byte(nil), payload...), bytes.Repeat([]byte("abcdefgh"), 20000)...), "")
	badXZ := xzOf(payload)
	badXZ[len(badXZ)-30] ^= 0xff // inside the block check
	tests := []struct {
		name     string
		b        []byte
		lim      Limits
		rules    []string
		wantErr  bool
		minOut   int
		prefixOK bool
	}{
		{"gzip bomb", gz(zeros, ""), Limits{MaxSize: 1 << 20}, []string{RuleBomb}, false, 1 << 20, false},
		{"xz ratio bomb", xzOf(zeros), Limits{MaxRatio: 100, RatioFloor: 1 << 20}, []string{RuleBomb}, false, 1 << 20, false},
		{"truncated gzip", trunc[:len(trunc)/2], Limits{}, nil, true, 1000, true},
		{"bad xz check", badXZ, Limits{}, nil, true, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, fn, fs, err := scanBytes(t, tt.b, tt.lim)
			var rules []string
			for _, f := range fs {
				rules = append(rules, f.Rule)
			}
			if diff := cmp.Diff(tt.rules, rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			var fe *scanners.FormatError
			if tt.wantErr != errors.As(err, &fe) {
				t.Errorf("err = %v, want FormatError %v", err, tt.wantErr)
			}
			got := fn.Streams()
			if len(got) != 1 || len(got[0].All) < tt.minOut || (tt.prefixOK && !bytes.HasPrefix(got[0].All, payload)) {
				t.Errorf("partial output not scanned: %d streams", len(got))
			}
		})
	}
}

func TestLZMAHugeDictionary(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "payload.pkl.lzma")
	binary.LittleEndian.PutUint32(b[1:], 3<<30) // 3 GiB claimed
	_, fn, _, err := scanBytes(t, b, Limits{MaxDict: 1 << 20})
	if got := fn.Streams(); err != nil || len(got) != 1 || !bytes.Equal(got[0].All, readTestdata(t, "payload.pkl")) {
		t.Fatalf("err %v", err)
	}
}

func TestNestedAndDepth(t *testing.T) {
	t.Parallel()
	payload := readTestdata(t, "payload.pkl")
	b := gz(xzOf(payload), "inner.xz")
	fn := &scantest.Nester{FullBelow: scantest.NoLimit, Next: New(XZ, Limits{})}
	file := scanners.File{Path: "x.gz", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	if _, err := scanners.FindingsOf(New(Gzip, Limits{}).Scan(context.Background(), file)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"inner.xz", "inner.xz!<xz>"}, fn.Members()); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	file.Depth = 8
	fs, err := scanners.FindingsOf(New(Gzip, Limits{}).Scan(context.Background(), file))
	if len(fs) != 1 || fs[0].Rule != RuleTooDeep || err == nil {
		t.Fatalf("depth: %v %v", fs, err)
	}
}

func TestSpoolToDisk(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	_, fn, _, err := scanBytes(t, gz(data, ""), Limits{MaxMemory: 64 << 10, TempDir: t.TempDir()})
	if got := fn.Streams(); err != nil || len(got) != 1 || !bytes.Equal(got[0].All, data) {
		t.Fatalf("err %v", err)
	}
}

var _ io.Reader = (*Reader)(nil)

// TestZFileWithWideHeader reads a joblib 0.8.4 Python 2 "ZF" file, whose
// header is one byte wider (the zlib stream starts at offset 22), copied
// from Debian's python3-joblib test data.
func TestZFileWithWideHeader(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "joblib_0.8.4_zfile_py27.gz")
	if !Is(ZFile, b) {
		t.Fatal("not detected as a ZF file")
	}
	r, err := NewReader(ZFile, bytes.NewReader(b), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil || len(out) == 0 || out[0] != 0x80 {
		t.Errorf("decompressed %d bytes, err %v: want a pickle", len(out), err)
	}
}
