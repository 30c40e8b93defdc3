package modelsig

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// signedStatement decodes the statement of a vector without verifying it.
func signedStatement(t *testing.T, sigPath string) statement {
	t.Helper()
	raw, err := os.ReadFile(sigPath)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(b.DSSE.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var st statement
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestInteropSubjectDigest recomputes, with aibom's own walking and hashing,
// the subject digest of every vector's model and compares it with what the
// reference signed (for 0.2's per-file subjects: every file digest).
func TestInteropSubjectDigest(t *testing.T) {
	dir := interop(t)
	for _, v := range append(vectors, vector{name: "v0.3.1-sigstore"}, vector{name: "v1.0.0-sigstore"}, vector{name: "v1.1.0-sigstore"}) {
		t.Run(v.name, func(t *testing.T) {
			folder := filepath.Join(dir, v.name)
			st := signedStatement(t, filepath.Join(folder, "model.sig"))
			model := folder
			if v.model != "" {
				model = filepath.Join(folder, v.model)
			}
			ignore := append([]string{DefaultSignatureName}, defaultIgnore...)
			if _, err := os.Stat(filepath.Join(folder, "ignore-me")); err == nil {
				ignore = append(ignore, "ignore-me")
			}
			files, err := listFiles(model, walkOptions{ignore: ignorePaths(model, ignore), maxFiles: 100})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := hashFiles(context.Background(), model, files)
			if err != nil {
				t.Fatal(err)
			}
			if st.PredicateType == PredicateDigestsV01 {
				if len(st.Subject) != len(rs) {
					t.Fatalf("%d subjects, %d files", len(st.Subject), len(rs))
				}
				for i, r := range rs {
					if st.Subject[i].Name != r.Name || st.Subject[i].Digest["sha256"] != r.Digest {
						t.Fatalf("subject %d: %+v, computed %+v", i, st.Subject[i], r)
					}
				}
				return
			}
			got, err := rootDigest(rs)
			if err != nil {
				t.Fatal(err)
			}
			if want := st.Subject[0].Digest["sha256"]; got != want {
				t.Fatalf("computed subject sha256:%s, the reference signed sha256:%s", got, want)
			}
			if st.Subject[0].Name != filepath.Base(model) {
				t.Fatalf("subject name %q, want %q", st.Subject[0].Name, filepath.Base(model))
			}
		})
	}
}
