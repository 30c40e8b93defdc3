package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Streamed entries of at most smallStream bytes are always spooled (in
// memory): deciding is not worth it. Larger ones are spooled only when a
// scanner may want them (see spoolOrSkip).
const smallStream = 1 << 20

// tailKeep is how much of a stream's end is kept while it streams past:
// a zip's end-of-central-directory search reads up to 64 KiB + 22 bytes.
const tailKeep = 66 << 10

// spoolOrSkip gives random access to a streamed entry, inside its
// WalkFunc, or its result when no scanner wants it, without buffering it.
//
// It reads the entry's head (scanners.HeadSize bytes) and asks every
// scanner's Match. A match means the stream is spooled (source.SpoolLimits)
// as before. No match, and no Match read past the head: the rest streams
// past, hashed unless hashing is off, never kept. A Match that read past
// the head (a zip's end record, an HDF5 superblock after a user block)
// is asked again after the stream went past, over what was kept of it: the
// head, the end (tailKeep) and the 8 bytes at each power of two from 512
// on. If then nothing matches and nothing else was read, the entry is
// skipped; otherwise its bytes are gone and it is reported invalid (never
// clean): a scanner wanted more than was kept.
//
// A skipped entry gets the result a full scan gives a stream no scanner
// matches: format unknown, verdict unscanned.
func (r *Runner) spoolOrSkip(ctx context.Context, e source.Entry) (source.ReaderAt, *scanners.FileResult, error) {
	if e.Size() <= smallStream {
		ra, err := source.OpenReaderAt(ctx, e, source.SpoolLimits())
		r.spooled.Add(e.Size())
		return ra, nil, err
	}
	rc, err := e.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	head := make([]byte, scanners.HeadSize)
	n, err := io.ReadFull(rc, head)
	head = head[:n]
	want := wantYes
	if _, _, claims := claimedBy(scanners.File{Path: e.Path()}); err == nil && !claims {
		// A name that claims a format is always spooled: if no scanner
		// accepts the content, the full dispatch says why it is invalid
		// (claims.go), which a skipped entry could not.
		want = r.wants(e.Path(), e.Size(), &sparse{head: head})
	}
	switch want {
	case wantNo:
		return nil, r.skipped(e, head, rc, nil), nil
	case wantYes: // spooled below
	case wantMaybe:
		sp := newSparse(head, e.Size())
		res := r.skipped(e, head, rc, sp)
		if res.Verdict == scanners.Unscanned && r.wants(e.Path(), e.Size(), sp) != wantNo {
			res.Verdict = scanners.Invalid
			res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: -1,
				Msg: fmt.Sprintf("%s: a scanner needs random access to this streamed entry beyond its head and end (a zip or HDF5 file behind other bytes?); it was not buffered: scan the file itself", e.Path())})
		}
		return nil, res, nil
	}
	sp, err := safeio.Spool(ctx, io.MultiReader(bytes.NewReader(head), rc), source.SpoolLimits())
	r.spooled.Add(e.Size())
	return sp, nil, err
}

// skipped is the result of a stream no scanner wants: its bytes after
// head stream past, into keep (if not nil) and the hash, never buffered.
func (r *Runner) skipped(e source.Entry, head []byte, rest io.Reader, keep *sparse) *scanners.FileResult {
	res := &scanners.FileResult{Path: e.Path(), Format: "unknown", Verdict: scanners.Unscanned,
		Findings: []scanners.Finding{}, Size: e.Size()}
	if !r.hash && keep == nil {
		return res
	}
	var h hash.Hash
	var ws []io.Writer
	if r.hash {
		h = sha256.New()
		h.Write(head)
		ws = append(ws, h)
	}
	if keep != nil {
		ws = append(ws, keep)
	}
	w := io.MultiWriter(ws...)
	n, err := io.Copy(w, io.LimitReader(rest, e.Size()-int64(len(head))))
	if err == nil && int64(len(head))+n != e.Size() {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		res.Verdict = scanners.Invalid
		res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: int64(len(head)) + n,
			Msg: fmt.Sprintf("reading %s: %v", e.Path(), err)})
		return res
	}
	if h != nil {
		res.SHA256 = hex.EncodeToString(h.Sum(nil))
		checkDigest(res, e.Digest())
	}
	return res
}

type want int

const (
	wantNo want = iota
	wantYes
	wantMaybe // a Match read bytes that were not kept
)

// wants asks every scanner of r whether it matches a stream of size bytes
// of which sp holds some parts.
func (r *Runner) wants(path string, size int64, sp *sparse) want {
	sp.missed = false
	f := scanners.File{Path: path, Size: size, R: sp, Nested: r}
	out := wantNo
	for _, s := range r.scanners {
		if safeMatch(s, f, sp.head) {
			return wantYes
		}
		if sp.missed {
			out = wantMaybe
		}
	}
	return out
}

// errNotKept is what a Match reading bytes of a stream that were not kept
// gets.
var errNotKept = errors.New("runner: bytes of a streamed entry that were not kept")

// sparse holds parts of a stream: its head, then, once filled as the
// stream goes past (Write), its end and the 8 bytes at each power of two
// from 512 on. ReadAt serves reads inside one part and notes the others.
type sparse struct {
	head   []byte
	size   int64
	pos    int64 // bytes written, after the head
	tail   []byte
	tailAt int64
	probes map[int64][]byte
	missed bool
}

func newSparse(head []byte, size int64) *sparse {
	sp := &sparse{head: head, size: size, pos: int64(len(head)), probes: map[int64][]byte{}}
	sp.tailAt = max(size-tailKeep, sp.pos)
	sp.tail = make([]byte, 0, size-sp.tailAt)
	for off := int64(512); off+8 <= sp.tailAt; off *= 2 {
		if off >= sp.pos {
			sp.probes[off] = make([]byte, 0, 8)
		}
	}
	return sp
}

// Write keeps what falls in the kept parts of the next len(p) bytes.
func (sp *sparse) Write(p []byte) (int, error) {
	start, end := sp.pos, sp.pos+int64(len(p))
	for off, b := range sp.probes {
		if off+8 > start && off < end && len(b) < 8 {
			from := max(off+int64(len(b)), start)
			to := min(off+8, end)
			sp.probes[off] = append(b, p[from-start:to-start]...)
		}
	}
	if end > sp.tailAt {
		sp.tail = append(sp.tail, p[max(sp.tailAt, start)-start:]...)
	}
	sp.pos = end
	return len(p), nil
}

func (sp *sparse) ReadAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	switch {
	case off >= 0 && end <= int64(len(sp.head)):
		return copy(p, sp.head[off:]), nil
	case off >= sp.tailAt && end <= sp.tailAt+int64(len(sp.tail)):
		return copy(p, sp.tail[off-sp.tailAt:]), nil
	}
	if b, ok := sp.probes[off]; ok && len(b) == 8 && len(p) <= 8 {
		return copy(p, b), nil
	}
	sp.missed = true
	return 0, errNotKept
}
