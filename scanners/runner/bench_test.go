package runner

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// BenchmarkScanCheckpoint scans the 1 GiB PyTorch zip that bench/gen.py
// writes (skipped when missing): with --no-hash only the pickle members and
// the heads of the storages are read, so the time must not grow with the
// weights. The hashed variant is bounded by SHA-256 over the whole file.
func BenchmarkScanCheckpoint(b *testing.B) {
	path := filepath.Join("..", "..", "bench", "out", "ckpt-1g.pt")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%v: run /usr/bin/python3 bench/gen.py bench/out first", err)
	}
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"no-hash", []Option{WithoutHash()}}, {"hash", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			r := New(tc.opts...)
			for b.Loop() {
				res := scanPath(b, r, path, "ckpt-1g.pt")
				if res.Verdict != scanners.Clean || res.Format != "pytorch" {
					b.Fatalf("%+v", res)
				}
			}
		})
	}
}

// BenchmarkScanDirectory scans a directory of many real fixtures with one
// worker and with all cores.
func BenchmarkScanDirectory(b *testing.B) {
	src := filepath.Join("..", "..", "testdata", "models")
	dir := b.TempDir()
	var files []string
	_ = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	for i := range 20 {
		for j, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			dst := filepath.Join(dir, "copy", filepath.Base(filepath.Dir(p)), string(rune('a'+i%26))+filepath.Base(p)+string(rune('0'+j%10)))
			_ = os.MkdirAll(filepath.Dir(dst), 0o755)
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+string(rune('0'+workers)), func(b *testing.B) {
			r := New(WithWorkers(workers))
			for b.Loop() {
				rep, err := r.Scan(context.Background(), dir)
				if err != nil || len(rep.Files) != 20*len(files) {
					b.Fatalf("%v, %d files", err, len(rep.Files))
				}
			}
			b.ReportMetric(float64(20*len(files)), "files")
		})
	}
}
