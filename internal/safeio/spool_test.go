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
