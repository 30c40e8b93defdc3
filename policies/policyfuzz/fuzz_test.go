package policyfuzz

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/policies"
)

// evalTime is the time the policies see, as in package policies' tests.
var evalTime = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// FuzzEvalJSON feeds arbitrary input documents (the BOM and scan report come
// from attestations: signed, but written by whoever signed them) to the
// default bundle. It must decide or return an error, never panic; and a
// document that fails the input schema is never "allowed" by the signature
// policy without a signer.
//
// The bundle is compiled and the query prepared once per process, outside
// the function the fuzzer calls.
func FuzzEvalJSON(f *testing.F) {
	dir := filepath.Join("..", "testdata", "inputs")
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"signers": null, "attestations": {"kind": "bom"}, "bom": [], "scan": "x", "context": 3}`))
	f.Add([]byte(`{"bom": {"components": [{"type": "file", "properties": [{"name": "aibom:scan:verdict"}]}]}}`))
	b, err := policies.DefaultBundle()
	if err != nil {
		f.Fatal(err)
	}
	e, err := policies.New(context.Background(), b)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := e.EvalJSON(ctx, data, policies.WithTime(evalTime))
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("evaluation took over 10 s: %v", err)
		}
		if err != nil {
			return
		}
		in, derr := policies.DecodeInput(data)
		if d.Allowed && (derr != nil || len(in.Signers) == 0) {
			t.Fatalf("allowed without a signer: %s", data)
		}
	})
}
