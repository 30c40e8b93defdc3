package aibom

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/testtools"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

func sigProps(t *testing.T, dir string, opts ...Option) (map[string]string, *Result) {
	t.Helper()
	src, err := source.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), src, append(opts, WithTime(time.Unix(0, 0)))...)
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, p := range *res.BOM.Metadata.Component.Properties {
		if strings.HasPrefix(p.Name, propModelSig) {
			props[p.Name] = p.Value
		}
	}
	return props, res
}

func hasSigProblem(res *Result) bool {
	for _, p := range res.Problems {
		if p.Path == modelsig.DefaultSignatureName {
			return true
		}
	}
	return false
}

// TestGenerateRecordsModelSignature: a model.sig is recorded as present and
// not verified (with its claimed signer) without trust; verified with the
// signer with the right key; not verified, with a problem, with another
// key or after a change; malformed when it does not parse; absent, nothing.
func TestGenerateRecordsModelSignature(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{"config.json": `{"model_type":"llama"}`, "README.md": "# m\n", "weights.bin": "0123456789"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if props, _ := sigProps(t, dir); len(props) != 0 {
		t.Fatalf("no model.sig, yet %v", props)
	}
	sv := testtools.ECDSAKey(t)
	s, err := modelsig.NewKeySigner(sv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modelsig.Sign(context.Background(), dir, s); err != nil {
		t.Fatal(err)
	}
	props, res := sigProps(t, dir)
	if props[propModelSigStatus] != ModelSigUnverified || !strings.HasPrefix(props[propModelSigSigner], "claimed: key hint ") ||
		props[propModelSigPredicate] != modelsig.PredicateV1 || props[propModelSig] != "model.sig" || hasSigProblem(res) {
		t.Fatalf("without trust: %v %v", props, res.Problems)
	}
	trust := func(v signature.Verifier) Option {
		return WithModelSignatureTrust(modelsig.Trust{Trust: verify.Trust{Keys: []verify.Key{{Name: "release key", Verifier: v}}}})
	}
	props, res = sigProps(t, dir, trust(sv))
	if props[propModelSigStatus] != ModelSigVerified || props[propModelSigSigner] != "release key" || hasSigProblem(res) {
		t.Fatalf("right key: %v %v", props, res.Problems)
	}
	props, res = sigProps(t, dir, trust(testtools.ECDSAKey(t)))
	if props[propModelSigStatus] != ModelSigNotVerified || !strings.HasPrefix(props[propModelSigSigner], "claimed: ") || !hasSigProblem(res) {
		t.Fatalf("other key: %v %v", props, res.Problems)
	}
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), []byte("0123456780"), 0o644); err != nil {
		t.Fatal(err)
	}
	props, res = sigProps(t, dir, trust(sv))
	if props[propModelSigStatus] != ModelSigNotVerified || !hasSigProblem(res) {
		t.Fatalf("changed file: %v %v", props, res.Problems)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.sig"), []byte(`{"mediaType": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	props, res = sigProps(t, dir)
	if props[propModelSigStatus] != ModelSigMalformed || !hasSigProblem(res) {
		t.Fatalf("malformed: %v %v", props, res.Problems)
	}
}
