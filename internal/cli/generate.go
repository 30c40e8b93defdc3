package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/aibom"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

// generateOptions are the flags of `aibom generate`.
type generateOptions struct {
	output      string
	format      string
	specVersion string
	serial      string
	strict      bool
	tensors     bool
	sigKey      string
	runnerOptions
	registry registryOptions
}

// AddFlags registers the flags on cmd.
func (o *generateOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the BOM to this file (atomically) instead of stdout")
	f.StringVarP(&o.format, "format", "f", string(aibom.CycloneDXJSON), "output format: cyclonedx-json, cyclonedx-xml or spdx-json (SPDX 3.0.1 JSON-LD with the AI and Dataset profiles)")
	f.StringVar(&o.specVersion, "spec-version", "1.6", "CycloneDX version: 1.6 or 1.7")
	f.StringVar(&o.serial, "serial-number", "", "the BOM's serial number (urn:uuid:...); default: a random one. Fix it, with SOURCE_DATE_EPOCH, for byte-identical output")
	f.BoolVar(&o.strict, "strict", false, "fail (exit 2) when any file or metadata cannot be read, instead of describing the rest")
	f.BoolVar(&o.tensors, "tensors", false, "record every tensor (name, dtype, shape) of each weight file; totals are always recorded")
	f.StringVar(&o.sigKey, "model-signature-key", "", "verify the model's OpenSSF model.sig with this public key (PEM, cosign key or KMS URI) and record the verified signer; without it a model.sig is recorded as present, not verified")
	o.runnerOptions.AddFlags(cmd)
	o.registry.AddFlags(cmd)
}

func newGenerate(stdout, stderr io.Writer) *cobra.Command {
	o := &generateOptions{}
	cmd := &cobra.Command{
		Use:   "generate SOURCE",
		Short: "Write a CycloneDX AI-BOM of a model: its files, their hashes and what scanning found",
		Long: `Describe a model as a CycloneDX AI-BOM (1.6 by default, 1.7 on request),
or as an SPDX 3.0.1 document with the AI and Dataset profiles (-f spdx-json).

SOURCE is a directory (a Hugging Face-style model repository, a training
project or a KitOps project with a Kitfile), a single model file, or the
local Hugging Face cache: a models--org--name folder, one of its
snapshots/<revision> folders, or the hub folder when it holds one model.
Cache files are symbolic links to blobs; they are followed. SOURCE may also be
an OCI artifact: oci://REF, an OCI layout folder or an image tarball (the
same rule as 'aibom scan'); the model then has the manifest digest as its
hash and a pkg:oci purl, each file its layer digest and media type, and a
ModelPack config or KitOps Kitfile fills the model card where the files say
nothing.

The BOM has the model as metadata.component (with its pkg:huggingface purl
when it comes from the cache), every file as a component with its size and
SHA-256, datasets (named by the card or found in the source, with a count of
the personal data and secrets in a sample), the project's dependencies
(requirements, pyproject.toml, lock files, conda environments, npm, Cargo;
found with syft's catalogers), and what 'aibom scan' finds in each file in the
vulnerabilities section. Each file is read once: the SHA-256 is computed from
the scanners' own reads, then from one sequential read of what they skipped
(the weights after a header); headers parsed by the scan are not read again.

Output is reproducible: with SOURCE_DATE_EPOCH set and --serial-number given,
the same input gives byte-identical output.`,
		Example: `  aibom generate ./my-model -o bom.json
  aibom generate oci://ghcr.io/org/model:v1 -o bom.json
  aibom generate ~/.cache/huggingface/hub/models--org--name --spec-version 1.7
  aibom generate ./my-model -f spdx-json -o model.spdx.json
  aibom generate ./my-model --model-signature-key signing-key-pub.pem   # record model.sig's verified signer
  SOURCE_DATE_EPOCH=0 aibom generate model.safetensors --serial-number urn:uuid:00000000-0000-4000-8000-000000000000`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGenerate(cmd, o, args[0], stdout, stderr)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runGenerate(cmd *cobra.Command, o *generateOptions, path string, stdout, stderr io.Writer) error {
	v, err := aibom.ParseSpecVersion(o.specVersion)
	if err != nil {
		return usageError{err}
	}
	if !slices.Contains(aibom.Formats, aibom.Format(o.format)) {
		return usageError{fmt.Errorf("unknown --format %q (want cyclonedx-json, cyclonedx-xml or spdx-json)", o.format)}
	}
	now, err := sourceDateEpoch()
	if err != nil {
		return usageError{err}
	}
	src, err := openSource(cmd.Context(), path, o.registry.registry())
	if err != nil {
		return err
	}
	defer closeSource(src)
	serial := o.serial
	if serial == "" {
		serial = randomSerial()
	}
	r, err := o.runner(stderr)
	if err != nil {
		return err
	}
	opts := []aibom.Option{aibom.WithTime(now), aibom.WithToolVersion(version), aibom.WithSerialNumber(serial),
		aibom.WithRunner(r)}
	if o.tensors {
		opts = append(opts, aibom.WithTensors())
	}
	if o.sigKey != "" {
		v, err := verify.LoadPublicKey(cmd.Context(), o.sigKey)
		if err != nil {
			return usageError{fmt.Errorf("--model-signature-key: %w", err)}
		}
		opts = append(opts, aibom.WithModelSignatureTrust(modelsig.Trust{Trust: verify.Trust{Keys: []verify.Key{{Name: o.sigKey, Verifier: v}}}}))
	}
	res, err := aibom.Generate(cmd.Context(), src, opts...)
	if err != nil {
		return err
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "aibom: %s: %v\n", p.Path, p.Err)
	}
	if o.strict && len(res.Problems) > 0 {
		return fmt.Errorf("%d problem(s) with %s and --strict is set; no BOM written", len(res.Problems), path)
	}
	var buf bytes.Buffer
	if err := aibom.Encode(&buf, res.BOM, aibom.Format(o.format), v); err != nil {
		return err
	}
	return writeOutput(o.output, stdout, buf.Bytes())
}

// sourceDateEpoch returns the time SOURCE_DATE_EPOCH sets, or now.
func sourceDateEpoch() (time.Time, error) {
	s, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || s == "" {
		return time.Now().UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, errors.New("SOURCE_DATE_EPOCH must be a number of seconds since 1970")
	}
	return time.Unix(n, 0).UTC(), nil
}
