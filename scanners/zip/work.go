package zip

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// work is the budget shared by every archive nested in one top-level file
// (it travels in the context that nested scans receive): decompressed
// bytes, entries and time, and the contents already scanned. Without it a
// zip of 1000 overlapping entries, each a zip of the same 1 GiB member,
// was decompressed 1000 times, and a 42.zip-style nest ran for minutes.
type work struct {
	mu sync.Mutex
	// bytes counts the bytes decompressed, plus the bytes that contents
	// scanned once would have produced again: what extracting the whole
	// file would decompress.
	bytes   int64
	entries int64
	start   time.Time
	seen    map[contentKey]int64 // content -> work it cost
	hit     bool
}

// contentKey names a compressed member by what it decodes from: the same
// compressed bytes with the same method decode to the same content,
// wherever they sit and whatever the entry is called.
type contentKey struct {
	sum        [sha256.Size]byte
	method     uint16
	usize      uint64
	compressed uint64
}

type workKey struct{}

// withWork returns the budget of ctx, attaching a new one to a top-level
// scan.
func withWork(ctx context.Context) (context.Context, *work) {
	if w, ok := ctx.Value(workKey{}).(*work); ok {
		return ctx, w
	}
	w := &work{start: time.Now(), seen: map[contentKey]int64{}}
	return context.WithValue(ctx, workKey{}, w), w
}

// maxHashed is the largest compressed member hashed for deduplication;
// larger ones (which cannot be bombs of any note) are keyed by position.
const maxHashed = 16 << 20

// take counts one entry and reports the bound it would exceed, if any;
// once a bound is reported, every later call reports it too.
func (w *work) take(o ScanOptions) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.entries++
	switch {
	case w.entries > o.MaxWorkEntries:
		return fmt.Errorf("more than %d archive entries in one file", o.MaxWorkEntries)
	case w.bytes >= o.MaxWorkBytes:
		return fmt.Errorf("more than %d bytes decompressed from one file", o.MaxWorkBytes)
	case time.Since(w.start) > o.MaxWorkTime:
		return fmt.Errorf("archive scanning took longer than %s", o.MaxWorkTime)
	}
	return nil
}

// remaining is how many more bytes may be decompressed.
func (w *work) remaining(o ScanOptions) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return max(o.MaxWorkBytes-w.bytes, 0)
}

func (w *work) add(n int64) {
	w.mu.Lock()
	w.bytes += n
	w.mu.Unlock()
}

// firstHit reports whether this is the first bound reported for the file.
func (w *work) firstHit() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	first := !w.hit
	w.hit = true
	return first
}

// dedupeFloor is the work (bytes decompressed, nested archives included)
// above which a content is scanned only once per top-level file. Smaller
// duplicates are cheap and are scanned again, under their own names.
const dedupeFloor = 1 << 20

// contentOf returns the content key of a compressed member, or false when
// it is stored or too large to hash.
func (w *work) contentOf(a *Archive, e *Entry) (contentKey, bool) {
	k := contentKey{method: e.Method, usize: e.UncompressedSize, compressed: e.CompressedSize}
	if e.Method == Store || e.CompressedSize > maxHashed || e.DataOffset < 0 {
		return k, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(a.r, e.DataOffset, int64(e.CompressedSize))); err != nil {
		return k, false
	}
	h.Sum(k.sum[:0])
	return k, true
}

// costly reports whether content k was already scanned in this file and
// cost at least dedupeFloor bytes of work.
func (w *work) costly(k contentKey) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[k] >= dedupeFloor
}

// cost is what scanning content k cost.
func (w *work) cost(k contentKey) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[k]
}

// done records what scanning content k cost.
func (w *work) done(k contentKey, cost int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen[k] = max(w.seen[k], cost)
}

func (w *work) total() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bytes
}

// boundHit is the finding and error of a work bound: the file is invalid,
// never clean, and the rest of it was not scanned.
func boundHit(off int64, err error) (scanners.Finding, error) {
	return scanners.Finding{Rule: RuleBomb, Severity: scanners.High, Offset: off,
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf("zip bomb: %v; the rest was not scanned", err)},
		scanners.Errorf("zip", off, "work limit reached: %v; the rest was not scanned", err)
}
