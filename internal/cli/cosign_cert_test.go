package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// cosignWithPassword runs a cosign binary with an encrypted key's password,
// offline (a fresh TUF root), and returns its combined output.
func cosignWithPassword(t *testing.T, bin, pw string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+pw, "COSIGN_EXPERIMENTAL=0", "TUF_ROOT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCosignCertificateTagLayout: `cosign sign --key KEY --certificate LEAF
// --certificate-chain CHAIN` (cosign's tag layout with the certificate and
// chain annotations) read by `aibom verify` with a keyless identity. The
// leaf is issued for the cosign key by the test Fulcio CA (SAN, issuer
// extension, embedded SCT). Without a transparency-log entry it fails with
// a reason that says so; with cosign's upload to a Rekor on loopback (the
// Rekor bundle annotation) it verifies for the right identity only.
func TestCosignCertificateTagLayout(t *testing.T) {
	for _, c := range cosignCLIs {
		t.Run(c.name, func(t *testing.T) { testCosignCertificate(t, c.find(t)) })
	}
}

func testCosignCertificate(t *testing.T, c cosignCLI) {
	bin := c.bin
	// The tag layout; v3 defaults to bundles and a signing config.
	var layout []string
	if c.v3 {
		layout = []string{"--new-bundle-format=false", "--use-signing-config=false"}
	}
	host := testtools.StartRegistry(t)
	ss := testtools.NewSigstore(t)
	rekorURL := ss.Serve(t)
	rootFile := ss.WriteTrustedRoot(t)
	const who, iss, pw = "release@example.com", "https://issuer.example.com", "cert-pw"

	t.Setenv("COSIGN_PASSWORD", pw)
	priv, pubFile := cosignKeys(t, pw)
	pubPEM, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	leafPEM, err := cryptoutils.MarshalCertificateToPEM(ss.Leaf(t, pub, who, iss))
	if err != nil {
		t.Fatal(err)
	}
	leaf := writeFile(t, "leaf.pem", string(leafPEM))
	chain := writeFile(t, "chain.pem", string(ss.ChainPEM(t)))

	verifyAs := func(t *testing.T, img, id, issuer string) (int, verifyJSON, string) {
		t.Helper()
		code, out, errs := run(t, "verify", "oci://"+img, "--certificate-identity", id, "--certificate-oidc-issuer", issuer,
			"--trusted-root", rootFile, "--require", "signature", "--format", "json")
		var res verifyJSON
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("verify --format json: %v\n%s\n%s", err, out, errs)
		}
		return code, res, errs
	}

	t.Run("no log entry", func(t *testing.T) {
		pushRandom(t, host, "models/nolog")
		img := host + "/models/nolog:v1"
		if out, err := cosignWithPassword(t, bin, pw, append(append([]string{"sign", "--key", priv, "--certificate", leaf, "--certificate-chain", chain,
			"--tlog-upload=false", "--yes"}, layout...), img)...); err != nil {
			t.Fatalf("cosign sign: %v\n%s", err, out)
		}
		code, res, errs := verifyAs(t, img, who, iss)
		if code != ExitFindings || res.Verified.Signature {
			t.Fatalf("exit %d, %+v: a certificate without a log entry verified\n%s", code, res, errs)
		}
		if !containsAll(res.Problems, "no transparency-log entry", "dev.sigstore.cosign/bundle", "--tlog-upload=true") {
			t.Fatalf("the reason does not say what to do: %v", res.Problems)
		}
	})

	t.Run("with the Rekor bundle", func(t *testing.T) {
		pushRandom(t, host, "models/logged")
		img := host + "/models/logged:v1"
		before := ss.Entries()
		if out, err := cosignWithPassword(t, bin, pw, append(append([]string{"sign", "--key", priv, "--certificate", leaf, "--certificate-chain", chain,
			"--tlog-upload=true", "--rekor-url", rekorURL, "--yes"}, layout...), img)...); err != nil {
			t.Fatalf("cosign sign: %v\n%s", err, out)
		}
		if ss.Entries() != before+1 {
			t.Fatalf("cosign recorded %d entries, want 1", ss.Entries()-before)
		}
		if code, res, errs := verifyAs(t, img, who, iss); code != ExitOK || !res.Verified.Signature || len(res.Signers) != 1 || res.Signers[0] != who+" ("+iss+")" {
			t.Fatalf("right identity: exit %d %+v\n%s", code, res, errs)
		}
		for _, id := range [][2]string{{"mallory@example.com", iss}, {who, "https://evil.example.com"}} {
			code, res, _ := verifyAs(t, img, id[0], id[1])
			if code != ExitFindings || res.Verified.Signature || !containsAll(res.Problems, "keyless signature does not verify") {
				t.Fatalf("identity %v: exit %d %+v", id, code, res)
			}
		}
		// Another deployment's trusted root: neither the CA nor the log.
		code, _, _ := run(t, "verify", "oci://"+img, "--certificate-identity", who, "--certificate-oidc-issuer", iss,
			"--trusted-root", testtools.NewSigstore(t).WriteTrustedRoot(t), "--require", "signature")
		if code != ExitFindings {
			t.Fatalf("another trusted root: exit %d", code)
		}
	})
}

// containsAll reports whether one problem contains every part.
func containsAll(problems []string, parts ...string) bool {
	for _, p := range problems {
		all := true
		for _, s := range parts {
			all = all && strings.Contains(p, s)
		}
		if all {
			return true
		}
	}
	return false
}
