package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/verify"
)

// pullOptions are the flags of `aibom pull`.
type pullOptions struct {
	registry registryOptions
	trust    trustOptions
	require  string
	format   string
}

// AddFlags registers the flags on cmd.
func (o *pullOptions) AddFlags(cmd *cobra.Command) {
	o.registry.AddFlags(cmd)
	o.trust.AddFlags(cmd)
	cmd.Flags().StringVar(&o.require, "require", "signature", "with --key or a keyless identity: what must verify before anything is written (signature, bom, scan, model-signing; as in 'aibom verify')")
	cmd.Flags().StringVar(&o.format, "format", "text", "output: text or json")
}

func newPull(stdout io.Writer) *cobra.Command {
	o := &pullOptions{}
	cmd := &cobra.Command{
		Use:   "pull oci://REF DIR",
		Short: "Fetch a model artifact into a folder, checking every digest",
		Long: `Resolve REF to a digest once, then write the artifact's files into DIR:
raw layers to the path their org.cncf.model.filepath (or
org.opencontainers.image.title) annotation names, tar layers (tar, tar+gzip,
tar+zstd) unpacked. Reads CNCF ModelPack, KitOps ModelKits, Docker model
artifacts, what 'oras push' writes, and container images.

With --key PUB (or --certificate-identity / --certificate-oidc-issuer for
keyless, the flags of 'aibom verify'), the resolved digest is verified
first, as 'aibom verify --require signature' would (change it with
--require): an artifact that does not verify is refused (exit 1) and
nothing is written.

Files are written to a staging folder inside DIR and renamed into place only
after every layer's size and digest checked out: a registry serving wrong
bytes leaves DIR as it was. Tar members with absolute paths, '..', links or
devices, and paths through a link already in DIR, are refused.`,
		Example: `  aibom pull oci://registry.example/models/llama-3-8b:v1 ./llama-3-8b
  aibom pull oci://localhost:5000/m@sha256:... ./m --format json
  aibom pull oci://registry.example/models/llama-3-8b:v1 ./llama-3-8b --key cosign.pub`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPull(cmd, o, args[0], args[1], stdout)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runPull(cmd *cobra.Command, o *pullOptions, refStr, dir string, stdout io.Writer) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	reg, ref, err := o.registry.reference(refStr)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	popts, err := pullVerifier(cmd, o, ref)
	if err != nil {
		return err
	}
	a, err := oci.OpenRemote(ctx, ref, oci.WithRegistry(reg))
	if err != nil {
		return err
	}
	defer a.Close()
	files, err := oci.Pull(ctx, a, dir, popts...)
	if err != nil {
		return err
	}
	if o.format == "json" {
		type file struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			Layer  string `json:"layer"`
			Digest string `json:"digest,omitempty"`
		}
		out := struct {
			Reference string `json:"reference"`
			Digest    string `json:"digest"`
			Kind      string `json:"kind"`
			Files     []file `json:"files"`
		}{Reference: ref.String(), Digest: a.Digest.String(), Kind: string(a.Kind), Files: []file{}}
		for _, f := range files {
			fl := file{Path: f.Path, Size: f.Size, Layer: f.Layer.String()}
			if f.Digest.Hex != "" {
				fl.Digest = f.Digest.String()
			}
			out.Files = append(out.Files, fl)
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	_, err = fmt.Fprintf(stdout, "%s: %d files (%s) into %s\n", ref.Context().Digest(a.Digest.String()), len(files), a.Kind, dir)
	return err
}

// pullVerifier returns the oci.WithVerifier option that checks the
// resolved digest with package verify, when a trusted signer was given;
// none otherwise. A digest that does not satisfy --require is refused with
// the verifier's problems (exit 1).
func pullVerifier(cmd *cobra.Command, o *pullOptions, ref name.Reference) ([]oci.PullOption, error) {
	given := false
	for _, n := range []string{"key", "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "certificate-oidc-issuer-regexp"} {
		given = given || cmd.Flags().Changed(n)
	}
	if !given {
		if cmd.Flags().Changed("require") {
			return nil, usageError{fmt.Errorf("--require needs --key or a keyless identity")}
		}
		return nil, nil
	}
	req, err := verify.ParseRequire(o.require)
	if err != nil {
		return nil, usageError{err}
	}
	trust, err := o.trust.trust(cmd)
	if err != nil {
		return nil, err
	}
	v, err := o.trust.verifier(trust, o.registry.registry())
	if err != nil {
		return nil, err
	}
	check := func(ctx context.Context, d v1.Hash) error {
		res, err := v.Verify(ctx, ref.Context().Digest(d.String()).String(), req)
		if err != nil {
			return err
		}
		if !res.Satisfies(req) {
			// Exit 1 is not printed by Run: say here why nothing was written.
			fmt.Fprintf(cmd.ErrOrStderr(), "aibom: %s: refused, nothing written: verification failed: %s\n",
				res.Digest, strings.Join(res.Problems, "; "))
			return fmt.Errorf("%w: %s", errNotVerified, strings.Join(res.Problems, "; "))
		}
		return nil
	}
	return []oci.PullOption{oci.WithVerifier(check)}, nil
}
