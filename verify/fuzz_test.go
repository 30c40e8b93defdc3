package verify

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/bundle"
)

var fuzzDigest, _ = name.NewDigest("127.0.0.1:5000/m@sha256:aa5f6c2b8a1f4a8a5b9d2f0c1e3d4b5a6c7d8e9f0a1b2c3d4e5f60718293a4b5")

var (
	fuzzOnce     sync.Once
	fuzzVerifier *Verifier
)

// fuzzChecker checks against one fresh key, made once per process.
func fuzzChecker(t *testing.T) *checker {
	fuzzOnce.Do(func() {
		v, err := New(Trust{Keys: []Key{{Name: "k", Verifier: newKey(t)}}})
		if err != nil {
			t.Fatal(err)
		}
		fuzzVerifier = v
	})
	// The artifact's files are given, so that a model signature is checked
	// against them without a registry.
	return &checker{v: fuzzVerifier, d: fuzzDigest, res: &Result{}, files: fuzzFiles}
}

func seeds(f *testing.F, glob string) {
	paths, _ := filepath.Glob(filepath.Join("testdata", glob))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzStatement: a signed statement's bytes never panic the checker, and
// only a statement about the digest verifies anything.
func FuzzStatement(f *testing.F) {
	seeds(f, "*.statement.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		c := fuzzChecker(t)
		c.statement(context.Background(), "fuzz", "k", b)
		if (c.res.Verified.BOM || c.res.Verified.Scan || c.res.Verified.Signature) && len(c.res.Signers) != 1 {
			t.Fatalf("verified without a signer: %+v", c.res)
		}
	})
}

// FuzzEnvelope: DSSE envelopes (untrusted layer bytes) never panic, and
// none that the fuzzer makes is signed by the fresh trusted key.
func FuzzEnvelope(f *testing.F) {
	seeds(f, "*.dsse.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		c := fuzzChecker(t)
		if _, _, ok := c.openEnvelope(context.Background(), "fuzz", b); ok {
			t.Fatal("forged envelope verified")
		}
	})
}

// FuzzBundle: Sigstore bundles never panic the checker and verify nothing
// under a fresh key.
func FuzzBundle(f *testing.F) {
	seeds(f, "*.bundle.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		var bb bundle.Bundle
		if bb.UnmarshalJSON(b) != nil {
			return
		}
		c := fuzzChecker(t)
		c.checkEntity(context.Background(), "fuzz", &bb)
		if c.res.Verified != (Verified{}) {
			t.Fatalf("forged bundle verified: %+v", c.res)
		}
	})
}
