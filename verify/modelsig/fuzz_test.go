package modelsig

import (
	"os"
	"path/filepath"
	"testing"
)

// seedSignatures adds every interop vector's model.sig (when the vectors are
// there) and a minimal statement.
func seedSignatures(f *testing.F, payloads bool) {
	dir := os.Getenv("AIBOM_OMS_INTEROP")
	if dir == "" {
		dir = interopDir()
	}
	sigs, _ := filepath.Glob(filepath.Join(dir, "*", "model.sig"))
	for _, p := range sigs {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if !payloads {
			f.Add(b)
			continue
		}
		if _, env, err := parseBundle(b); err == nil {
			f.Add(env.GetPayload())
		}
	}
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{}}`))
	f.Add([]byte(`{"a":1,"a":2}`))
}

// FuzzParseBundle: no panic; an accepted bundle has one DSSE signature over an
// in-toto payload.
func FuzzParseBundle(f *testing.F) {
	seedSignatures(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, env, err := parseBundle(b)
		if err != nil {
			return
		}
		if len(env.GetSignatures()) != 1 || env.GetPayloadType() != "application/vnd.in-toto+json" {
			t.Fatalf("accepted %+v", env)
		}
		_ = legacyPAE(env.GetPayloadType(), env.GetPayload())
	})
}

// FuzzParseStatement: no panic; an accepted statement has a non-empty
// manifest of unique clean names whose root digest (v1.0) is the subject's.
func FuzzParseStatement(f *testing.F) {
	seedSignatures(f, true)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseStatement(b, Limits{MaxSignatureBytes: 1 << 20, MaxFiles: 1000, MaxCertificates: 4})
		if err != nil {
			return
		}
		if err := checkResources(m.Resources); err != nil {
			t.Fatalf("accepted a bad manifest: %v", err)
		}
		if m.PredicateType == PredicateV1 {
			var st statement
			if err := strictUnmarshal(b, &st); err != nil {
				t.Fatal(err)
			}
			root, err := rootDigest(m.Resources)
			if err != nil || st.Subject[0].Digest["sha256"] != root {
				t.Fatalf("subject %v, root %s (%v)", st.Subject, root, err)
			}
		}
	})
}
