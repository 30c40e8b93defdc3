package policies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// EvalFacts decides as Eval does, for every example and several contexts.
func TestEvalFactsMatchesEval(t *testing.T) {
	t.Parallel()
	e := evaluator(t, map[string]any{"modes": []any{map[string]any{"policy": "aibom.licenses", "mode": "warn", "namespaces": []any{"dev"}}}})
	entries, err := os.ReadDir(filepath.Join("testdata", "inputs"))
	if err != nil {
		t.Fatal(err)
	}
	contexts := []*Context{nil, {Namespace: "prod"}, {Namespace: "dev", Kind: "Deployment", Name: "x", Image: "registry.example/m:1", Path: "spec.template.spec.containers[0].image", Labels: map[string]string{"team": "ml"}}}
	ctx := context.Background()
	for _, entry := range entries {
		in := loadExample(t, entry.Name())
		f, err := NewFacts(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range contexts {
			in.Context = c
			want, err := e.Eval(ctx, in, WithTime(evalTime))
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.EvalFacts(ctx, f, c, WithTime(evalTime))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s in %+v:\n%s", entry.Name(), c, diff)
			}
		}
	}
}

// TestConcurrentEvalFacts shares facts between goroutines evaluating them in
// different namespaces (run with -race).
func TestConcurrentEvalFacts(t *testing.T) {
	t.Parallel()
	e := evaluator(t, nil)
	f, err := NewFacts(loadExample(t, "bare-weights.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, ns := range []string{"prod", "dev", "production-eu", "research"} {
		for range 3 {
			wg.Go(func() {
				for range 5 {
					d, err := e.EvalFacts(context.Background(), f, &Context{Namespace: ns}, WithTime(evalTime))
					if err != nil {
						t.Error(err)
						return
					}
					want := 1 // the malicious pytorch file
					if ns == "prod" || ns == "production-eu" {
						want = 2 // and its format
					}
					if len(d.Violations) != want {
						t.Errorf("%s: %+v", ns, d.Violations)
					}
				}
			})
		}
	}
	wg.Wait()
}

// Facts cached by digest serve other references to the same digest: the
// policies see the reference of the admission context, not the one the
// facts were made for.
func TestEvalFactsReferenceFromContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "package ref\n\ndeny contains sprintf(\"ref %s\", [input.reference]) if input.reference\n"
	if err := os.WriteFile(filepath.Join(dir, "ref.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBundle(dir, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFacts(&Input{Reference: "r.example/m:old", Digest: "sha256:" + strings.Repeat("a", 64)})
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range map[*Context]string{nil: "ref r.example/m:old", {Namespace: "x"}: "ref r.example/m:old", {Image: "r.example/m:new"}: "ref r.example/m:new"} {
		d, err := e.EvalFacts(context.Background(), f, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Violations) != 1 || d.Violations[0].Message != want {
			t.Errorf("%+v: %+v, want %q", c, d.Violations, want)
		}
	}
}
