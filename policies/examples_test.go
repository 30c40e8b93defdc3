package policies

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/aibom"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/report"
	"github.com/seed-43c89ce6/aibom/scanners"
)

var update = flag.Bool("update", false, "rewrite testdata/inputs from the fixtures")

// Times of the examples: attestations signed at signedAt, policies evaluated
// at evalTime (six days later).
var (
	signedAt = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	evalTime = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
)

func fingerprint(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

var releaseKey = Identity{KeyFingerprint: fingerprint("release key")}

// Model folders assembled from the repository's test data: destination in
// the folder, source under the repository root.
var (
	llama = map[string]string{
		"README.md":         "aibom/modelcard/testdata/llama3-README.md",
		"config.json":       "aibom/modelcard/testdata/llama3-config.json",
		"model-q8_0.gguf":   "testdata/models/gguf/benign.gguf",
		"model.safetensors": "testdata/models/safetensors/model.safetensors",
	}
	withPickle  = with(llama, map[string]string{"extra.pkl": "testdata/models/bypass/cve-2025-1716_pip_main.pkl"})
	withPII     = with(llama, map[string]string{"finetune-data/README.md": "testdata/datasets/pii/README.md", "finetune-data/data/train.csv": "testdata/datasets/pii/data/train.csv", "finetune-data/data/test.jsonl": "testdata/datasets/pii/data/test.jsonl"})
	bareWeights = map[string]string{"model.safetensors": "testdata/models/safetensors/model.safetensors", "pytorch_model.bin": "testdata/models/bypass/cve-2025-10155_pytorch_model.bin"}
)

func with(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// generate makes the BOM and the scan report of the model folder built from
// files, with the aibom library, as aibom generate and aibom scan would.
func generate(t testing.TB, name string, files map[string]string) (bom, scan []byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	for dst, src := range files {
		b, err := os.ReadFile(filepath.Join("..", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, dst)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	src, err := source.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := aibom.Generate(ctx, src, aibom.WithTime(signedAt), aibom.WithSerialNumber("urn:uuid:00000000-0000-4000-8000-000000000000"), aibom.WithToolVersion("test"))
	if err != nil {
		t.Fatal(err)
	}
	var bb, sb bytes.Buffer
	v, _ := aibom.ParseSpecVersion("1.6")
	if err := aibom.Encode(&bb, res.BOM, aibom.CycloneDXJSON, v); err != nil {
		t.Fatal(err)
	}
	rep := &scanners.Report{Files: res.Files}
	rep.Summarize()
	if err := report.WriteJSON(&sb, rep); err != nil {
		t.Fatal(err)
	}
	return bb.Bytes(), sb.Bytes()
}

// signedInput is the input the verifier would produce for a model signed
// and attested (BOM and scan report) with the release key.
func signedInput(bom, scan []byte, namespace string) *Input {
	at := signedAt
	att := func(kind, pt string) Attestation {
		return Attestation{Kind: kind, PredicateType: pt, Signer: &releaseKey, Valid: true, SignedAt: &at, TimeSource: "payload", Layout: "tag"}
	}
	in := &Input{
		Reference: "registry.example/models/llama3:v1",
		Digest:    fingerprint("manifest"),
		Signers:   []Identity{releaseKey},
		Attestations: []Attestation{
			att(KindSignature, ""),
			att(KindBOM, "https://cyclonedx.org/bom"),
			att(KindScan, "https://github.com/seed-43c89ce6/aibom/scan/v1"),
		},
		BOM:  bom,
		Scan: scan,
	}
	if namespace != "" {
		in.Context = &Context{Namespace: namespace, Kind: "Pod", Name: "inference-0", Operation: "CREATE",
			Image: in.Reference, Path: "spec.containers[0].image"}
	}
	return in
}

// examples are the committed inputs under testdata/inputs, rebuilt from the
// fixtures with -update.
func examples(t testing.TB) map[string]*Input {
	t.Helper()
	llamaBOM, llamaScan := generate(t, "Llama-3-8B-Instruct", llama)
	pickleBOM, pickleScan := generate(t, "Llama-3-8B-Instruct", withPickle)
	piiBOM, piiScan := generate(t, "Llama-3-8B-Instruct", withPII)
	bareBOM, bareScan := generate(t, "bare", bareWeights)
	unsigned := signedInput(llamaBOM, llamaScan, "prod")
	unsigned.Signers, unsigned.Attestations, unsigned.BOM, unsigned.Scan = nil, nil, nil, nil
	forged := signedInput(llamaBOM, llamaScan, "prod")
	forged.Signers = nil
	forged.Attestations[0] = Attestation{Kind: KindSignature, Valid: false, Problem: "signature does not verify with the release key", Layout: "tag"}
	forged.Attestations[1].Valid, forged.Attestations[1].Signer = false, nil
	forged.Attestations[1].Problem = "statement subject is sha256:1111111111111111111111111111111111111111111111111111111111111111, not the digest"
	return map[string]*Input{
		"allowed-prod.json":        signedInput(llamaBOM, llamaScan, "prod"),
		"allowed-cli.json":         signedInput(llamaBOM, llamaScan, ""),
		"malicious-prod.json":      signedInput(pickleBOM, pickleScan, "prod"),
		"malicious-dev.json":       signedInput(pickleBOM, pickleScan, "dev"),
		"pii-dataset.json":         signedInput(piiBOM, piiScan, "research"),
		"bare-weights.json":        signedInput(bareBOM, bareScan, "prod"),
		"unsigned.json":            unsigned,
		"forged-attestations.json": forged,
	}
}

func marshalInput(t testing.TB, in *Input) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		t.Fatal(err)
	}
	// Re-indent the embedded BOM and scan report with the rest.
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestExamples checks that testdata/inputs holds what the fixtures produce
// today (go test ./policies -run TestExamples -update rewrites them).
func TestExamples(t *testing.T) {
	for name, in := range examples(t) {
		p := filepath.Join("testdata", "inputs", name)
		want := marshalInput(t, in)
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the fixtures produce; rerun with -update", p)
		}
	}
}
