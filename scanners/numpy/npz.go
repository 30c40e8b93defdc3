package numpy

import (
	"context"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// NPZ scans .npz files: zips (stored or deflated) whose members are all
// .npy files. Each member goes through the full scanner set, so a member
// that is really a pickle is found whatever its name.
type NPZ struct {
	lim  zip.Limits
	opts zip.ScanOptions
}

// NewNPZ returns an NPZ scanner.
func NewNPZ() *NPZ { return &NPZ{lim: zip.DefaultLimits(), opts: zip.DefaultScanOptions()} }

// Name implements zip.Layout.
func (n *NPZ) Name() string { return "numpy" }

// Is implements zip.Layout: the central directory names only .npy
// members.
func (n *NPZ) Is(a *zip.Archive) bool {
	if len(a.Entries) == 0 {
		return false
	}
	for _, e := range a.Entries {
		if !strings.HasSuffix(e.Name, ".npy") {
			return false
		}
	}
	return true
}

// Scan opens f as a zip and scans it as an .npz (for callers outside the
// zip scanner's dispatch).
func (n *NPZ) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	a, err := zip.Open(f.R, f.Size, n.lim)
	if err != nil {
		return scanners.Result{}, err
	}
	return n.ScanArchive(ctx, f, a)
}

// ScanArchive implements zip.Layout.
func (n *NPZ) ScanArchive(ctx context.Context, f scanners.File, a *zip.Archive) (scanners.Result, error) {
	fs, err := zip.ScanArchive(ctx, f, a, n.opts)
	return scanners.Result{Format: n.Name(), Findings: fs}, err
}
