package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

func hexSHA256(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// fuzzFiles are the artifact's files in the fuzz checker.
var fuzzFiles = map[string]modelFile{
	"model.safetensors": {digest: hexSHA256("weights"), layer: "layer 0", raw: true},
	"config.json":       {digest: hexSHA256("{}"), layer: "layer 1"},
}

// omsStatement builds an OMS v1.0 statement over resources.
func omsStatement(t testing.TB, rs []oms.PredicateResource, ignore []string) []byte {
	t.Helper()
	var plain []oms.Resource
	for _, r := range rs {
		plain = append(plain, oms.Resource{Name: r.Name, Digest: r.Digest})
	}
	root, err := oms.RootDigest(plain)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := json.Marshal(oms.Predicate{
		Serialization: oms.Serialization{Method: oms.MethodFiles, HashType: oms.HashSHA256, IgnorePaths: ignore},
		Resources:     rs,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(oms.Statement{Type: oms.StatementV1, PredicateType: oms.PredicateV1, Predicate: pred,
		Subject: []oms.Subject{{Name: "m", Digest: map[string]string{"sha256": root}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fuzzResources() []oms.PredicateResource {
	return []oms.PredicateResource{
		{Algorithm: "sha256", Name: "config.json", Digest: hexSHA256("{}")},
		{Algorithm: "sha256", Name: "model.safetensors", Digest: hexSHA256("weights")},
	}
}

// TestModelSigningCompare: the checker's decision on statements about the
// fuzz artifact (the seeds of FuzzModelSigning).
func TestModelSigningCompare(t *testing.T) {
	good := fuzzResources()
	changed := fuzzResources()
	changed[0].Digest = hexSHA256("{ }")
	cases := []struct {
		name string
		st   []byte
		ok   bool
	}{
		{"same files", omsStatement(t, good, nil), true},
		{"changed", omsStatement(t, changed, nil), false},
		{"missing", omsStatement(t, good[:1], nil), false},
		{"ignored weights", omsStatement(t, good[:1], []string{"model.safetensors"}), true},
		{"extra signed", omsStatement(t, append(fuzzResources(), oms.PredicateResource{Algorithm: "sha256", Name: "x", Digest: hexSHA256("x")}), nil), false},
		{"not a statement", []byte(`{}`), false},
	}
	for _, tc := range cases {
		c := fuzzChecker(t)
		c.statement(context.Background(), "t", "k", tc.st)
		if c.res.Verified.ModelSigning != tc.ok {
			t.Errorf("%s: verified %v, want %v: %q", tc.name, c.res.Verified.ModelSigning, tc.ok, c.res.Problems)
		}
		if c.res.Verified.Signature || c.res.Verified.BOM || c.res.Verified.Scan {
			t.Errorf("%s: a model signature verified something else: %+v", tc.name, c.res.Verified)
		}
	}
}

// FuzzModelSigning: signed OMS statements (untrusted once the key is
// stolen, and parsed from signed bytes) never panic the checker, and only a
// statement whose files are exactly the artifact's (less its ignore paths)
// verifies.
func FuzzModelSigning(f *testing.F) {
	f.Add(omsStatement(f, fuzzResources(), nil))
	f.Add(omsStatement(f, fuzzResources()[:1], []string{"model.safetensors"}))
	f.Add(omsStatement(f, fuzzResources()[1:], nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := fuzzChecker(t)
		c.modelSigning(context.Background(), "fuzz", "k", b)
		if !c.res.Verified.ModelSigning {
			return
		}
		m, err := oms.ParseStatement(b, maxModelFiles)
		if err != nil {
			t.Fatalf("verified a statement that does not parse: %v", err)
		}
		covered := 0
		for _, r := range m.Resources {
			f, ok := fuzzFiles[r.Name]
			if !ok || !strings.EqualFold(f.digest, r.Digest) {
				t.Fatalf("verified with resource %+v", r)
			}
			covered++
		}
		for p := range fuzzFiles {
			if !ignoredPath(p, append(append([]string{}, modelSigIgnore...), m.IgnorePaths...)) {
				covered--
			}
		}
		if covered != 0 {
			t.Fatalf("verified with %d resources for the artifact's files: %q", len(m.Resources), b)
		}
	})
}
