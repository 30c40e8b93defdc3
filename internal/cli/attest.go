package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/verify"
)

// attestOptions are the flags of `aibom attest` besides the signer's.
type attestOptions struct {
	bom  string
	scan string
}

// AddFlags registers the flags on cmd.
func (o *attestOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.bom, "bom", "", "the CycloneDX AI-BOM to attest (from 'aibom generate'), predicate type "+verify.PredicateCycloneDX)
	f.StringVar(&o.scan, "scan", "", "the scan report to attest (from 'aibom scan --format json'), predicate type "+verify.PredicateScanReport)
}

// maxPredicateBytes bounds a predicate file read from disk.
const maxPredicateBytes = 64 << 20

func readPredicate(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPredicateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(b) > maxPredicateBytes {
		return nil, usageError{fmt.Errorf("%s is larger than %d bytes", path, maxPredicateBytes)}
	}
	return b, nil
}

func newAttest(stdout io.Writer) *cobra.Command {
	reg := &registryOptions{}
	so := &signerOptions{}
	ao := &attestOptions{}
	cmd := &cobra.Command{
		Use:   "attest oci://REF --key KEY [--bom FILE] [--scan FILE]",
		Short: "Attach a signed AI-BOM and scan report to a model in a registry",
		Long: `Wrap the AI-BOM and the scan report each in an in-toto Statement whose subject
is the digest REF resolves to, sign each as a DSSE envelope, and store them
beside the artifact (cosign-compatible: 'cosign verify-attestation --type
cyclonedx' accepts the BOM).

Predicate types:
  ` + verify.PredicateCycloneDX + `          the CycloneDX AI-BOM ('aibom generate')
  ` + verify.PredicateScanReport + `   the JSON report of 'aibom scan --format json'

Without --bom and --scan, both are generated from the artifact at the digest
REF resolved to (as 'aibom generate' and 'aibom scan --format json' would),
read once through the OCI source by that digest, never by tag again; a layer
whose digest is wrong stops the command before anything is attested. Layouts
and keys as in 'aibom sign'.`,
		Example: `  # generate the AI-BOM and the scan report from the artifact itself
  aibom attest oci://registry.example/models/llama:1.0 --key cosign.key

  # or attest ones made earlier
  aibom generate ./llama -o bom.json
  aibom scan --format json ./llama > scan.json
  aibom attest oci://registry.example/models/llama:1.0 --key cosign.key --bom bom.json --scan scan.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			type pred struct{ typ, path string }
			var preds []pred
			for _, p := range []pred{{verify.PredicateCycloneDX, ao.bom}, {verify.PredicateScanReport, ao.scan}} {
				if p.path != "" {
					preds = append(preds, p)
				}
			}
			var bodies [][]byte
			for _, p := range preds {
				b, err := readPredicate(p.path)
				if err != nil {
					return err
				}
				bodies = append(bodies, b)
			}
			ctx := cmd.Context()
			s, opts, err := so.signer(ctx)
			if err != nil {
				return err
			}
			d, err := verify.Resolve(ctx, reg.registry(), args[0])
			if err != nil {
				return err
			}
			if len(preds) == 0 { // neither --bom nor --scan: made from the artifact at d
				if bodies, err = attestEvidence(ctx, reg.registry(), d, cmd.ErrOrStderr()); err != nil {
					return err
				}
				preds = []pred{{verify.PredicateCycloneDX, "the generated AI-BOM"}, {verify.PredicateScanReport, "the generated scan report"}}
			}
			for i, p := range preds {
				if err := verify.Attest(ctx, reg.registry(), d, s, p.typ, bodies[i], opts...); err != nil {
					return fmt.Errorf("attesting %s: %w", p.path, err)
				}
				fmt.Fprintf(stdout, "Attested %s to %s\n", p.typ, d)
			}
			return nil
		},
	}
	reg.AddFlags(cmd)
	so.AddFlags(cmd)
	ao.AddFlags(cmd)
	return cmd
}
