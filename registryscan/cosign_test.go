package registryscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/oci"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// TestCosignCLISignatures: what the real cosign CLI writes (a key
// signature, a CycloneDX attestation) on the distribution registry is
// detected on its subject, and neither is scanned as an artifact.
func TestCosignCLISignatures(t *testing.T) {
	cosign := testtools.Tool(t, "AIBOM_COSIGN", "cosign-v2.6.5/cosign")
	host := testtools.StartRegistry(t)
	p := pusher{t, host}
	st := fixture(t, "safetensors/model.safetensors")
	signed := p.modelPack("m/signed:v1", map[string][]byte{"model.safetensors": st})
	attested := p.modelPack("m/attested:v1", map[string][]byte{"model.safetensors": append([]byte(nil), st...), "b.safetensors": st})
	p.modelPack("m/plain:v1", map[string][]byte{"x.safetensors": st})
	dir := t.TempDir()
	env := append(os.Environ(), "COSIGN_PASSWORD=", "HOME="+dir)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(cosign, args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("generate-key-pair")
	bom := filepath.Join(dir, "bom.json")
	if err := os.WriteFile(bom, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	run("sign", "--key", "cosign.key", "--tlog-upload=false", "--yes", host+"/m/signed@"+signed.String())
	run("attest", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--type", "cyclonedx", "--predicate", bom, host+"/m/attested@"+attested.String())
	s, err := New(oci.Registry{})
	if err != nil {
		t.Fatal(err)
	}
	got, st2 := collect(t, s, host)
	for k, want := range map[string][2]bool{"m/signed:v1": {true, false}, "m/attested:v1": {false, true}, "m/plain:v1": {false, false}} {
		r := got[k]
		if r.Signed != want[0] || r.BOMAttached != want[1] {
			t.Errorf("%s: signed %v bom %v, want %v", k, r.Signed, r.BOMAttached, want)
		}
	}
	if st2.Artifacts != 3 {
		t.Errorf("%d artifacts, want 3 (signatures are not artifacts): %v", st2.Artifacts, mustJSON(got))
	}
}
