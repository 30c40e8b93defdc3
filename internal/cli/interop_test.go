package cli

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// cosignRun runs a cosign binary offline and returns its combined output.
func cosignRun(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=", "COSIGN_EXPERIMENTAL=0", "TUF_ROOT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// emptyTrustedRoot lets cosign verify key-signed bundles offline.
func emptyTrustedRoot(t *testing.T) string {
	return writeFile(t, "trusted_root.json", `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)
}

type cosignCLI struct {
	name, env, cached string
	v3                bool
	bin               string
}

var cosignCLIs = []cosignCLI{
	{name: "v2.6.5", env: "AIBOM_COSIGN", cached: "cosign-v2.6.5/cosign"},
	{name: "v3.1.3", env: "AIBOM_COSIGN_V3", cached: "cosign-v3.1.3/cosign", v3: true},
}

// find looks the binary up (skipping or failing the test when missing).
func (c cosignCLI) find(t *testing.T) cosignCLI {
	c.bin = testtools.Tool(t, c.env, c.cached)
	return c
}

// verifyArgs are cosign's offline verification flags for a layout.
func (c cosignCLI) verifyArgs(t *testing.T, bundles bool) []string {
	args := []string{"--insecure-ignore-tlog"}
	if bundles {
		args = append(args, "--new-bundle-format", "--trusted-root", emptyTrustedRoot(t))
	} else if c.v3 {
		args = append(args, "--new-bundle-format=false")
	}
	return args
}

// signArgs are cosign's offline signing flags for a layout.
func (c cosignCLI) signArgs(bundles bool) []string {
	args := []string{"--tlog-upload=false", "--yes"}
	switch {
	case bundles && !c.v3:
		args = append(args, "--new-bundle-format")
	case !bundles && c.v3:
		args = append(args, "--new-bundle-format=false", "--use-signing-config=false")
	case bundles && c.v3:
		args = append(args, "--use-signing-config=false")
	}
	return args
}

// TestInteropAibomToCosign: what aibom signs and attests, in both layouts,
// passes `cosign verify` and `cosign verify-attestation --type cyclonedx`.
func TestInteropAibomToCosign(t *testing.T) {
	host := testtools.StartRegistry(t)
	t.Setenv("COSIGN_PASSWORD", "")
	priv, pub := cosignKeys(t, "")
	bom := writeFile(t, "bom.json", cliBOM)
	for _, c := range cosignCLIs {
		for _, layout := range []string{"tags", "referrers"} {
			t.Run(c.name+"/"+layout, func(t *testing.T) {
				c := c.find(t)
				d := pushRandom(t, host, "a2c/"+strings.ReplaceAll(c.name, ".", "-")+"-"+layout)
				if code, _, errs := run(t, "sign", "oci://"+d.String(), "--key", priv, "--layout", layout); code != ExitOK {
					t.Fatalf("aibom sign: %s", errs)
				}
				if code, _, errs := run(t, "attest", "oci://"+d.String(), "--key", priv, "--bom", bom, "--layout", layout); code != ExitOK {
					t.Fatalf("aibom attest: %s", errs)
				}
				va := c.verifyArgs(t, layout == "referrers")
				if out, err := cosignRun(t, c.bin, append([]string{"verify", "--key", pub, d.String()}, va...)...); err != nil {
					t.Errorf("cosign %s verify: %v\n%s", c.name, err, out)
				}
				if out, err := cosignRun(t, c.bin, append([]string{"verify-attestation", "--type", "cyclonedx", "--key", pub, d.String()}, va...)...); err != nil {
					t.Errorf("cosign %s verify-attestation: %v\n%s", c.name, err, out)
				}
			})
		}
	}
}

// TestInteropCosignToAibom: what `cosign sign` and `cosign attest` write, in
// both layouts, passes `aibom verify`; the wrong key does not.
func TestInteropCosignToAibom(t *testing.T) {
	host := testtools.StartRegistry(t)
	priv, pub := cosignKeys(t, "")
	_, otherPub := cosignKeys(t, "")
	bom := writeFile(t, "bom.json", cliBOM)
	for _, c := range cosignCLIs {
		for _, layout := range []string{"tags", "referrers"} {
			t.Run(c.name+"/"+layout, func(t *testing.T) {
				c := c.find(t)
				d := pushRandom(t, host, "c2a/"+strings.ReplaceAll(c.name, ".", "-")+"-"+layout)
				sa := c.signArgs(layout == "referrers")
				if out, err := cosignRun(t, c.bin, append([]string{"sign", "--key", priv, d.String()}, sa...)...); err != nil {
					t.Fatalf("cosign sign: %v\n%s", err, out)
				}
				if out, err := cosignRun(t, c.bin, append([]string{"attest", "--key", priv, "--type", "cyclonedx", "--predicate", bom, d.String()}, sa...)...); err != nil {
					t.Fatalf("cosign attest: %v\n%s", err, out)
				}
				code, out, errs := run(t, "verify", "oci://"+d.String(), "--key", pub, "--format", "json")
				if code != ExitOK || !strings.Contains(out, `"signature": true`) || !strings.Contains(out, `"bom": true`) {
					t.Fatalf("aibom verify: exit %d\n%s%s", code, out, errs)
				}
				if code, out, _ := run(t, "verify", "oci://"+d.String(), "--key", otherPub); code != ExitFindings {
					t.Fatalf("wrong key: exit %d\n%s", code, out)
				}
			})
		}
	}
}

// TestInteropAttestOnlyIsNotSigned: cosign attests without signing; aibom
// verify --require signature fails (cosign's CLI, with bundles, passes
// `verify` here).
func TestInteropAttestOnlyIsNotSigned(t *testing.T) {
	host := testtools.StartRegistry(t)
	priv, pub := cosignKeys(t, "")
	bom := writeFile(t, "bom.json", cliBOM)
	for _, c := range cosignCLIs {
		t.Run(c.name, func(t *testing.T) {
			c := c.find(t)
			d := pushRandom(t, host, "attest-only/"+strings.ReplaceAll(c.name, ".", "-"))
			if out, err := cosignRun(t, c.bin, append([]string{"attest", "--key", priv, "--type", "cyclonedx", "--predicate", bom, d.String()}, c.signArgs(true)...)...); err != nil {
				t.Fatalf("cosign attest: %v\n%s", err, out)
			}
			code, out, _ := run(t, "verify", "oci://"+d.String(), "--key", pub, "--require", "signature", "--format", "json")
			if code != ExitFindings || !strings.Contains(out, `"signature": false`) {
				t.Fatalf("an attestation passed as a signature: exit %d\n%s", code, out)
			}
			// The attestation itself verifies.
			if code, out, _ := run(t, "verify", "oci://"+d.String(), "--key", pub, "--require", "bom"); code != ExitOK {
				t.Fatalf("attestation: exit %d\n%s", code, out)
			}
		})
	}
}
