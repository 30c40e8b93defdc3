package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAttestGenerated: attest without --bom/--scan generates both from the
// artifact at its resolved digest, and they verify against that digest.
func TestAttestGenerated(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "s3cret")
	priv, pub := cosignKeys(t, "s3cret")
	tag, digest := pushOCIModel(t)
	ref := "oci://" + tag.String()
	code, out, stderr := run(t, "attest", ref, "--key", priv)
	if code != ExitOK || strings.Count(out, "Attested") != 2 || !strings.Contains(out, digest) {
		t.Fatalf("attest: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = run(t, "verify", ref, "--key", pub, "--require", "bom,scan", "--format", "json")
	if code != ExitOK {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	var got struct {
		Digest string `json:"digest"`
		BOM    struct {
			Subject    string `json:"subject"`
			Components int    `json:"components"`
		} `json:"bom"`
		Scan struct {
			Files int    `json:"files"`
			Worst string `json:"worst"`
		} `json:"scan"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// The model holds a malicious pickle: the signed scan report says so.
	if got.Digest != digest || got.Scan.Files != 4 || got.Scan.Worst != "malicious" ||
		!strings.HasPrefix(got.BOM.Subject, "tiny") || got.BOM.Components < 4 {
		t.Errorf("verified evidence: %+v\n%s", got, out)
	}
}
