package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// `aibom verify --policy` evaluates the policies over the verified facts,
// as the webhook does: a violation is exit 1 and is printed with its policy
// and rule; keys are known to the policies by their fingerprints.
func TestVerifyPolicy(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "pw")
	priv, pub := cosignKeys(t, "pw")
	host := testtools.InProcessRegistry(t, false)
	pushRandom(t, host, "models/m")
	ref := "oci://" + host + "/models/m:v1"
	bom := writeFile(t, "bom.json", cliBOM)
	for _, args := range [][]string{{"sign", ref, "--key", priv}, {"attest", ref, "--key", priv, "--bom", bom}} {
		if code, _, errs := run(t, args...); code != ExitOK {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
	}
	deny := writeFile(t, "deny.rego", `package custom

deny contains {"rule": "NEED-V3", "msg": sprintf("model version %s is not 3", [input.bom.metadata.component.version])} if {
	input.bom.metadata.component.version != "3"
}

deny contains {"rule": "KEY", "msg": "not signed by a key"} if {
	not startswith(input.signers[0].keyFingerprint, "sha256:")
}
`)
	allow := writeFile(t, "allow.rego", `package custom

deny contains "unsigned" if count(input.signers) == 0
`)
	code, out, errs := run(t, "verify", ref, "--key", pub, "--policy", deny)
	if code != ExitFindings || !strings.Contains(out, "custom") || !strings.Contains(out, "NEED-V3") || !strings.Contains(out, "model version 2 is not 3") || strings.Contains(out, "KEY") {
		t.Errorf("a violating policy: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, "verify", ref, "--key", pub, "--policy", allow, "--format", "json")
	var got struct {
		Verified struct{ Signature, BOM bool }
		Policy   *struct {
			Allowed    bool
			Violations []any
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != ExitOK || got.Policy == nil || !got.Policy.Allowed || !got.Verified.Signature {
		t.Errorf("a satisfied policy: exit %d %+v\n%s%s", code, got, out, errs)
	}
	if code, _, errs := run(t, "verify", ref, "--key", pub, "--policy", writeFile(t, "bad.rego", "package x\ndeny contains")); code != ExitError || errs == "" {
		t.Errorf("a policy that does not compile: exit %d %s", code, errs)
	}
}
