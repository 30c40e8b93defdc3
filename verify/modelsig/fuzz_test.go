package modelsig

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/internal/omsbundle"
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

// The bundle parser (package omsbundle) states the in-toto payload type
// without importing verify: it is verify's.
func TestBundlePayloadType(t *testing.T) {
	if omsbundle.PayloadTypeInToto != verify.PayloadTypeInToto {
		t.Fatalf("%q != %q", omsbundle.PayloadTypeInToto, verify.PayloadTypeInToto)
	}
}
