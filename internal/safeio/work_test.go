package safeio

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestWorkBounds: each bound of a Work fails Take with ErrWorkLimit once
// passed, and keeps failing.
func TestWorkBounds(t *testing.T) {
	t.Parallel()
	w := NewWork(WorkLimits{MaxEntries: 2})
	for i := range 2 {
		if err := w.Take(); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	for range 2 {
		if err := w.Take(); !errors.Is(err, ErrWorkLimit) {
			t.Fatalf("third entry: %v, want ErrWorkLimit", err)
		}
	}
	w = NewWork(WorkLimits{MaxBytes: 100})
	w.Add(99)
	if err := w.Take(); err != nil || w.Remaining() != 1 {
		t.Fatalf("99 of 100 bytes: %v, remaining %d", err, w.Remaining())
	}
	w.Add(1)
	if err := w.Take(); !errors.Is(err, ErrWorkLimit) || w.Remaining() != 0 {
		t.Fatalf("100 of 100 bytes: %v, remaining %d", err, w.Remaining())
	}
	w = NewWork(WorkLimits{MaxTime: time.Nanosecond})
	time.Sleep(time.Millisecond)
	if err := w.Take(); !errors.Is(err, ErrWorkLimit) {
		t.Fatalf("after the time bound: %v", err)
	}
	if !w.FirstHit() || w.FirstHit() {
		t.Fatal("FirstHit must be true once")
	}
}

// TestWithWorkShared: the outermost scan attaches the Work; nested scans
// get the same one, whatever limits they ask for.
func TestWithWorkShared(t *testing.T) {
	t.Parallel()
	ctx, outer := WithWork(context.Background(), WorkLimits{MaxEntries: 5})
	_, inner := WithWork(ctx, WorkLimits{MaxEntries: 1000})
	if inner != outer || inner.Limits().MaxEntries != 5 || WorkOf(context.Background()) != nil {
		t.Fatal("nested scans must share the outer Work")
	}
}

// TestWorkDedupe: a content is costly once it cost DedupeFloor bytes.
func TestWorkDedupe(t *testing.T) {
	t.Parallel()
	w := NewWork(WorkLimits{})
	a, ok := ContentOf(bytes.NewReader([]byte("abc")), 3, "gzip")
	b, _ := ContentOf(bytes.NewReader([]byte("abc")), 3, "bzip2")
	if !ok || a == b {
		t.Fatal("the method is part of the key")
	}
	w.Done(a, DedupeFloor-1)
	if _, costly := w.Costly(a); costly {
		t.Fatal("cheap content is scanned again")
	}
	w.Done(a, DedupeFloor)
	if c, costly := w.Costly(a); !costly || c != DedupeFloor {
		t.Fatalf("cost %d costly %v", c, costly)
	}
	if _, ok := ContentOf(bytes.NewReader(nil), MaxHashed+1, "gzip"); ok {
		t.Fatal("content over MaxHashed is not hashed")
	}
}

// TestSpoolSharedMemory: spools of one Work share its memory budget; once
// it is spent they move to files, and closing returns it (issue 11: a
// spool per nesting level each kept 32 MiB).
func TestSpoolSharedMemory(t *testing.T) {
	t.Parallel()
	ctx, w := WithWork(context.Background(), WorkLimits{MaxMemory: 1 << 20})
	lim := SpoolLimits{MaxMemory: 1 << 20, MaxSize: 1 << 30, Dir: t.TempDir()}
	data := bytes.Repeat([]byte{1}, 700<<10)
	a, err := Spool(ctx, bytes.NewReader(data), lim)
	if err != nil || a.file != nil {
		t.Fatalf("first spool: %v, on disk %v", err, a.file != nil)
	}
	if got := w.MemoryInUse(); got < int64(len(data)) || got > 1<<20 {
		t.Fatalf("memory in use %d", got)
	}
	b, err := Spool(ctx, bytes.NewReader(data), lim)
	if err != nil || b.file == nil {
		t.Fatalf("second spool: %v, on disk %v (want on disk: the budget is spent)", err, b.file != nil)
	}
	got := make([]byte, len(data))
	if _, err := b.ReadAt(got, 0); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("spooled bytes differ: %v", err)
	}
	_ = a.Close()
	_ = b.Close()
	if got := w.MemoryInUse(); got != 0 {
		t.Fatalf("memory in use after Close: %d", got)
	}
	c, _ := Spool(ctx, bytes.NewReader(data), lim)
	defer func() { _ = c.Close() }()
	if c.file != nil {
		t.Fatal("the budget is back after Close")
	}
}
