package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// errNotVerified: a requirement of `aibom verify` did not verify (exit 1).
var errNotVerified = fmt.Errorf("verification failed: %w", errFindings)

// trustOptions are the flags that say whose signatures count (names as in
// cosign).
type trustOptions struct {
	key            string
	identity       string
	identityRegexp string
	issuer         string
	issuerRegexp   string
	trustedRoot    string
	requireTlog    bool
}

// AddFlags registers the flags on cmd.
func (o *trustOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "trusted public key: a PEM file or a KMS URI")
	f.StringVar(&o.identity, "certificate-identity", "", "keyless: the signer's identity (e-mail or URI) in the Fulcio certificate")
	f.StringVar(&o.identityRegexp, "certificate-identity-regexp", "", "keyless: a regular expression that the whole identity must match")
	f.StringVar(&o.issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer that vouched for the identity")
	f.StringVar(&o.issuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: a regular expression that the whole issuer must match")
	f.StringVar(&o.trustedRoot, "trusted-root", "", "keyless: the Sigstore trusted_root.json (Fulcio CAs, Rekor keys, timestamp authorities)")
	f.BoolVar(&o.requireTlog, "require-tlog", false, "require a verified transparency-log entry for every signature, key signatures too (cosign's Rekor bundle annotation, or the Sigstore bundle's entry; needs --trusted-root with the Rekor key); without it key signatures are checked offline")
}

// trust builds the verify.Trust; every mistake is a usage error (exit 2).
func (o *trustOptions) trust(cmd *cobra.Command) (verify.Trust, error) {
	var t verify.Trust
	keyless := false
	for _, n := range []string{"certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "certificate-oidc-issuer-regexp"} {
		if cmd.Flags().Changed(n) {
			keyless = true
			if v, _ := cmd.Flags().GetString(n); strings.TrimSpace(v) == "" {
				return t, usageError{fmt.Errorf("--%s is empty: an empty identity or issuer would match anyone", n)}
			}
		}
	}
	if o.key == "" && !keyless {
		return t, usageError{fmt.Errorf("give --key PUB, or --certificate-identity (or -regexp) with --certificate-oidc-issuer")}
	}
	if o.key != "" {
		v, err := verify.LoadPublicKey(cmd.Context(), o.key)
		if err != nil {
			return t, usageError{err}
		}
		t.Keys = append(t.Keys, verify.Key{Name: o.key, Verifier: v})
	}
	if keyless {
		t.Identities = []verify.Identity{{Subject: o.identity, SubjectRegexp: o.identityRegexp, Issuer: o.issuer, IssuerRegexp: o.issuerRegexp}}
	}
	if o.trustedRoot != "" {
		tr, err := root.NewTrustedRootFromPath(o.trustedRoot)
		if err != nil {
			return t, usageError{fmt.Errorf("reading --trusted-root %s: %w", o.trustedRoot, err)}
		}
		t.TrustedMaterial = tr
	}
	return t, nil
}

// verifier builds the verifier of trust that reaches registries as reg
// and honours --require-tlog; a configuration mistake is a usage error.
func (o *trustOptions) verifier(trust verify.Trust, reg oci.Registry) (*verify.Verifier, error) {
	opts := []verify.Option{verify.WithRegistry(reg)}
	if o.requireTlog {
		opts = append(opts, verify.WithRequireTlog())
	}
	v, err := verify.New(trust, opts...)
	if errors.Is(err, verify.ErrConfig) {
		return nil, usageError{err}
	}
	return v, err
}

// verifyJSON is the `--format json` contract.
type verifyJSON struct {
	Digest         string              `json:"digest"`
	Verified       verify.Verified     `json:"verified"`
	Signers        []string            `json:"signers"`
	Problems       []string            `json:"problems"`
	PredicateTypes []string            `json:"predicateTypes"`
	BOM            *verify.BOMSummary  `json:"bom,omitempty"`
	Scan           *verify.ScanSummary `json:"scan,omitempty"`
	Policy         *policies.Decision  `json:"policy,omitempty"` // with --policy
}

func newVerify(stdout io.Writer) *cobra.Command {
	reg := &registryOptions{}
	to := &trustOptions{}
	ms := &modelSigOptions{}
	var require, format, policy string
	cmd := &cobra.Command{
		Use:   "verify oci://REF | DIR | FILE",
		Short: "Verify the signature, AI-BOM and scan report of a model in a registry",
		Long: `Resolve REF to a digest once, and check what is attached to that digest, in
both layouts (cosign's sha256-<hex>.sig/.att tags, and Sigstore bundles as OCI
referrers), without being told which.

--require is a comma-separated subset of:
  signature  a signature of the digest itself by a trusted signer
  bom        a CycloneDX AI-BOM attestation (` + verify.PredicateCycloneDX + `) by a
             trusted signer, whose signed subject is the digest
  scan       an aibom scan-report attestation (` + verify.PredicateScanReport + `),
             likewise
  model-signing
             an OpenSSF Model Signing signature (` + verify.PredicateModelSigning + `,
             attached by 'aibom push --sign-model') by a trusted signer whose
             signed files are exactly the artifact's: raw layers by their
             digests (nothing downloaded), tar layers by streaming and
             hashing their members

Stricter than cosign: the predicate type is read from the signed statement,
never from an annotation; an attestation never counts as a signature; a
foreign or broken signature beside a valid one is reported, and neither hides
nor replaces it; identity regular expressions match the whole identity.

Exit codes: 0 everything required verified, 1 verification failed, 2 usage,
configuration or registry error. --format json prints
{"digest", "verified": {"signature", "bom", "scan", "model-signing"}, "signers",
"problems"}.`,
		Example: `  aibom verify oci://registry.example/models/llama:1.0 --key cosign.pub
  aibom verify oci://registry.example/models/llama:1.0 --key cosign.pub --require signature,bom,scan --format json
  aibom verify oci://registry.example/models/llama:1.0 --key cosign.pub --policy ./policies
  aibom verify oci://registry.example/models/llama:1.0 --trusted-root trusted_root.json \
      --certificate-identity release@example.com --certificate-oidc-issuer https://accounts.google.com

  # a model on disk signed with OpenSSF Model Signing (DIR/model.sig); --format json prints
  # {"path", "verified", "signers", "files", "predicateType", "problems"}
  aibom verify ./llama --key signing-key.pub
  aibom verify ./llama --certificate-chain ca.pem --ignore-paths README.md`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			if isModelPath(args[0]) {
				return verifyModel(cmd, stdout, to, ms, format, args[0])
			}
			return verifyOCI(cmd, stdout, reg, to, require, format, policy, args[0])
		},
	}
	reg.AddFlags(cmd)
	to.AddFlags(cmd)
	ms.AddVerifyFlags(cmd)
	cmd.Flags().StringVar(&require, "require", "signature,bom", "what must verify: a comma-separated subset of signature, bom, scan, model-signing")
	cmd.Flags().StringVar(&policy, "policy", "", "Rego policy directory or file, evaluated over the verified facts as the webhook does (exit 1 on a violation)")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text (for people) or json (the stable contract for tools)")
	return cmd
}

