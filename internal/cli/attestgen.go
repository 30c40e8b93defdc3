package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/seed-43c89ce6/aibom/aibom"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/report"
	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// attestEvidence generates the AI-BOM (CycloneDX 1.6 JSON, as 'aibom
// generate') and the scan report (as 'aibom scan --format json') of the
// artifact at digest d, in that order, read through the OCI source by that digest (never
// by tag again); problems reading metadata are printed to stderr, as by
// 'aibom generate'. The artifact is walked once: the scan report is the BOM's
// per-file scan results.
func attestEvidence(ctx context.Context, reg oci.Registry, d name.Digest, stderr io.Writer) ([][]byte, error) {
	src, err := source.OpenOCI(ctx, oci.Scheme+d.String(), oci.WithRegistry(reg))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	now, err := sourceDateEpoch()
	if err != nil {
		return nil, usageError{err}
	}
	res, err := aibom.Generate(ctx, src, aibom.WithTime(now), aibom.WithToolVersion(version),
		aibom.WithSerialNumber(randomSerial()), aibom.WithRunner(runner.New()))
	if err != nil {
		return nil, fmt.Errorf("generating the AI-BOM of %s: %w", d, err)
	}
	for _, p := range res.Problems { // as 'aibom generate' without --strict
		fmt.Fprintf(stderr, "aibom: %s: %v\n", p.Path, p.Err)
	}
	var bb, sb bytes.Buffer
	if err := aibom.Encode(&bb, res.BOM, aibom.CycloneDXJSON, cdx.SpecVersion1_6); err != nil {
		return nil, err
	}
	rep := &scanners.Report{Files: res.Files}
	rep.Summarize()
	if err := report.WriteJSON(&sb, rep); err != nil {
		return nil, err
	}
	return [][]byte{bb.Bytes(), sb.Bytes()}, nil
}
