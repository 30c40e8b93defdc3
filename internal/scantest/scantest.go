// Package scantest holds test helpers for the scanners: a recording
// scanners.Nester that container scanners (zip, tar, 7z, compressed streams,
// PyTorch checkpoints) can hand their members to, and Rules, which reduces
// findings to comparable strings.
//
// It is an ordinary package so that the tests of several scanner packages
// can share it; only _test.go files import it.
package scantest

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// NoLimit, as Nester.FullBelow, makes the Nester read every stream in full.
const NoLimit int64 = math.MaxInt64

// Stream is what a Nester saw of one stream handed to it.
type Stream struct {
	// Member is the File's Member.
	Member string
	// Size is the File's Size.
	Size int64
	// Head holds the first bytes read, up to scanners.HeadSize, as the
	// runner reads them to pick a scanner.
	Head []byte
	// All holds the whole content when Size is at most Nester.FullBelow;
	// nil otherwise.
	All []byte

	read atomic.Int64
}

// BytesRead returns how many bytes were read from the stream's ReaderAt so
// far: by the Nester itself and by its Next scanner.
func (s *Stream) BytesRead() int64 { return s.read.Load() }

// String describes s for test failure messages.
func (s *Stream) String() string {
	return fmt.Sprintf("{%q size %d, %d bytes read}", s.Member, s.Size, s.BytesRead())
}

// Nester is a scanners.Nester that records every stream handed to it, in
// the order ScanNested is called. It reads the head of each stream (and the
// whole of it, up to FullBelow bytes) and, when Next is set and matches,
// scans the stream with Next and labels the result with the stream's name,
// as the runner would. Use it by pointer; it is
// safe for concurrent use.
type Nester struct {
	// FullBelow is the size up to which a stream is also read in full into
	// Stream.All. Zero reads only the head of non-empty streams; NoLimit
	// reads everything.
	FullBelow int64
	// Next, if not nil, scans the streams it matches. Its findings and
	// error are returned with its Name; other streams are "unknown" with
	// nothing found.
	Next scanners.Scanner

	mu      sync.Mutex
	streams []*Stream
}

var _ scanners.Nester = (*Nester)(nil)

// ScanNested implements scanners.Nester.
func (n *Nester) ScanNested(ctx context.Context, f scanners.File) (scanners.Result, error) {
	s := &Stream{Member: f.Member, Size: f.Size}
	r := countingReaderAt{r: f.R, n: &s.read}
	head := make([]byte, min(f.Size, scanners.HeadSize))
	k, _ := r.ReadAt(head, 0)
	s.Head = head[:k]
	if f.Size <= n.FullBelow {
		all := make([]byte, f.Size)
		k, _ := r.ReadAt(all, 0)
		s.All = all[:k]
	}
	n.mu.Lock()
	n.streams = append(n.streams, s)
	n.mu.Unlock()
	f.R = r
	if n.Next == nil || !n.Next.Match(f, s.Head) {
		return scanners.Result{Format: "unknown"}, nil
	}
	res, err := n.Next.Scan(ctx, f)
	if res.Format == "" {
		res.Format = n.Next.Name()
	}
	return scanners.Nest(f.Name, res, err)
}

// Streams returns the streams seen so far, in the order they were handed
// over.
func (n *Nester) Streams() []*Stream {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Stream(nil), n.streams...)
}

// Members returns the Member of each stream seen so far, in order; nil when
// there was none.
func (n *Nester) Members() []string {
	var ms []string
	for _, s := range n.Streams() {
		ms = append(ms, s.Member)
	}
	return ms
}

// ByMember returns the streams seen so far by Member; of streams with the
// same Member, the last one handed over.
func (n *Nester) ByMember() map[string]*Stream {
	m := map[string]*Stream{}
	for _, s := range n.Streams() {
		m[s.Member] = s
	}
	return m
}

// countingReaderAt adds the bytes read through it to *n.
type countingReaderAt struct {
	r io.ReaderAt
	n *atomic.Int64
}

func (c countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.r.ReadAt(p, off)
	c.n.Add(int64(k))
	return k, err
}

// Rules returns "RULE:severity" for each finding, sorted; nil when there is
// none.
func Rules(fs []scanners.Finding) []string {
	var rules []string
	for _, f := range fs {
		rules = append(rules, f.Rule+":"+f.Severity.String())
	}
	sort.Strings(rules)
	return rules
}

// ScanAs scans f with s and labels the result as a Nester labels a stream
// named f.Member: for tests of a scanner's findings inside an archive.
func ScanAs(ctx context.Context, s scanners.Scanner, f scanners.File) ([]scanners.Finding, error) {
	res, err := s.Scan(ctx, f)
	return scanners.FindingsOf(scanners.Nest(f.Member, res, err))
}
