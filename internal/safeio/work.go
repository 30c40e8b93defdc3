package safeio

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrWorkLimit is returned when the work of one top-level file passes a
// bound of its WorkLimits.
var ErrWorkLimit = errors.New("work limit reached")

// WorkLimits bounds what one top-level file may cost, every archive and
// compressed stream nested in it together.
type WorkLimits struct {
	// MaxBytes is the most bytes decompressed (counting contents scanned
	// once but present many times as often as they occur).
	MaxBytes int64
	// MaxEntries is the most archive members scanned.
	MaxEntries int64
	// MaxTime is the longest the scan of the file may take.
	MaxTime time.Duration
	// MaxMemory is the most bytes that all spools of the file keep in
	// memory at once; beyond it they move to temporary files.
	MaxMemory int64
}

// DefaultWorkLimits: 16 GiB decompressed, 1M entries, 5 minutes, 4 MiB of
// spools in memory.
func DefaultWorkLimits() WorkLimits {
	return WorkLimits{MaxBytes: 16 << 30, MaxEntries: 1 << 20, MaxTime: 5 * time.Minute, MaxMemory: 4 << 20}
}

func (l WorkLimits) withDefaults() WorkLimits {
	d := DefaultWorkLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxTime <= 0 {
		l.MaxTime = d.MaxTime
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}

// Work is the budget of one top-level file, shared by every archive and
// compressed stream nested in it (it travels in the context that nested
// scans receive): bytes decompressed, entries, time, memory held by spools,
// and the contents already scanned. Without it a zip of 1000 overlapping
// entries, each a zip of the same 1 GiB member, was decompressed 1000
// times, a 42.zip-style nest ran for minutes, and spools at each level of
// a nest each kept 32 MiB in memory. Its methods are safe for concurrent
// use.
type Work struct {
	lim WorkLimits

	mu      sync.Mutex
	bytes   int64
	entries int64
	memory  int64
	start   time.Time
	now     func() time.Time
	seen    map[ContentKey]int64 // content -> work it cost
	hit     bool
}

// ContentKey names content by what it decodes from: the same bytes with the
// same method (and declared sizes) decode to the same content, wherever
// they sit and whatever the member is called.
type ContentKey struct {
	Sum    [sha256.Size]byte
	Method string
	Size   int64
	Extra  int64
}

type workKey struct{}

// WithWork returns the Work of ctx, attaching a new one with lim (zero
// fields take the defaults) when ctx has none: the outermost archive or
// stream of a file sets the bounds, nested ones share them.
func WithWork(ctx context.Context, lim WorkLimits) (context.Context, *Work) {
	if w := WorkOf(ctx); w != nil {
		return ctx, w
	}
	w := NewWork(lim)
	return context.WithValue(ctx, workKey{}, w), w
}

// WorkOf returns the Work attached to ctx, or nil.
func WorkOf(ctx context.Context) *Work {
	w, _ := ctx.Value(workKey{}).(*Work)
	return w
}

// ContextWithWork returns ctx carrying w: the archives and streams scanned
// under it share w instead of starting their own.
func ContextWithWork(ctx context.Context, w *Work) context.Context {
	return context.WithValue(ctx, workKey{}, w)
}

// WorkOption configures a Work.
type WorkOption func(*Work)

// WithClock makes the Work read the time from now instead of time.Now
// (tests use it to pass the time bound without waiting).
func WithClock(now func() time.Time) WorkOption { return func(w *Work) { w.now = now } }

// NewWork returns a Work with lim (zero fields take the defaults), its
// clock started.
func NewWork(lim WorkLimits, opts ...WorkOption) *Work {
	w := &Work{lim: lim.withDefaults(), now: time.Now, seen: map[ContentKey]int64{}}
	for _, o := range opts {
		o(w)
	}
	w.start = w.now()
	return w
}

// Limits returns the bounds of w.
func (w *Work) Limits() WorkLimits { return w.lim }

// Take counts one entry and returns an error wrapping ErrWorkLimit naming
// the bound it would exceed, if any. Once a bound is passed every later
// call fails too.
func (w *Work) Take() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.entries++
	switch {
	case w.entries > w.lim.MaxEntries:
		return fmt.Errorf("%w: more than %d archive entries in one file", ErrWorkLimit, w.lim.MaxEntries)
	case w.bytes >= w.lim.MaxBytes:
		return fmt.Errorf("%w: more than %d bytes decompressed from one file", ErrWorkLimit, w.lim.MaxBytes)
	case w.now().Sub(w.start) > w.lim.MaxTime:
		return w.timeErr()
	}
	return nil
}

