package scantest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// prefixScanner matches streams that start with "scan-me" and reports one
// finding after reading them in full.
type prefixScanner struct{}

func (prefixScanner) Name() string { return "prefix" }

func (prefixScanner) Match(_ scanners.File, head []byte) bool {
	return bytes.HasPrefix(head, []byte("scan-me"))
}

func (prefixScanner) Scan(_ context.Context, f scanners.File) (scanners.Result, error) {
	b := make([]byte, f.Size)
	if _, err := f.R.ReadAt(b, 0); err != nil {
		return scanners.Result{}, err
	}
	return scanners.Result{Findings: []scanners.Finding{{Rule: "PREFIX", Severity: scanners.High, Member: f.Member}}}, errors.New("partial")
}

func scan(t *testing.T, n *Nester, member string, b []byte) (string, []scanners.Finding, error) {
	t.Helper()
	res, err := n.ScanNested(context.Background(), scanners.File{Path: "x", Member: member, Size: int64(len(b)), R: bytes.NewReader(b)})
	return res.Format, res.Findings, err
}

func TestNester(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte{1}, 3*scanners.HeadSize)
	n := &Nester{FullBelow: 16, Next: prefixScanner{}}
	if format, fs, err := scan(t, n, "a", []byte("hello")); format != "unknown" || fs != nil || err != nil {
		t.Errorf("unmatched stream: %s %v %v", format, fs, err)
	}
	if format, fs, err := scan(t, n, "b", big); format != "unknown" || fs != nil || err != nil {
		t.Errorf("big stream: %s %v %v", format, fs, err)
	}
	format, fs, err := scan(t, n, "a", []byte("scan-me please"))
	if format != "prefix" || len(fs) != 1 || err == nil {
		t.Errorf("matched stream: %s %v %v", format, fs, err)
	}
	if diff := cmp.Diff([]string{"a", "b", "a"}, n.Members()); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	got := n.Streams()
	if got[0].Size != 5 || string(got[0].Head) != "hello" || string(got[0].All) != "hello" || got[0].BytesRead() != 10 {
		t.Errorf("small stream: %v head %q all %q", got[0], got[0].Head, got[0].All)
	}
	if got[1].All != nil || len(got[1].Head) != scanners.HeadSize || got[1].BytesRead() != scanners.HeadSize {
		t.Errorf("big stream: %v, want only the head read", got[1])
	}
	if s := n.ByMember()["a"]; s != got[2] || s.BytesRead() != 3*14 {
		t.Errorf("ByMember a = %v, want the last stream, read thrice", s)
	}
}

func TestNesterEmptyAndConcurrent(t *testing.T) {
	t.Parallel()
	n := &Nester{FullBelow: NoLimit}
	if n.Members() != nil || len(n.ByMember()) != 0 {
		t.Fatalf("fresh Nester: %v", n.Members())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _ = scan(t, n, "m", []byte("data"))
		}()
	}
	wg.Wait()
	for _, s := range n.Streams() {
		if string(s.All) != "data" {
			t.Errorf("stream %v: all %q", s, s.All)
		}
	}
	if len(n.Streams()) != 8 {
		t.Errorf("%d streams, want 8", len(n.Streams()))
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	if got := Rules(nil); got != nil {
		t.Errorf("Rules(nil) = %v", got)
	}
	fs := []scanners.Finding{{Rule: "B", Severity: scanners.Low}, {Rule: "A", Severity: scanners.Critical}, {Rule: "B", Severity: scanners.High}}
	if diff := cmp.Diff([]string{"A:critical", "B:high", "B:low"}, Rules(fs)); diff != "" {
		t.Errorf("Rules (-want +got):\n%s", diff)
	}
}
