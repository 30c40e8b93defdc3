package policies

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzEvalJSON feeds arbitrary input documents (the BOM and scan report come
// from attestations: signed, but written by whoever signed them) to the
// default bundle. It must decide or return an error, never panic; and a
// document that fails the input schema is never "allowed" by the signature
// policy without a signer.
func FuzzEvalJSON(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "inputs"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "inputs", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"signers": null, "attestations": {"kind": "bom"}, "bom": [], "scan": "x", "context": 3}`))
	f.Add([]byte(`{"bom": {"components": [{"type": "file", "properties": [{"name": "aibom:scan:verdict"}]}]}}`))
	e := evaluator(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := e.EvalJSON(ctx, data, WithTime(evalTime))
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("evaluation took over 10 s: %v", err)
		}
		if err != nil {
			return
		}
		in, derr := DecodeInput(data)
		if d.Allowed && (derr != nil || len(in.Signers) == 0) {
			t.Fatalf("allowed without a signer: %s", data)
		}
	})
}
