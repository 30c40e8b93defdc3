package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func byPath(rep *scanners.Report) map[string]scanners.FileResult {
	m := map[string]scanners.FileResult{}
	for _, r := range rep.Files {
		m[r.Path] = r
	}
	return m
}

func TestDirectoryScan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mal := []byte("\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.")
	write(t, dir, "config.json", mal)
	write(t, dir, "sub/weights.bin", mal)
	write(t, dir, "clean.pkl", []byte("\x80\x02}."))
	write(t, dir, "README.md", []byte("# a model\n"))
	write(t, dir, "broken.pkl", []byte("\x80\x02}\xff"))
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("clean.pkl", filepath.Join(dir, "link.pkl")); err != nil {
		t.Fatal(err)
	}
	rep, err := New(WithWorkers(2)).Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := byPath(rep)
	want := map[string]scanners.Verdict{
		"config.json": scanners.Malicious, "sub/weights.bin": scanners.Malicious,
		"clean.pkl": scanners.Clean, "README.md": scanners.Unscanned, "broken.pkl": scanners.Invalid,
		"dangling": scanners.Unscanned, "link.pkl": scanners.Clean,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %v", len(got), len(want), got)
	}
	for p, v := range want {
		if got[p].Verdict != v {
			t.Errorf("%s: verdict %v, want %v (%+v)", p, got[p].Verdict, v, got[p])
		}
	}
	if got["config.json"].Format != "pickle" || got["config.json"].SHA256 == "" {
		t.Errorf("config.json: %+v", got["config.json"])
	}
	if e := got["broken.pkl"].Errors; len(e) == 0 || e[0].Offset != 3 {
		t.Errorf("broken.pkl errors %+v, want one at offset 3", e)
	}
	if rep.Summary.Worst != scanners.Malicious || rep.Summary.Verdicts["malicious"] != 2 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

func TestMissingPath(t *testing.T) {
	t.Parallel()
	if _, err := New().Scan(context.Background(), filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("no error for a missing path")
	}
}

type panicky struct{}

func (panicky) Name() string                                                 { return "boom" }
func (panicky) Match(scanners.File, []byte) bool                             { return true }
func (panicky) Scan(context.Context, scanners.File) (scanners.Result, error) { panic("kaboom") }

func TestPanicBecomesInvalid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a", []byte("x"))
	write(t, dir, "b", []byte("y"))
	rep, err := New(WithScanners(panicky{})).Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Files {
		if r.Verdict != scanners.Invalid || len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Msg, "kaboom") {
			t.Errorf("%s: %+v, want invalid with the panic", r.Path, r)
		}
	}
}

func TestWithoutHash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := write(t, dir, "a.pkl", []byte("\x80\x02}."))
	rep, err := New(WithoutHash()).Scan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files[0].SHA256 != "" || rep.Files[0].Path != filepath.ToSlash(p) {
		t.Errorf("%+v", rep.Files[0])
	}
}

func TestNestedDepthBounded(t *testing.T) {
	t.Parallel()
	r := New()
	f := scanners.File{Path: "x", Size: 3, R: bytes.NewReader([]byte("abc")), Depth: scanners.MaxDepth + 1}
	if _, err := r.ScanNested(context.Background(), f); err == nil {
		t.Error("no error past the depth limit")
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Scan(ctx, dir); err == nil {
		t.Error("no error for a cancelled scan")
	}
}

func TestPolyglotInvalidFirstFormatStillScanned(t *testing.T) {
	t.Parallel()
	// Bytes 0-7 read as a safetensors header length and byte 8 is '{', but
	// the file is a pickle: SHORT_BINSTRING swallows the "header".
	b := []byte("\x80\x02U\x08xxxx{\"a\"0cos\nsystem\n.")
	dir := t.TempDir()
	write(t, dir, "model.safetensors", b)
	rep, err := New().Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Files[0]
	if r.Verdict != scanners.Malicious {
		t.Fatalf("%+v, want malicious", r)
	}
}

// scanPath scans the file at path, reported as disp.
func scanPath(tb testing.TB, r *Runner, path, disp string) scanners.FileResult {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return r.ScanReaderAt(context.Background(), disp, fh, st.Size())
}
