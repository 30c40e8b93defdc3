package lfs

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// RulePointer is the rule of the finding every pointer gets: its content
// is not present and was not scanned.
const RulePointer = "LFS-POINTER"

// Scanner recognises Git LFS pointers. Its format is of kind
// scanners.Pointer, which the runner never calls clean.
type Scanner struct{}

// New returns a Scanner.
func New() *Scanner { return &Scanner{} }

// Name returns "git-lfs-pointer".
func (*Scanner) Name() string { return format }

// Match reports whether f is small enough to be a pointer and starts with
// a Git LFS version line.
func (*Scanner) Match(f scanners.File, head []byte) bool {
	if f.Size > MaxSize {
		return false
	}
	for _, v := range Versions {
		if bytes.HasPrefix(head, []byte("version "+v+"\n")) {
			return true
		}
	}
	return false
}

// Scan parses the pointer and reports that its content is absent.
func (*Scanner) Scan(_ context.Context, f scanners.File) (scanners.Result, error) {
	if f.Size > MaxSize {
		return scanners.Result{}, scanners.ErrNotMatched
	}
	b := make([]byte, f.Size)
	if n, err := f.R.ReadAt(b, 0); err != nil && (err != io.EOF || int64(n) != f.Size) {
		return scanners.Result{}, scanners.Errorf(format, int64(n), "reading: %v", err)
	}
	p, err := Parse(b)
	if err != nil {
		return scanners.Result{}, err
	}
	return scanners.Result{Meta: p, Findings: []scanners.Finding{{
		Rule: RulePointer, Severity: scanners.Info,
		Message: fmt.Sprintf("Git LFS pointer: the content (sha256:%s, %d bytes) is not present and was not scanned; fetch it with `git lfs pull`",
			p.OID, p.Size),
	}}}, nil
}
