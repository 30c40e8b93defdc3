package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPullKey: with --key, pull verifies the resolved digest first and
// refuses an unsigned artifact or one signed by another key, writing
// nothing; a signed one is written.
func TestPullKey(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "s3cret")
	priv, pub := cosignKeys(t, "s3cret")
	_, otherPub := cosignKeys(t, "x")
	tag, digest := pushOCIModel(t)
	ref := "oci://" + tag.String()
	empty := func(dir string) bool {
		ents, err := os.ReadDir(dir)
		return err != nil || len(ents) == 0
	}

	dst := filepath.Join(t.TempDir(), "unsigned")
	code, _, stderr := run(t, "pull", ref, dst, "--key", pub)
	if code != ExitFindings || !strings.Contains(stderr, "verification failed") || !empty(dst) {
		t.Fatalf("unsigned: exit %d, stderr %q, dir empty %v; want exit %d, nothing written", code, stderr, empty(dst), ExitFindings)
	}
	if code, _, errs := run(t, "sign", ref, "--key", priv); code != ExitOK {
		t.Fatalf("sign: %d %s", code, errs)
	}
	dst = filepath.Join(t.TempDir(), "other")
	if code, _, stderr := run(t, "pull", ref, dst, "--key", otherPub); code != ExitFindings || !empty(dst) {
		t.Fatalf("other key: exit %d, %q, dir empty %v", code, stderr, empty(dst))
	}
	// Signed, but --require bom: no BOM attestation, refused.
	dst = filepath.Join(t.TempDir(), "nobom")
	if code, _, stderr := run(t, "pull", ref, dst, "--key", pub, "--require", "signature,bom"); code != ExitFindings || !empty(dst) {
		t.Fatalf("--require bom without a BOM: exit %d, %q", code, stderr)
	}
	dst = filepath.Join(t.TempDir(), "signed")
	code, out, stderr := run(t, "pull", ref, dst, "--key", pub)
	if code != ExitOK || !strings.Contains(out, digest) {
		t.Fatalf("signed: exit %d, %s %s", code, out, stderr)
	}
	for _, f := range []string{"model.pkl", "model.safetensors", "config.json", "README.md"} {
		if _, err := os.Stat(filepath.Join(dst, f)); err != nil {
			t.Errorf("signed pull: %v", err)
		}
	}
	// --require without a signer is a usage error.
	if code, _, _ := run(t, "pull", ref, t.TempDir(), "--require", "signature"); code != ExitError {
		t.Errorf("--require alone: exit %d, want %d", code, ExitError)
	}
}
