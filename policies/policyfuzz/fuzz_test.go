package policyfuzz

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/seed-43c89ce6/aibom/policies"
)

// evalTime is the time the policies see, as in package policies' tests.
var evalTime = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// FuzzEvalJSON feeds arbitrary input documents (the BOM and scan report come
// from attestations: signed, but written by whoever signed them) to the
// default bundle. It must decide or return an error, never panic; a
// document is never "allowed" without a signer in the input the policies
// saw; and DecodeInput never panics, and what it accepts and the policies
// allow has a signer. (EvalJSON does not check the input schema: the CLI
// reads a facts file with DecodeInput first. An input whose signers are
// well formed may be allowed although another field breaks the schema; the
// seed e2352c4498385804 is one.)
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
		if d.Allowed && !hasSigner(data) {
			t.Fatalf("allowed without a signer: %s", data)
		}
		if in, err := policies.DecodeInput(data); err == nil && d.Allowed && len(in.Signers) == 0 {
			t.Fatalf("allowed a valid input without a signer: %s", data)
		}
	})
}

// hasSigner is true when the input, parsed as the evaluator parses it, has
// a non-empty signers array.
func hasSigner(data []byte) bool {
	v, err := ast.ValueFromReader(bytes.NewReader(data))
	if err != nil {
		return false
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return false
	}
	t := obj.Get(ast.StringTerm("signers"))
	if t == nil {
		return false
	}
	a, ok := t.Value.(*ast.Array)
	return ok && a.Len() > 0
}
