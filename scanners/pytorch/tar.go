package pytorch

import (
	"context"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/tar"
)

// LegacyTar scans PyTorch's oldest checkpoint form: a tar with the members
// sys_info, pickle, tensors and storages, each a pickle (tensors and
// storages interleave pickles with raw bytes). torch.load still tries it
// first. Every member goes through the full scanner set.
type LegacyTar struct {
	tar *tar.Scanner
	lim tar.Limits
}

// NewLegacyTar returns a LegacyTar scanner.
func NewLegacyTar() *LegacyTar {
	return &LegacyTar{tar: tar.New(tar.DefaultLimits()), lim: tar.DefaultLimits()}
}

// Name implements scanners.Scanner.
func (l *LegacyTar) Name() string { return "pytorch" }

// Match reports whether f is a tar holding the members torch's legacy
// tar loader reads ("pickle" and "storages").
func (l *LegacyTar) Match(f scanners.File, head []byte) bool {
	if !tar.Sniff(head) {
		return false
	}
	names := map[string]bool{}
	_, _ = tar.Walk(f.R, f.Size, l.lim, func(m tar.Member) error {
		names[m.Header.Name] = true
		return nil
	})
	return names["pickle"] && names["storages"]
}

// Scan implements scanners.Scanner.
func (l *LegacyTar) Scan(ctx context.Context, f scanners.File) ([]scanners.Finding, error) {
	return l.tar.Scan(ctx, f)
}
