package policies

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func loadExample(t testing.TB, name string) *Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "inputs", name))
	if err != nil {
		t.Fatal(err)
	}
	in, err := DecodeInput(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return in
}

func evaluator(t testing.TB, params map[string]any) *Evaluator {
	t.Helper()
	b, err := DefaultBundle()
	if err != nil {
		t.Fatal(err)
	}
	if params != nil {
		if b, err = b.WithData(map[string]any{"aibom": map[string]any{"params": params}}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := New(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ids lists "policy/rule" of each violation, sorted.
func ids(vs []Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Policy+"/"+v.Rule)
		if v.Message == "" || v.File == "" {
			panic("violation without message or file")
		}
	}
	slices.Sort(out)
	return out
}

// TestDecisions evaluates the default bundle over inputs built from real
// BOMs and scan reports of the repository's fixtures.
func TestDecisions(t *testing.T) {
	t.Parallel()
	otherKey := []any{map[string]any{"keyFingerprint": fingerprint("someone else")}}
	tests := []struct {
		name     string
		input    string
		params   map[string]any
		at       time.Time
		deny     []string
		warn     []string
		mutation func(*Input)
	}{
		{name: "signed clean model in prod", input: "allowed-prod.json"},
		{name: "signed clean model outside admission", input: "allowed-cli.json"},
		{name: "trusted key configured", input: "allowed-prod.json", params: map[string]any{"trusted_identities": []any{map[string]any{"keyFingerprint": releaseKey.KeyFingerprint}}}},
		{name: "malicious pickle in prod", input: "malicious-prod.json", deny: []string{"aibom.formats/FORMAT-NOT-ALLOWED", "aibom.verdicts/MALICIOUS-FILE"}},
		{name: "malicious pickle in dev", input: "malicious-dev.json", deny: []string{"aibom.verdicts/MALICIOUS-FILE"}},
		{name: "malicious pickle, verdicts in audit mode in dev", input: "malicious-dev.json",
			params: map[string]any{"modes": []any{map[string]any{"policy": "aibom.verdicts", "mode": "warn", "namespaces": []any{"dev"}}}},
			warn:   []string{"aibom.verdicts/MALICIOUS-FILE"}},
		{name: "audit mode for dev does not reach prod", input: "malicious-prod.json",
			params: map[string]any{"modes": []any{map[string]any{"policy": "aibom.*", "mode": "warn", "namespaces": []any{"dev"}}}},
			deny:   []string{"aibom.formats/FORMAT-NOT-ALLOWED", "aibom.verdicts/MALICIOUS-FILE"}},
		{name: "audit mode by image pattern", input: "malicious-prod.json",
			params: map[string]any{"modes": []any{
				map[string]any{"policy": "aibom.formats", "mode": "warn", "images": []any{"registry.example/models/*"}},
				map[string]any{"policy": "aibom.verdicts", "mode": "warn", "images": []any{"other.example/*"}},
			}},
			deny: []string{"aibom.verdicts/MALICIOUS-FILE"},
			warn: []string{"aibom.formats/FORMAT-NOT-ALLOWED"}},
		{name: "policy off", input: "malicious-prod.json",
			params: map[string]any{"modes": []any{map[string]any{"policy": "aibom.formats", "mode": "off"}}},
			deny:   []string{"aibom.verdicts/MALICIOUS-FILE"}},
		{name: "dataset with personal data", input: "pii-dataset.json", deny: []string{"aibom.sensitive_data/SENSITIVE-DATA"}},
		{name: "dataset with personal data and an exception", input: "pii-dataset.json",
			params: map[string]any{"sensitive_data_exceptions": []any{map[string]any{"dataset": "finetune-data", "reason": "synthetic fixture", "namespaces": []any{"research"}}}}},
		{name: "bare weights: pytorch bypass, no card", input: "bare-weights.json",
			deny: []string{"aibom.formats/FORMAT-NOT-ALLOWED", "aibom.verdicts/MALICIOUS-FILE"},
			warn: []string{"aibom.licenses/LICENSE-UNDECLARED", "aibom.provenance/DATASETS-UNDECLARED", "aibom.provenance/LINEAGE-UNDECLARED"}},
		{name: "bare weights, strict provenance", input: "bare-weights.json",
			params: map[string]any{"require_lineage": true, "require_datasets": true, "require_license": true, "fail_on": "malicious", "allowed_formats": []any{}},
			deny:   []string{"aibom.licenses/LICENSE-UNDECLARED", "aibom.provenance/DATASETS-UNDECLARED", "aibom.provenance/LINEAGE-UNDECLARED", "aibom.verdicts/MALICIOUS-FILE"}},
		{name: "license allow-list", input: "allowed-prod.json", params: map[string]any{"allowed_licenses": []any{"Apache-2.0", "MIT"}},
			deny: []string{"aibom.licenses/LICENSE-NOT-ALLOWED"}},
		{name: "license allow-list names llama3", input: "allowed-prod.json", params: map[string]any{"allowed_licenses": []any{"Apache-2.0", "llama3"}}},
		{name: "unsigned", input: "unsigned.json", deny: []string{"aibom.attestations/BOM-ATTESTATION-REQUIRED", "aibom.signature/SIGNATURE-REQUIRED"}},
		{name: "unsigned, nothing required", input: "unsigned.json", params: map[string]any{"require": []any{}}},
		{name: "forged signature and attestation for another subject", input: "forged-attestations.json",
			deny: []string{"aibom.attestations/BOM-ATTESTATION-REQUIRED", "aibom.signature/SIGNATURE-REQUIRED"},
			warn: []string{"aibom.attestations/ATTESTATION-INVALID", "aibom.attestations/ATTESTATION-INVALID"}},
		{name: "signed by an untrusted key", input: "allowed-prod.json", params: map[string]any{"trusted_identities": otherKey},
			deny: []string{"aibom.attestations/BOM-ATTESTATION-UNTRUSTED", "aibom.signature/SIGNATURE-UNTRUSTED"}},
		{name: "scan attestation required and present", input: "allowed-prod.json", params: map[string]any{"require": []any{"signature", "bom", "scan"}}},
		{name: "scan attestation required and missing", input: "allowed-prod.json", params: map[string]any{"require": []any{"signature", "bom", "scan"}},
			mutation: func(in *Input) { in.Attestations = in.Attestations[:2]; in.Scan = nil },
			deny:     []string{"aibom.attestations/SCAN-ATTESTATION-REQUIRED"}},
		{name: "attestation too old", input: "allowed-prod.json", at: evalTime.AddDate(0, 6, 0), deny: []string{"aibom.freshness/ATTESTATION-TOO-OLD"}},
		{name: "attestation from the future", input: "allowed-prod.json", at: signedAt.Add(-time.Hour), deny: []string{"aibom.freshness/ATTESTATION-FROM-FUTURE"}},
		{name: "configuration errors deny", input: "allowed-prod.json", params: map[string]any{"fail_on": "never", "max_attestation_age": "a while"},
			deny: []string{"aibom.freshness/MAX-AGE-INVALID", "aibom.verdicts/FAIL-ON-INVALID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := loadExample(t, tt.input)
			if tt.mutation != nil {
				tt.mutation(in)
			}
			at := tt.at
			if at.IsZero() {
				at = evalTime
			}
			d, err := evaluator(t, tt.params).Eval(context.Background(), in, WithTime(at))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.deny, ids(d.Violations), cmpNilEmpty); diff != "" {
				t.Errorf("violations (-want +got):\n%s\n%+v", diff, d.Violations)
			}
			if diff := cmp.Diff(tt.warn, ids(d.Warnings), cmpNilEmpty); diff != "" {
				t.Errorf("warnings (-want +got):\n%s\n%+v", diff, d.Warnings)
			}
			if d.Allowed != (len(tt.deny) == 0) {
				t.Errorf("allowed = %v with %d violations", d.Allowed, len(d.Violations))
			}
		})
	}
}

var cmpNilEmpty = cmp.Transformer("nilEmpty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})

func TestViolationNamesPolicyFileAndMessage(t *testing.T) {
	t.Parallel()
	d, err := evaluator(t, nil).Eval(context.Background(), loadExample(t, "malicious-dev.json"), WithTime(evalTime))
	if err != nil {
		t.Fatal(err)
	}
	want := []Violation{{Policy: "aibom.verdicts", File: "bundle/verdicts.rego", Rule: "MALICIOUS-FILE", Message: "extra.pkl: verdict malicious"}}
	if diff := cmp.Diff(want, d.Violations); diff != "" {
		t.Error(diff)
	}
}

// TestConcurrentEval shares one evaluator between goroutines (run with -race).
func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	e := evaluator(t, nil)
	inputs := map[string]bool{"allowed-prod.json": true, "malicious-prod.json": false, "unsigned.json": false, "pii-dataset.json": false}
	var wg sync.WaitGroup
	for name, allowed := range inputs {
		in := loadExample(t, name)
		for range 4 {
			wg.Go(func() {
				for range 5 {
					d, err := e.Eval(context.Background(), in, WithTime(evalTime))
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed != allowed {
						t.Errorf("%s: allowed = %v", name, d.Allowed)
					}
				}
			})
		}
	}
	wg.Wait()
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	e := evaluator(t, nil)
	ctx := context.Background()
	if _, err := e.Eval(ctx, nil); !errors.Is(err, ErrInput) {
		t.Errorf("nil input: %v", err)
	}
	for _, bad := range []string{`[]`, `{"digest": `, `"x"`} {
		if _, err := e.EvalJSON(ctx, []byte(bad)); !errors.Is(err, ErrInput) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Eval(cancelled, loadExample(t, "allowed-prod.json")); !errors.Is(err, ErrEval) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRevision(t *testing.T) {
	t.Parallel()
	a, b := evaluator(t, nil), evaluator(t, nil)
	c := evaluator(t, map[string]any{"fail_on": "malicious"})
	if a.Revision() != b.Revision() || a.Revision() == c.Revision() {
		t.Errorf("revisions %s %s %s", a.Revision(), b.Revision(), c.Revision())
	}
}
