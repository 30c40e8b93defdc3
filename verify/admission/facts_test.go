package admission

import (
	"testing"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// TestFactsModelSigning: a verified OpenSSF model signature reaches the
// policy input as its own attestation kind, and only when it verified.
func TestFactsModelSigning(t *testing.T) {
	t.Parallel()
	kinds := func(in *policies.Input) map[string]bool {
		m := map[string]bool{}
		for _, a := range in.Attestations {
			m[a.Kind] = a.Valid
		}
		return m
	}
	res := &verify.Result{Digest: "sha256:0123"}
	res.Verified.Signature = true
	if k := kinds(Facts(res, "r", nil)); k[policies.KindModelSigning] {
		t.Fatalf("model-signing fact without a verified model signature: %v", k)
	}
	res.Verified.ModelSigning = true
	k := kinds(Facts(res, "r", nil))
	if !k[policies.KindModelSigning] || !k[policies.KindSignature] {
		t.Fatalf("kinds %v, want signature and model-signing", k)
	}
}
