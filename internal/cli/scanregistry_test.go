package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/registryscan"
)

// regWithModels is an in-process registry holding n ModelPack artifacts,
// every third one with a malicious pickle.
func regWithModels(t *testing.T, n int) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	evil, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", "pickle", "malicious_p2.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		body := []byte{byte(i)}
		if i%3 == 0 {
			body = evil
		}
		files := []oci.PushFile{{Path: "model.pkl", Size: int64(len(body)), Role: oci.RoleWeights,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }}}
		img, err := oci.NewModelPack(context.Background(), files, oci.ModelConfig{})
		if err != nil {
			t.Fatal(err)
		}
		tag, err := name.NewTag(host + "/team/model-" + string(rune('a'+i)) + ":v1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oci.Push(context.Background(), oci.Registry{Keychain: authn.NewMultiKeychain()}, tag, img); err != nil {
			t.Fatal(err)
		}
	}
	return host
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func readKeys(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, _, err := registryscan.ReadResults(f)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range rs {
		keys = append(keys, r.Key())
	}
	sort.Strings(keys)
	return keys
}

// TestScanRegistryResume: a run cut short (lines missing, the last one
// torn) and restarted with the same -o ends with every artifact exactly
// once; the artifacts already there are not scanned again.
func TestScanRegistryResume(t *testing.T) {
	host := regWithModels(t, 9)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	code, stdout, stderr := runCLI(t, "scan", "registry", "-o", out, "--fail-on", "malicious", host)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (malicious models): %s %s", code, ExitFindings, stdout, stderr)
	}
	full := readKeys(t, out)
	if len(full) != 9 || !strings.Contains(stdout, "9 artifacts: 3 malicious") {
		t.Fatalf("%d results; summary:\n%s", len(full), stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	kept := strings.Join(lines[:4], "") + lines[4][:len(lines[4])/2] // 4 whole lines and a torn one
	if err := os.WriteFile(out, []byte(kept), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runCLI(t, "scan", "registry", "-o", out, "--format", "json", "--fail-on", "none", host)
	if code != ExitOK {
		t.Fatalf("resumed run: exit %d", code)
	}
	if got := readKeys(t, out); strings.Join(got, ",") != strings.Join(full, ",") {
		t.Errorf("after resume:\n%v\nwant\n%v", got, full)
	}
	var sum struct {
		Summary registryscan.Summary `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Summary.Artifacts != 9 || sum.Summary.Verdicts["malicious"] != 3 {
		t.Errorf("resumed summary %+v (%v): want all 9 artifacts counted", sum.Summary, err)
	}
	b, _ = os.ReadFile(out)
	if n := strings.Count(string(b), "\n"); n != 9 {
		t.Errorf("%d lines after resume, want 9 (the 4 kept were not rescanned)", n)
	}
}

// TestScanMergeShards: the shards' outputs merged equal the unsharded
// run, and each artifact is in one shard.
func TestScanMergeShards(t *testing.T) {
	host := regWithModels(t, 9)
	dir := t.TempDir()
	all := filepath.Join(dir, "all.jsonl")
	runCLI(t, "scan", "registry", "-o", all, "--fail-on", "none", host)
	var shards []string
	total := 0
	for i := range 3 {
		p := filepath.Join(dir, "shard-"+string(rune('0'+i))+".jsonl")
		if code, _, errs := runCLI(t, "scan", "registry", "--shard", string(rune('0'+i))+"/3", "-o", p, "--fail-on", "none", host); code != 0 {
			t.Fatalf("shard %d: exit %d %s", i, code, errs)
		}
		total += len(readKeys(t, p))
		shards = append(shards, p)
	}
	merged := filepath.Join(dir, "merged.jsonl")
	code, stdout, stderr := runCLI(t, append([]string{"scan", "merge", "-o", merged, "--format", "sarif"}, shards...)...)
	if code != ExitFindings {
		t.Fatalf("merge: exit %d %s", code, stderr)
	}
	if !strings.Contains(stdout, `"version": "2.1.0"`) || !strings.Contains(stdout, "PICKLE") {
		t.Errorf("merge SARIF:\n%s", stdout)
	}
	want := readKeys(t, all)
	if got := readKeys(t, merged); strings.Join(got, ",") != strings.Join(want, ",") || total != len(want) {
		t.Errorf("merged shards %v (%d in shards), unsharded %v", got, total, want)
	}
	if code, _, _ := runCLI(t, "scan", "registry", "--shard", "3/3", host); code != ExitError {
		t.Errorf("--shard 3/3: exit %d, want %d", code, ExitError)
	}
}
