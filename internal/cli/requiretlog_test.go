package cli

import (
	"encoding/json"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// TestRequireTlogCLI: `aibom verify --key PUB --require-tlog --trusted-root
// FILE` passes for key signatures recorded in a Rekor of the trusted root,
// as `aibom sign|attest --tlog-upload` (Sigstore bundles as referrers) and
// cosign (the tag layout's Rekor bundle annotation, and v2.6.5's bundles)
// write them, and fails for the same signatures when another log is
// trusted, and for signatures that were not logged.
func TestRequireTlogCLI(t *testing.T) {
	ss := testtools.NewSigstore(t)
	rekorURL := ss.Serve(t)
	rootFile := ss.WriteTrustedRoot(t)
	otherRoot := testtools.NewSigstore(t).WriteTrustedRoot(t)
	host := testtools.StartRegistry(t)
	const pw = "tlog-pw"
	t.Setenv("COSIGN_PASSWORD", pw)
	priv, pub := cosignKeys(t, pw)
	bom := writeFile(t, "bom.json", cliBOM)

	verifyTlog := func(t *testing.T, img, root, require string) (int, verifyJSON) {
		t.Helper()
		code, out, errs := run(t, "verify", "oci://"+img, "--key", pub, "--require-tlog", "--trusted-root", root,
			"--require", require, "--format", "json")
		var res verifyJSON
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("verify --format json: %v\n%s\n%s", err, out, errs)
		}
		return code, res
	}
	const noEntry = "no trusted key signature with a verified transparency-log entry"

	t.Run("aibom --tlog-upload", func(t *testing.T) {
		pushRandom(t, host, "models/aibom")
		img := host + "/models/aibom:v1"
		for _, verb := range [][]string{{"sign"}, {"attest", "--bom", bom}} {
			args := append(append([]string{verb[0], "oci://" + img}, verb[1:]...), "--key", priv, "--tlog-upload", "--rekor-url", rekorURL)
			if code, _, errs := run(t, args...); code != ExitOK {
				t.Fatalf("%v: exit %d: %s", verb, code, errs)
			}
		}
		if code, res := verifyTlog(t, img, rootFile, "signature,bom"); code != ExitOK || len(res.Problems) != 0 {
			t.Fatalf("exit %d: %+v", code, res)
		}
		if code, res := verifyTlog(t, img, otherRoot, "signature,bom"); code != ExitFindings || res.Verified.Signature || res.Verified.BOM || !containsAll(res.Problems, noEntry) {
			t.Fatalf("another log trusted: exit %d: %+v", code, res)
		}
	})

	t.Run("aibom without the log", func(t *testing.T) {
		pushRandom(t, host, "models/unlogged")
		img := host + "/models/unlogged:v1"
		if code, _, errs := run(t, "sign", "oci://"+img, "--key", priv, "--layout", "referrers"); code != ExitOK {
			t.Fatal(errs)
		}
		if code, res := verifyTlog(t, img, rootFile, "signature"); code != ExitFindings || res.Verified.Signature || !containsAll(res.Problems, noEntry) {
			t.Fatalf("exit %d: %+v", code, res)
		}
		// Without --require-tlog the same signature verifies offline.
		if code, _, errs := run(t, "verify", "oci://"+img, "--key", pub, "--require", "signature"); code != ExitOK {
			t.Fatalf("offline: exit %d: %s", code, errs)
		}
	})

	c := cosignCLIs[0].find(t) // v2.6.5
	for _, layout := range []struct {
		name, repo string
		flags      []string
	}{
		{"cosign tag layout", "models/cosign-tags", nil},
		{"cosign bundle", "models/cosign-bundle", []string{"--new-bundle-format"}},
	} {
		t.Run(layout.name, func(t *testing.T) {
			repo := layout.repo
			pushRandom(t, host, repo)
			img := host + "/" + repo + ":v1"
			args := append(append([]string{"sign", "--key", priv, "--tlog-upload=true", "--rekor-url", rekorURL, "--yes"}, layout.flags...), img)
			if out, err := cosignWithPassword(t, c.bin, pw, args...); err != nil {
				t.Fatalf("cosign sign: %v\n%s", err, out)
			}
			if code, res := verifyTlog(t, img, rootFile, "signature"); code != ExitOK || !res.Verified.Signature {
				t.Fatalf("exit %d: %+v", code, res)
			}
			if code, res := verifyTlog(t, img, otherRoot, "signature"); code != ExitFindings || res.Verified.Signature || !containsAll(res.Problems, noEntry) {
				t.Fatalf("another log trusted: exit %d: %+v", code, res)
			}
		})
	}
}
