package oci

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// rangeReader reads a registry blob at random with HTTP Range requests.
// When the registry ignores Range (answers 200 with the whole blob), it
// falls back to reading the blob from the start and keeps that response
// open, so that reads at increasing offsets (a hash pass) cost one
// download in total.
type rangeReader struct {
	ctx    context.Context
	s      *remoteStore
	url    string
	digest v1.Hash
	size   int64

	mu      sync.Mutex
	noRange bool          // the registry ignored a Range request
	body    io.ReadCloser // open response (whole blob, or "bytes=N-"), at offset pos
	pos     int64
	lastEnd int64 // where the previous read ended
}

// ReadAt implements io.ReaderAt.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob %s: negative offset %d", r.digest, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p
	if rest := r.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	if len(want) == 0 {
		return 0, nil
	}
	r.mu.Lock()
	// A read that continues the previous one (a hash pass, a sequential
	// scan) is served from one open-ended response instead of a request
	// per read.
	stream := r.noRange || (r.body != nil && r.pos == off) || (off > 0 && off == r.lastEnd)
	r.lastEnd = off + int64(len(want))
	r.mu.Unlock()
	var n int
	var err error
	if stream {
		n, err = r.readWhole(want, off)
	} else {
		n, err = r.readRange(want, off)
	}
	if err == nil && len(want) < len(p) {
		err = io.EOF
	}
	return n, err
}

func (r *rangeReader) readRange(p []byte, off int64) (int, error) {
	end := off + int64(len(p)) - 1
	resp, err := r.s.get(r.ctx, r.url, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", off, end)})
	if err != nil {
		return 0, fmt.Errorf("blob %s: %w", r.digest, err)
	}
	if resp.StatusCode != http.StatusPartialContent {
		// The registry ignored Range: use this whole-blob response.
		if resp.ContentLength >= 0 && resp.ContentLength != r.size {
			resp.Body.Close()
			return 0, fmt.Errorf("blob %s: registry sends %d bytes, descriptor says %d: %w", r.digest, resp.ContentLength, r.size, ErrSizeMismatch)
		}
		r.mu.Lock()
		r.noRange = true
		if r.body != nil {
			r.body.Close()
		}
		r.body, r.pos = resp.Body, 0
		r.mu.Unlock()
		return r.readWhole(p, off)
	}
	defer resp.Body.Close()
	if err := r.checkContentRange(resp.Header.Get("Content-Range"), off, end); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(resp.Body, p)
	if err != nil {
		return n, fmt.Errorf("blob %s: range %d-%d: %w", r.digest, off, end, err)
	}
	return n, nil
}

// checkContentRange checks "bytes FIRST-LAST/TOTAL" against the request and
// the descriptor's size: a registry lying about a blob's size is refused.
func (r *rangeReader) checkContentRange(cr string, off, end int64) error {
	spec, ok := strings.CutPrefix(cr, "bytes ")
	rng, total, ok2 := strings.Cut(spec, "/")
	first, last, ok3 := strings.Cut(rng, "-")
	if !ok || !ok2 || !ok3 {
		return fmt.Errorf("blob %s: bad Content-Range %q", r.digest, cr)
	}
	f, err1 := strconv.ParseInt(first, 10, 64)
	l, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || f != off || l != end {
		return fmt.Errorf("blob %s: asked bytes %d-%d, registry sent %q", r.digest, off, end, cr)
	}
	if total != "*" {
		t, err := strconv.ParseInt(total, 10, 64)
		if err != nil || t != r.size {
			return fmt.Errorf("blob %s: registry says %s bytes, descriptor says %d: %w", r.digest, total, r.size, ErrSizeMismatch)
		}
	}
	return nil
}

// readWhole serves a read from the open response, reopening it (from off
// with an open-ended Range, or from 0 when the registry ignores Range)
// when off lies behind its position or far ahead of it.
func (r *rangeReader) readWhole(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.body == nil || off < r.pos || (!r.noRange && off-r.pos > 1<<20) {
		if r.body != nil {
			r.body.Close()
			r.body = nil
		}
		if err := r.reopen(off); err != nil {
			return 0, err
		}
	}
	if off > r.pos {
		k, err := io.CopyN(io.Discard, r.body, off-r.pos)
		r.pos += k
		if err != nil {
			return 0, fmt.Errorf("blob %s: skipping to %d: %w", r.digest, off, err)
		}
	}
	n, err := io.ReadFull(r.body, p)
	r.pos += int64(n)
	if err != nil {
		return n, fmt.Errorf("blob %s: reading at %d: %w", r.digest, off, err)
	}
	return n, nil
}

// reopen opens a response from off to the end, or the whole blob when
// the registry ignores Range. Called with mu held.
func (r *rangeReader) reopen(off int64) error {
	if r.noRange {
		rc, err := r.s.blob(r.ctx, r.digest, r.size)
		if err != nil {
			return err
		}
		r.body, r.pos = rc, 0
		return nil
	}
	resp, err := r.s.get(r.ctx, r.url, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", off, r.size-1)})
	if err != nil {
		return fmt.Errorf("blob %s: %w", r.digest, err)
	}
	if resp.StatusCode != http.StatusPartialContent {
		if resp.ContentLength >= 0 && resp.ContentLength != r.size {
			resp.Body.Close()
			return fmt.Errorf("blob %s: registry sends %d bytes, descriptor says %d: %w", r.digest, resp.ContentLength, r.size, ErrSizeMismatch)
		}
		r.noRange = true
		r.body, r.pos = resp.Body, 0
		return nil
	}
	if err := r.checkContentRange(resp.Header.Get("Content-Range"), off, r.size-1); err != nil {
		resp.Body.Close()
		return err
	}
	r.body, r.pos = resp.Body, off
	return nil
}

// Close releases an open whole-blob response.
func (r *rangeReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.body != nil {
		err := r.body.Close()
		r.body = nil
		return err
	}
	return nil
}
