package oms

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
)

func seedStatement(t testing.TB) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte("w"))
	rs := []PredicateResource{{Algorithm: HashSHA256, Name: "a/w.bin", Digest: hex.EncodeToString(sum[:])}}
	root, err := RootDigest([]Resource{{Name: rs[0].Name, Digest: rs[0].Digest}})
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := json.Marshal(Predicate{Serialization: Serialization{Method: MethodFiles, HashType: HashSHA256, IgnorePaths: []string{".git"}}, Resources: rs})
	b, _ := json.Marshal(Statement{Type: StatementV1, PredicateType: PredicateV1, Predicate: pred,
		Subject: []Subject{{Name: "m", Digest: map[string]string{HashSHA256: root}}}})
	return b
}

// FuzzParseStatement: signed statements never panic the parser, and an
// accepted v1.0 statement's subject is the root digest of its resources,
// whose names are clean, relative and unique.
func FuzzParseStatement(f *testing.F) {
	f.Add(seedStatement(f))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"f","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/Digests/v0.1","predicate":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseStatement(b, 1000)
		if err != nil {
			return
		}
		if err := CheckResources(m.Resources); err != nil && m.ShardSize == 0 {
			t.Fatalf("accepted resources that do not check: %v", err)
		}
		if m.PredicateType != PredicateV1 {
			return
		}
		var st Statement
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("accepted, but not JSON: %v", err)
		}
		root, err := RootDigest(m.Resources)
		if err != nil || st.Subject[0].Digest[HashSHA256] != root {
			t.Fatalf("subject %v, resources' root %s (%v)", st.Subject, root, err)
		}
	})
}
