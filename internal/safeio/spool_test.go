package safeio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"
)

func TestSpool(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	tests := []struct {
		name     string
		r        io.Reader
		lim      SpoolLimits
		wantSize int64
		wantErr  error
		onDisk   bool
	}{
		{"memory", bytes.NewReader(data), SpoolLimits{MaxMemory: 1 << 20, MaxSize: 1 << 20}, 10000, nil, false},
		{"disk", iotest.OneByteReader(bytes.NewReader(data)), SpoolLimits{MaxMemory: 100, MaxSize: 1 << 20}, 10000, nil, true},
		{"exact limit", bytes.NewReader(data), SpoolLimits{MaxMemory: 1 << 20, MaxSize: 10000}, 10000, nil, false},
		{"too large", bytes.NewReader(data), SpoolLimits{MaxMemory: 1 << 20, MaxSize: 999}, 999, ErrTooLarge, false},
		{"read error keeps prefix", io.MultiReader(bytes.NewReader(data[:500]), iotest.ErrReader(io.ErrUnexpectedEOF)),
			SpoolLimits{MaxMemory: 1 << 20, MaxSize: 1 << 20}, 500, io.ErrUnexpectedEOF, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.lim.Dir = t.TempDir()
			s, err := Spool(context.Background(), tt.r, tt.lim)
			if !errors.Is(err, tt.wantErr) || s.Size() != tt.wantSize || (s.file != nil) != tt.onDisk {
				t.Fatalf("Spool = %d bytes, disk %v, err %v", s.Size(), s.file != nil, err)
			}
			got := make([]byte, s.Size()+10)
			n, rerr := s.ReadAt(got, 0)
			if int64(n) != tt.wantSize || !errors.Is(rerr, io.EOF) || !bytes.Equal(got[:n], data[:n]) {
				t.Fatalf("ReadAt = %d, %v", n, rerr)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if ents, _ := os.ReadDir(tt.lim.Dir); len(ents) != 0 {
				t.Fatalf("spool file left behind: %v", ents)
			}
		})
	}
}

func TestSpoolCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := Spool(ctx, bytes.NewReader([]byte("x")), DefaultSpoolLimits())
	if !errors.Is(err, context.Canceled) || s == nil {
		t.Fatalf("err %v", err)
	}
}

func TestGuard(t *testing.T) {
	t.Parallel()
	zeros := make([]byte, 1<<20)
	g := NewGuard(bytes.NewReader(zeros), nil, BombLimits{MaxSize: 1000})
	n, err := io.Copy(io.Discard, g)
	if n != 1000 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("size: %d %v", n, err)
	}
	in := &Counter{R: bytes.NewReader(make([]byte, 10))}
	_, _ = io.Copy(io.Discard, in)
	g = NewGuard(bytes.NewReader(zeros), func() int64 { return in.N }, BombLimits{MaxSize: 1 << 30, MaxRatio: 1000, RatioFloor: 4096})
	if _, err := io.Copy(io.Discard, g); !errors.Is(err, ErrBomb) || g.Out > 64<<10 {
		t.Errorf("ratio: %d %v", g.Out, err)
	}
	g = NewGuard(bytes.NewReader(zeros), func() int64 { return in.N }, BombLimits{MaxSize: 1 << 30, MaxRatio: 1000, RatioFloor: 2 << 20})
	if n, err := io.Copy(io.Discard, g); err != nil || n != 1<<20 {
		t.Errorf("below the floor: %d %v", n, err)
	}
}

// dirWatcher is a reader that, on every read, records how many entries the
// spool directory holds: what a killed scan would leave behind.
type dirWatcher struct {
	r       io.Reader
	dir     string
	maxSeen int
}

func (d *dirWatcher) Read(p []byte) (int, error) {
	ents, _ := os.ReadDir(d.dir)
	d.maxSeen = max(d.maxSeen, len(ents))
	return d.r.Read(p[:min(len(p), 100)])
}

// TestSpoolUnlinked: the spool file is unlinked as soon as it is created,
// so at no point (while spooling, while open, after Close) does the
// directory hold it (issue 9: a killed scan left a 2.5 GB spool file).
func TestSpoolUnlinked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	w := &dirWatcher{r: bytes.NewReader(data), dir: dir}
	s, err := Spool(context.Background(), w, SpoolLimits{MaxMemory: 100, MaxSize: 1 << 20, Dir: dir})
	if err != nil || s.file == nil {
		t.Fatalf("Spool: %v, on disk %v", err, s.file != nil)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 || w.maxSeen != 0 {
		t.Fatalf("spool file visible: %v (max %d while spooling)", ents, w.maxSeen)
	}
	got := make([]byte, len(data))
	if n, err := s.ReadAt(got, 0); n != len(data) || (err != nil && !errors.Is(err, io.EOF)) || !bytes.Equal(got, data) {
		t.Fatalf("ReadAt through the unlinked file: %d %v", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
