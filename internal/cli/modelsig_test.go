package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

// omsKeys finds the reference's test keys of the OMS interop vectors.
func omsKeys(t *testing.T) string {
	t.Helper()
	d, _ := filepath.Abs(".")
	for range 6 {
		p := filepath.Join(d, "shared", "interop", "oms", "keys", "certificate")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		d = filepath.Dir(d)
	}
	if os.Getenv("CI") != "" {
		t.Fatal("OMS interop vectors not found")
	}
	t.Skip("OMS interop vectors not found")
	return ""
}

func TestSignVerifyModelDirCLI(t *testing.T) {
	keys := omsKeys(t)
	model := t.TempDir()
	put(t, filepath.Join(model, "weights.bin"), "weights")
	put(t, filepath.Join(model, "config.json"), "{}")
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := run("sign", model, "--key", filepath.Join(keys, "signing-key.pem")); code != 0 {
		t.Fatalf("sign: %d %s", code, out)
	}
	code, out := run("verify", model, "--key", filepath.Join(keys, "signing-key-pub.pem"), "--format", "json")
	var res modelsig.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.Verified || res.Files != 2 {
		t.Fatalf("verify: %d %s", code, out)
	}
	put(t, filepath.Join(model, "extra.txt"), "x")
	code, out = run("verify", model, "--key", filepath.Join(keys, "signing-key-pub.pem"), "--format", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.Verified || len(res.Problems) != 1 {
		t.Fatalf("verify after adding a file: %d %s", code, out)
	}
	if code, out := run("verify", model, "--key", filepath.Join(keys, "signing-key-pub.pem"), "--ignore-paths", "extra.txt"); code != 0 {
		t.Fatalf("verify ignoring the file: %d %s", code, out)
	}
	if code, out := run("sign", model, "--key", filepath.Join(keys, "signing-key.pem"), "--shard-size", "3", "--ignore-paths", "extra.txt"); code != 0 {
		t.Fatalf("sign with shards: %d %s", code, out)
	}
	code, out = run("verify", model, "--key", filepath.Join(keys, "signing-key-pub.pem"), "--format", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Files != 4 {
		t.Fatalf("verify shards: %d %s", code, out)
	}
	if code, out := run("verify", model); code != 2 {
		t.Fatalf("no trust: %d %s", code, out)
	}
	if code, out := run("verify", model, "--certificate-chain", filepath.Join(keys, "ca-cert.pem")); code != 1 {
		t.Fatalf("a key signature with a CA: %d %s", code, out)
	}
}

func put(t *testing.T, p, body string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGenerateModelSignatureKey: generate records a model.sig's status and
// signer: present and not verified without a key, verified with the right
// --model-signature-key, not verified (with a problem on stderr) after a
// file changed.
func TestGenerateModelSignatureKey(t *testing.T) {
	keys := omsKeys(t)
	model := t.TempDir()
	put(t, filepath.Join(model, "weights.bin"), "weights")
	put(t, filepath.Join(model, "config.json"), `{"model_type": "llama"}`)
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := run("sign", model, "--key", filepath.Join(keys, "signing-key.pem")); code != 0 {
		t.Fatalf("sign: %d %s %s", code, out, errs)
	}
	status := func(args ...string) (string, string) {
		t.Helper()
		code, out, errs := run(append([]string{"generate", model}, args...)...)
		if code != 0 {
			t.Fatalf("generate %v: %d %s", args, code, errs)
		}
		var bom struct {
			Metadata struct {
				Component struct {
					Properties []struct{ Name, Value string }
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &bom); err != nil {
			t.Fatal(err)
		}
		for _, p := range bom.Metadata.Component.Properties {
			if p.Name == "aibom:model-signature:status" {
				return p.Value, errs
			}
		}
		t.Fatalf("generate %v: no model-signature status on the model", args)
		return "", ""
	}
	if s, _ := status(); s != "present, not verified" {
		t.Errorf("without a key: %q", s)
	}
	if s, _ := status("--model-signature-key", filepath.Join(keys, "signing-key-pub.pem")); s != "verified" {
		t.Errorf("with the key: %q", s)
	}
	put(t, filepath.Join(model, "weights.bin"), "changed")
	if s, errs := status("--model-signature-key", filepath.Join(keys, "signing-key-pub.pem")); s != "not verified" || errs == "" {
		t.Errorf("after a change: %q, stderr %q", s, errs)
	}
	if code, _, _ := run("generate", model, "--model-signature-key", filepath.Join(model, "no-such-key.pem")); code != 2 {
		t.Errorf("a missing key file: exit %d, want 2", code)
	}
}
