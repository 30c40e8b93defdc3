package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/verify"
)

// signerOptions are the flags that choose how `sign` and `attest` sign
// (names as in cosign).
type signerOptions struct {
	key        string
	fulcioURL  string
	rekorURL   string
	idToken    string
	tlogUpload bool
	layout     string
}

// AddFlags registers the flags on cmd.
func (o *signerOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "signing key: a cosign key file (its password in COSIGN_PASSWORD) or a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://); without it, keyless signing with --identity-token")
	f.StringVar(&o.fulcioURL, "fulcio-url", "https://fulcio.sigstore.dev", "Fulcio for keyless signing")
	f.StringVar(&o.rekorURL, "rekor-url", "https://rekor.sigstore.dev", "Rekor transparency log, for keyless signing and --tlog-upload")
	f.StringVar(&o.idToken, "identity-token", "", "OIDC identity token (a JWT) for keyless signing")
	f.BoolVar(&o.tlogUpload, "tlog-upload", false, "record a key signature in the Rekor transparency log (stores a Sigstore bundle); without it no log is contacted")
	f.StringVar(&o.layout, "layout", "", `where to store: "tags" (cosign's sha256-<hex>.sig/.att tags; the default with --key: every registry and cosign release reads it) or "referrers" (Sigstore bundles as OCI 1.1 referrers; the default and the only choice for keyless)`)
}

// signer loads the signer and the signing options.
func (o *signerOptions) signer(ctx context.Context) (*verify.Signer, []verify.SignOption, error) {
	layout, err := verify.ParseLayout(o.layout)
	if err != nil {
		return nil, nil, usageError{err}
	}
	opts := []verify.SignOption{verify.WithLayout(layout)}
	var s *verify.Signer
	switch {
	case o.key != "":
		// Only the CLI reads the environment; an unset password is empty.
		s, err = verify.LoadSigner(ctx, o.key, []byte(os.Getenv("COSIGN_PASSWORD")))
		if o.tlogUpload {
			opts = append(opts, verify.WithTlogUpload(o.rekorURL))
		}
	case o.idToken != "":
		s, err = verify.NewKeylessSigner(verify.Keyless{FulcioURL: o.fulcioURL, RekorURL: o.rekorURL, IDToken: o.idToken})
	default:
		return nil, nil, usageError{fmt.Errorf("give --key KEY, or --identity-token for keyless signing")}
	}
	if err != nil {
		return nil, nil, err
	}
	return s, opts, nil
}

func newSign(stdout io.Writer) *cobra.Command {
	reg := &registryOptions{}
	so := &signerOptions{}
	ms := &modelSigOptions{}
	cmd := &cobra.Command{
		Use:   "sign oci://REF | DIR | FILE",
		Short: "Sign a model or image in a registry (cosign-compatible)",
		Long: `Sign the digest that REF resolves to, as cosign does, and store the signature
beside it in the registry.

The reference is resolved once; the signature is about that digest, so moving
the tag later does not move the signature. With --key nothing but the registry
is contacted (no transparency log) unless --tlog-upload is given.

Layouts (--layout): "tags" stores a simple-signing payload under the tag
sha256-<hex>.sig (cosign's classic layout, the default with a key); "referrers"
stores a Sigstore bundle as an OCI 1.1 referrer (with the referrers tag
fallback on registries without the API). aibom verify and cosign read both.`,
		Example: `  # a key made by 'cosign generate-key-pair'
  COSIGN_PASSWORD=... aibom sign oci://registry.example/models/llama:1.0 --key cosign.key

  # a KMS key, stored as a Sigstore bundle
  aibom sign oci://registry.example/models/llama:1.0 --key awskms:///alias/models --layout referrers

  # a model on disk: writes ./llama/model.sig (OpenSSF Model Signing v1.0, as model_signing does)
  aibom sign ./llama --key signing-key.pem --ignore-paths notes.txt

  # the same keyless: a Fulcio certificate for the token's identity, logged in Rekor
  aibom sign ./llama --identity-token "$(cat oidc-token.jwt)"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if isModelPath(args[0]) {
				return signModel(cmd, stdout, so, ms, args[0])
			}
			s, opts, err := so.signer(ctx)
			if err != nil {
				return err
			}
			d, err := verify.Resolve(ctx, reg.registry(), args[0])
			if err != nil {
				return err
			}
			if err := verify.Sign(ctx, reg.registry(), d, s, opts...); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Signed %s\n", d)
			return nil
		},
	}
	reg.AddFlags(cmd)
	so.AddFlags(cmd)
	ms.AddSignFlags(cmd)
	return cmd
}
