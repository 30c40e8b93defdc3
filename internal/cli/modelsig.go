package cli

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

// isModelPath says whether a sign or verify argument is a model on disk (an
// existing path that is not oci://) rather than a registry reference.
func isModelPath(arg string) bool {
	if strings.HasPrefix(arg, "oci://") {
		return false
	}
	_, err := os.Stat(arg)
	return err == nil
}

// modelSigOptions are the flags of sign and verify for models on disk (OMS
// model.sig, names as in the reference's CLI).
type modelSigOptions struct {
	signature     string
	chain         []string
	signingCert   string
	ignore        []string
	allowSymlinks bool
	shardSize     int64
}

func (o *modelSigOptions) addCommon(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.signature, "signature", "", "model on disk: the model.sig file (default DIR/model.sig, or model.sig beside a single file)")
	f.StringSliceVar(&o.ignore, "ignore-paths", nil, "model on disk: paths (relative to the model) left out of the manifest; repeatable (.git, .gitattributes, .github, .gitignore and the signature are always left out)")
	f.BoolVar(&o.allowSymlinks, "allow-symlinks", false, "model on disk: follow symbolic links to files instead of refusing them")
}

// AddVerifyFlags registers the flags of `verify DIR`.
func (o *modelSigOptions) AddVerifyFlags(cmd *cobra.Command) {
	o.addCommon(cmd)
	cmd.Flags().StringSliceVar(&o.chain, "certificate-chain", nil, "model on disk: trusted CA certificates (PEM) that the signing certificate in model.sig must chain to; repeatable")
}

// AddSignFlags registers the flags of `sign DIR`.
func (o *modelSigOptions) AddSignFlags(cmd *cobra.Command) {
	o.addCommon(cmd)
	cmd.Flags().StringVar(&o.signingCert, "signing-certificate", "", "model on disk: the certificate (PEM) of --key, embedded in model.sig")
	cmd.Flags().StringSliceVar(&o.chain, "certificate-chain", nil, "model on disk: the issuers of --signing-certificate (PEM), embedded in model.sig; repeatable")
	cmd.Flags().Int64Var(&o.shardSize, "shard-size", 0, "model on disk: the shards serialization, cutting files into shards of this many bytes hashed in parallel (the reference's default is 1000000000); 0 hashes whole files")
}

func loadCertFiles(paths []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, p := range paths {
		c, err := modelsig.LoadCertificates(p)
		if err != nil {
			return nil, usageError{err}
		}
		out = append(out, c...)
	}
	return out, nil
}

// verifyModel is `aibom verify DIR`.
func verifyModel(cmd *cobra.Command, stdout io.Writer, to *trustOptions, o *modelSigOptions, format, path string) error {
	var trust modelsig.Trust
	keyless := false
	for _, n := range []string{"certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "certificate-oidc-issuer-regexp"} {
		keyless = keyless || cmd.Flags().Changed(n)
	}
	if to.key == "" && !keyless && len(o.chain) == 0 {
		return usageError{fmt.Errorf("give --key PUB, --certificate-chain CA, or --certificate-identity (or -regexp) with --certificate-oidc-issuer")}
	}
	if to.key != "" || keyless {
		t, err := to.trust(cmd)
		if err != nil {
			return err
		}
		trust.Trust = t
	}
	chain, err := loadCertFiles(o.chain)
	if err != nil {
		return err
	}
	trust.CertificateChain = chain
	opts := []modelsig.Option{modelsig.WithIgnorePaths(o.ignore...)}
	if o.signature != "" {
		opts = append(opts, modelsig.WithSignature(o.signature))
	}
	if o.allowSymlinks {
		opts = append(opts, modelsig.WithAllowSymlinks())
	}
	res, err := modelsig.Verify(cmd.Context(), path, trust, opts...)
	if err != nil {
		if errors.Is(err, modelsig.ErrConfig) {
			return usageError{err}
		}
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printModelText(stdout, res)
	}
	if !res.Verified {
		return errNotVerified
	}
	return nil
}

func printModelText(w io.Writer, r *modelsig.Result) {
	if r.Verified {
		fmt.Fprintf(w, "Verified %s: %d files, signed by %s\n", r.Path, r.Files, strings.Join(r.Signers, ", "))
		return
	}
	fmt.Fprintf(w, "NOT verified %s\n", r.Path)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}

// signModel is `aibom sign DIR`.
func signModel(cmd *cobra.Command, stdout io.Writer, so *signerOptions, o *modelSigOptions, path string) error {
	s, err := modelSigner(cmd, so, o)
	if err != nil {
		return err
	}
	opts := []modelsig.SignOption{modelsig.SignIgnoring(o.ignore...)}
	if o.signature != "" {
		opts = append(opts, modelsig.SignTo(o.signature))
	}
	if o.allowSymlinks {
		opts = append(opts, modelsig.SignAllowingSymlinks())
	}
	if o.shardSize < 0 {
		return usageError{fmt.Errorf("--shard-size must be positive")}
	}
	if o.shardSize > 0 {
		opts = append(opts, modelsig.SignShards(o.shardSize))
	}
	sigPath, err := modelsig.Sign(cmd.Context(), path, s, opts...)
	if err != nil {
		if errors.Is(err, modelsig.ErrConfig) || errors.Is(err, verify.ErrKey) {
			return usageError{err}
		}
		return err
	}
	fmt.Fprintf(stdout, "Signed %s: %s\n", path, sigPath)
	return nil
}

// modelSigner is the signer of `aibom sign DIR`: --key (with
// --signing-certificate and its chain), or keyless with --identity-token
// (the Fulcio and Rekor flags of OCI signing).
func modelSigner(cmd *cobra.Command, so *signerOptions, o *modelSigOptions) (*modelsig.Signer, error) {
	if so.key == "" {
		if so.idToken == "" {
			return nil, usageError{fmt.Errorf("give --key KEY, or --identity-token for keyless signing")}
		}
		if o.signingCert != "" || len(o.chain) > 0 {
			return nil, usageError{fmt.Errorf("--signing-certificate and --certificate-chain need --key")}
		}
		s, err := modelsig.NewKeylessSigner(verify.Keyless{FulcioURL: so.fulcioURL, RekorURL: so.rekorURL, IDToken: so.idToken})
		if err != nil {
			return nil, usageError{err}
		}
		return s, nil
	}
	sv, err := modelsig.LoadKey(cmd.Context(), so.key, []byte(os.Getenv("COSIGN_PASSWORD")))
	if err != nil {
		return nil, usageError{err}
	}
	switch {
	case o.signingCert != "":
		chain, err := loadCertFiles(append([]string{o.signingCert}, o.chain...))
		if err != nil {
			return nil, err
		}
		s, err := modelsig.NewCertificateSigner(sv, chain)
		if err != nil {
			return nil, usageError{err}
		}
		return s, nil
	case len(o.chain) > 0:
		return nil, usageError{fmt.Errorf("--certificate-chain needs --signing-certificate")}
	}
	return modelsig.NewKeySigner(sv)
}