func (w *Work) timeErr() error {
	return fmt.Errorf("%w: archive scanning took longer than %s", ErrWorkLimit, w.lim.MaxTime)
}

// CheckEvery is how many bytes a Reader of Work passes between two checks
// of the time bound.
const CheckEvery = 1 << 20

// Reader returns r checked against the time bound every CheckEvery bytes,
// so that one huge archive entry or stream cannot run past MaxTime (Take
// checks it only between entries). Past the bound, reads fail with an
// error wrapping ErrWorkLimit. The bytes bound needs no check here: each
// stream is read with a limit of Remaining bytes.
func (w *Work) Reader(r io.Reader) io.Reader { return &workReader{w: w, r: r} }

type workReader struct {
	w     *Work
	r     io.Reader
	since int
	err   error
}

func (wr *workReader) Read(p []byte) (int, error) {
	if wr.err != nil {
		return 0, wr.err
	}
	n, err := wr.r.Read(p)
	if wr.since += n; wr.since >= CheckEvery {
		wr.since = 0
		w := wr.w
		w.mu.Lock()
		late := w.now().Sub(w.start) > w.lim.MaxTime
		w.mu.Unlock()
		if late {
			wr.err = w.timeErr()
			return n, wr.err
		}
	}
	return n, err
}

// Remaining is how many more bytes may be decompressed.
func (w *Work) Remaining() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return max(w.lim.MaxBytes-w.bytes, 0)
}

// Add counts n bytes decompressed.
func (w *Work) Add(n int64) {
	w.mu.Lock()
	w.bytes += n
	w.mu.Unlock()
}

// Total is the bytes counted so far.
func (w *Work) Total() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bytes
}

// BytesErr is the error of a decompression stopped because the file's
// byte budget ran out.
func (w *Work) BytesErr() error {
	return fmt.Errorf("%w: more than %d bytes decompressed from one file", ErrWorkLimit, w.lim.MaxBytes)
}

// FirstHit reports whether this is the first bound reported for the file:
// the caller that gets true reports the finding, the others only stop.
func (w *Work) FirstHit() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	first := !w.hit
	w.hit = true
	return first
}

// DedupeFloor is the work (bytes decompressed, nested content included)
// above which a content is scanned only once per top-level file. Smaller
// duplicates are cheap and are scanned again, under their own names.
const DedupeFloor = 1 << 20

// MaxHashed is the largest content hashed for deduplication; larger ones
// cannot be bombs of any note and are scanned each time.
const MaxHashed = 16 << 20

// Costly reports whether content k was already scanned in this file and
// cost at least DedupeFloor bytes of work, and what it cost.
func (w *Work) Costly(k ContentKey) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.seen[k]
	return c, c >= DedupeFloor
}

// Done records what scanning content k cost.
func (w *Work) Done(k ContentKey, cost int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen[k] = max(w.seen[k], cost)
}

// grantMemory reserves up to n more bytes of spool memory and reports
// whether it could.
func (w *Work) grantMemory(n int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.memory+n > w.lim.MaxMemory {
		return false
	}
	w.memory += n
	return true
}

func (w *Work) releaseMemory(n int64) {
	w.mu.Lock()
	w.memory -= n
	w.mu.Unlock()
}

// MemoryInUse is the spool memory reserved now.
func (w *Work) MemoryInUse() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.memory
}

// ContentOf keys the first size bytes of r (at most MaxHashed) by their
// SHA-256 and method; false when they are too large or unreadable.
func ContentOf(r io.ReaderAt, size int64, method string) (ContentKey, bool) {
	k := ContentKey{Method: method, Size: size}
	if size > MaxHashed || size < 0 {
		return k, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return k, false
	}
	h.Sum(k.Sum[:0])
	return k, true
}