// verifyOCI verifies what is attached to an artifact in a registry.
func verifyOCI(cmd *cobra.Command, stdout io.Writer, reg *registryOptions, to *trustOptions, require, format, policy, ref string) error {
	req, err := verify.ParseRequire(require)
	if err != nil {
		return usageError{err}
	}
	trust, err := to.trust(cmd)
	if err != nil {
		return err
	}
	if policy != "" {
		if err := policyTrust(&trust); err != nil {
			return err
		}
	}
	v, err := to.verifier(trust, reg.registry())
	if err != nil {
		return err
	}
	res, err := v.Verify(cmd.Context(), ref, req)
	if err != nil {
		return err
	}
	var dec *policies.Decision
	if policy != "" {
		if dec, err = evalVerifyPolicy(cmd.Context(), policy, res, ref); err != nil {
			return err
		}
	}
	if format == "json" {
		err = printVerifyJSON(stdout, res, dec)
	} else {
		printVerifyText(stdout, res, req)
		if dec != nil {
			err = printPolicyText(stdout, dec)
		}
	}
	if err != nil {
		return err
	}
	if !res.Satisfies(req) || (dec != nil && !dec.Allowed) {
		return errNotVerified
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func printVerifyJSON(w io.Writer, r *verify.Result, dec *policies.Decision) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(verifyJSON{
		Digest: r.Digest, Verified: r.Verified, Signers: nonNil(r.Signers), Problems: nonNil(r.Problems),
		PredicateTypes: nonNil(r.PredicateTypes), BOM: r.BOMSummary, Scan: r.ScanSummary, Policy: dec,
	})
}

func printVerifyText(w io.Writer, r *verify.Result, req verify.Require) {
	status := "Verified"
	if !r.Satisfies(req) {
		status = "NOT verified"
	}
	fmt.Fprintf(w, "%s: %s@%s\n", status, r.Repository, r.Digest)
	mark := func(ok, required bool) string {
		switch {
		case ok:
			return "ok"
		case required:
			return "MISSING"
		}
		return "-"
	}
	fmt.Fprintf(w, "  signature  %-8s\n", mark(r.Verified.Signature, req.Signature))
	bom := ""
	if s := r.BOMSummary; s != nil {
		bom = fmt.Sprintf("CycloneDX %s, %s, %d components", s.SpecVersion, s.Subject, s.Components)
		if len(s.Models) > 0 {
			bom += ", models: " + strings.Join(s.Models, ", ")
		}
	}
	fmt.Fprintf(w, "  bom        %-8s %s\n", mark(r.Verified.BOM, req.BOM), bom)
	scan := ""
	if s := r.ScanSummary; s != nil {
		scan = fmt.Sprintf("verdict %s (%d files)", s.Worst, s.Files)
	}
	fmt.Fprintf(w, "  scan       %-8s %s\n", mark(r.Verified.Scan, req.Scan), scan)
	if req.ModelSigning || r.Verified.ModelSigning {
		fmt.Fprintf(w, "  model-signing %s (the files, OpenSSF Model Signing)\n", mark(r.Verified.ModelSigning, req.ModelSigning))
	}
	if len(r.Signers) > 0 {
		fmt.Fprintf(w, "Signers: %s\n", strings.Join(r.Signers, "; "))
	}
	if len(r.PredicateTypes) > 0 {
		fmt.Fprintf(w, "Predicate types: %s\n", strings.Join(r.PredicateTypes, ", "))
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "Problems:")
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
}
