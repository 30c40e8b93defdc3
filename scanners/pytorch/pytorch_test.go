package pytorch

import (
	gotar "archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", "pytorch", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scanLegacy(b []byte) ([]scanners.Finding, error) {
	f := scanners.File{Path: "m.pt", Size: int64(len(b)), R: bytes.NewReader(b)}
	return scanners.FindingsOf(NewLegacy(pickle.New()).Scan(context.Background(), f))
}

func TestLegacy(t *testing.T) {
	t.Parallel()
	clean := fixture(t, "legacy.pt")
	l := NewLegacy(pickle.New())
	if !l.Match(scanners.File{}, clean[:64]) {
		t.Fatal("legacy.pt not matched")
	}
	fs, err := scanLegacy(clean)
	if v := scanners.VerdictOf(fs, err); v != scanners.Clean || len(fs) != 0 {
		t.Errorf("legacy.pt: %v %v %v: storages must be skipped exactly, leaving nothing", v, fs, err)
	}
	fs, err = scanLegacy(fixture(t, "malicious_legacy.pt"))
	if v := scanners.VerdictOf(fs, err); v != scanners.Malicious {
		t.Errorf("malicious_legacy.pt: %v %v %v", v, fs, err)
	}
	// Truncating the storages is an error with an offset, and a pickle
	// appended after them is still found.
	fs, err = scanLegacy(clean[:len(clean)-3])
	if err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Errorf("truncated: %v %v", fs, err)
	}
	fs, err = scanLegacy(append(append([]byte{}, clean...), "\x80\x02cos\nsystem\n."...))
	if v := scanners.VerdictOf(fs, err); v != scanners.Malicious {
		t.Errorf("appended pickle: %v %v %v", v, fs, err)
	}
}

func TestZipAndTorchScript(t *testing.T) {
	t.Parallel()
	z := NewZip()
	for name, want := range map[string]string{"state_dict.pt": "pytorch", "scripted.pt": "torchscript"} {
		b := fixture(t, name)
		f := scanners.File{Path: name, Size: int64(len(b)), R: bytes.NewReader(b), Nested: &scantest.Nester{Next: pickle.New()}}
		if a, err := zip.Open(f.R, f.Size, zip.DefaultLimits()); err != nil || !z.Is(a) {
			t.Fatalf("%s not a PyTorch archive: %v", name, err)
		}
		res, err := z.Scan(context.Background(), f)
		if res.Format != want || err != nil {
			t.Errorf("%s: %s %v, want %s", name, res.Format, err, want)
		}
	}
}

func TestCodeFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want string
	}{
		{"def forward(self, x):\n  torch.save(x, \"/dev/null\")\n", "torch.save"},
		{"  _0 = ops.aten.from_file(\"/etc/passwd\")", "ops.aten.from_file"},
		{"  os.system(\"id\")", "os.system"},
		{"  y = torch.ops.my_ns.evil(x)", "torch.ops.my_ns"},
		{"  input_pos = x.size()\n  return pos.add(1)", ""},
		{"  return torch.add(x, ops.aten.relu(x))", ""},
	}
	for _, tc := range tests {
		fs := codeFindings("code/m.py", tc.src)
		got := ""
		if len(fs) > 0 {
			got = fs[0].Global
		}
		if got != tc.want {
			t.Errorf("%q: got %q (%v), want %q", tc.src, got, fs, tc.want)
		}
	}
}

func TestElementSize(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]uint64{"torch.FloatStorage": 4, "torch.DoubleStorage": 8, "torch.HalfStorage": 2,
		"torch.BoolStorage": 1, "torch.ComplexDoubleStorage": 16, "torch.EvilStorage": 0} {
		if got := elementSize(typ); got != want {
			t.Errorf("%s: %d, want %d", typ, got, want)
		}
	}
}

// FuzzLegacy checks that no input makes the legacy scanner panic or loop.
func FuzzLegacy(f *testing.F) {
	f.Add(fixture(f, "legacy.pt"))
	f.Add(fixture(f, "malicious_legacy.pt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := scanLegacy(b)
		for _, fd := range fs {
			if fd.Offset < 0 || fd.Offset > int64(len(b)) {
				t.Fatalf("finding %+v outside the input", fd)
			}
		}
		_ = err
	})
}

// legacyTar builds a legacy tar checkpoint whose storages member carries
// extra after its one storage.
func legacyTar(t *testing.T, extra string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := gotar.NewWriter(&buf)
	add := func(name, data string) {
		if err := tw.WriteHeader(&gotar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Format: gotar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(data))
	}
	add("sys_info", "\x80\x02}.")
	add("pickle", "\x80\x02ccollections\nOrderedDict\n)R.")
	add("tensors", "\x80\x02K\x00.")
	storage := "\x80\x02K\x01." + "\x80\x02(X\x01\x00\x00\x000X\x03\x00\x00\x00cpuctorch\nFloatStorage\ntq\x00." +
		"\x01\x00\x00\x00\x00\x00\x00\x00" + "\x00\x00\x80\x3f" + "\x80\x02]."
	add("storages", storage+extra)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLegacyTarRecords(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		extra string
		want  scanners.Verdict
	}{
		"clean":                            {"", scanners.Clean},
		"protocol 0 pickle after the data": {"cos\nsystem\n(S'true'\ntR.", scanners.Malicious},
	} {
		b := legacyTar(t, tc.extra)
		l := NewLegacyTar(pickle.New())
		f := scanners.File{Path: "m.pt", Size: int64(len(b)), R: bytes.NewReader(b), Nested: &scantest.Nester{Next: pickle.New()}}
		if !l.Match(f, b[:scanners.HeadSize]) {
			t.Fatalf("%s: not matched", name)
		}
		fs, err := scanners.FindingsOf(l.Scan(context.Background(), f))
		if v := scanners.VerdictOf(fs, err); v != tc.want {
			t.Errorf("%s: %v, want %v (%v %v)", name, v, tc.want, fs, err)
		}
	}
}
