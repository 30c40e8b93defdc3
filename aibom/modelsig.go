package aibom

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

// Properties of the model component that record an OpenSSF Model Signing
// signature (model.sig) found with the model.
const (
	// propModelSig is the signature's path in the model ("model.sig").
	propModelSig = "aibom:model-signature"
	// propModelSigStatus is "verified", "not verified" (a trust was given
	// and it failed: see the BOM's problems), "present, not verified" (no
	// trust given) or "malformed".
	propModelSigStatus = "aibom:model-signature:status"
	// propModelSigSigner is who signed: the trusted key or identity that
	// verified, or, when not verified, who the signature claims (key hint
	// or certificate identity), prefixed with "claimed: ".
	propModelSigSigner = "aibom:model-signature:signer"
	// propModelSigPredicate is the signed statement's predicate type.
	propModelSigPredicate = "aibom:model-signature:predicate-type"
)

// Model signature statuses.
const (
	ModelSigVerified    = "verified"
	ModelSigNotVerified = "not verified"
	ModelSigUnverified  = "present, not verified"
	ModelSigMalformed   = "malformed"
)

// WithModelSignatureTrust verifies the OpenSSF Model Signing signature of a
// local model (DIR/model.sig, or model.sig beside a single file) with
// trust, and records the verified signer. Without it a model.sig is still
// recorded, as present and not verified, with the signer it claims.
func WithModelSignatureTrust(trust modelsig.Trust, opts ...modelsig.Option) Option {
	return func(o *options) { o.modelSig = &modelSigOptions{trust: trust, opts: opts} }
}

type modelSigOptions struct {
	trust modelsig.Trust
	opts  []modelsig.Option
}

// recordModelSignature adds the model.sig properties to the model
// component, and the reasons a signature did not verify to res.Problems.
func recordModelSignature(ctx context.Context, src *listing, res *Result, o *options) {
	raw, sigPath, ok, readErr := findModelSignature(ctx, src)
	if !ok || res.BOM == nil || res.BOM.Metadata == nil || res.BOM.Metadata.Component == nil {
		return
	}
	model := res.BOM.Metadata.Component
	if model.Properties == nil {
		model.Properties = &[]cdx.Property{}
	}
	props := []cdx.Property{{Name: propModelSig, Value: modelsig.DefaultSignatureName}}
	claim, err := modelsig.Inspect(raw, modelsig.DefaultLimits())
	if readErr != nil {
		err = readErr
	}
	if err != nil {
		props = append(props, cdx.Property{Name: propModelSigStatus, Value: ModelSigMalformed})
		res.Problems = append(res.Problems, source.Problem{Path: modelsig.DefaultSignatureName, Err: err})
		*model.Properties = append(*model.Properties, props...)
		return
	}
	props = append(props, cdx.Property{Name: propModelSigPredicate, Value: claim.PredicateType})
	status, signer := ModelSigUnverified, "claimed: "+claim.Signer
	if o.modelSig != nil && (src.Kind == source.Directory || src.Kind == source.SingleFile) {
		opts := append([]modelsig.Option{modelsig.WithSignature(sigPath)}, o.modelSig.opts...)
		vr, err := modelsig.Verify(ctx, src.Root, o.modelSig.trust, opts...)
		switch {
		case err != nil:
			status = ModelSigNotVerified
			res.Problems = append(res.Problems, source.Problem{Path: modelsig.DefaultSignatureName, Err: err})
		case vr.Verified:
			status, signer = ModelSigVerified, strings.Join(vr.Signers, "; ")
		default:
			status = ModelSigNotVerified
			res.Problems = append(res.Problems, source.Problem{Path: modelsig.DefaultSignatureName,
				Err: fmt.Errorf("model signature not verified: %s", strings.Join(vr.Problems, "; "))})
		}
	}
	props = append(props, cdx.Property{Name: propModelSigStatus, Value: status}, cdx.Property{Name: propModelSigSigner, Value: signer})
	*model.Properties = append(*model.Properties, props...)
}

// findModelSignature reads the model's model.sig: for a folder or another
// listed source, its listed model.sig; for a single file, model.sig beside
// it. It returns the bytes, the path on disk (empty when not local) and
// whether there is one; a model.sig that cannot be read whole is there,
// with the error.
func findModelSignature(ctx context.Context, src *listing) ([]byte, string, bool, error) {
	lim := modelsig.DefaultLimits().MaxSignatureBytes
	if src.Kind == source.SingleFile {
		p := filepath.Join(filepath.Dir(src.Root), modelsig.DefaultSignatureName)
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", false, nil
		}
		if err != nil {
			return nil, p, true, err
		}
		defer f.Close()
		b, err := safeio.ReadAll(f, lim)
		return b, p, true, err
	}
	for _, f := range src.Files {
		if f.Path != modelsig.DefaultSignatureName {
			continue
		}
		p := filepath.Join(src.Root, modelsig.DefaultSignatureName)
		rc, err := f.Entry.Open(ctx)
		if err != nil {
			return nil, p, true, err
		}
		defer rc.Close()
		b, err := safeio.ReadAll(rc, lim)
		return b, p, true, err
	}
	return nil, "", false, nil
}
