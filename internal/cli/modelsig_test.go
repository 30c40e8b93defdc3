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
