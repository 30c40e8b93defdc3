package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/bomschema"
	"github.com/seed-43c89ce6/aibom/internal/spdxschema"
)

func TestGenerateReproducibleAndAtomic(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := fixtureDir(t, map[string]string{"model/weights.bin": malicious, "model/config.json": `{"model_type":"bert"}`})
	src := filepath.Join(dir, "model")
	args := []string{"generate", "--serial-number", "urn:uuid:00000000-0000-4000-8000-000000000000", src}
	code, a, stderr := run(t, args...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, b, _ := run(t, args...)
	if a != b {
		t.Error("two runs with SOURCE_DATE_EPOCH and a serial number differ")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(a), &doc); err != nil {
		t.Fatal(err)
	}
	if err := bomschema.Validate([]byte(a), "1.6"); err != nil {
		t.Errorf("the BOM is not valid CycloneDX 1.6: %v", err)
	}
	if doc["specVersion"] != "1.6" || !strings.Contains(a, `"timestamp": "2023-11-14T22:13:20Z"`) {
		t.Errorf("spec %v, timestamp missing in %s", doc["specVersion"], a[:300])
	}
	out := filepath.Join(t.TempDir(), "bom.xml")
	if code, _, stderr := run(t, "generate", "-f", "cyclonedx-xml", "--spec-version", "1.7", "-o", out, src); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if x, err := os.ReadFile(out); err != nil || !bytes.Contains(x, []byte("http://cyclonedx.org/schema/bom/1.7")) {
		t.Errorf("XML 1.7 output: %v %.200s", err, x)
	}
	// SPDX 3.0.1, reproducible too, and valid against the SPDX schema.
	spdxArgs := []string{"generate", "-f", "spdx-json", "--serial-number", "urn:uuid:00000000-0000-4000-8000-000000000000", src}
	code, s1, stderr := run(t, spdxArgs...)
	if code != ExitOK {
		t.Fatalf("spdx-json: exit %d: %s", code, stderr)
	}
	if _, s2, _ := run(t, spdxArgs...); s1 != s2 {
		t.Error("two SPDX runs differ")
	}
	if err := spdxschema.Validate([]byte(s1)); err != nil {
		t.Errorf("SPDX output: %v", err)
	}
	if !strings.Contains(s1, `"created": "2023-11-14T22:13:20Z"`) || !strings.Contains(s1, `"type": "ai_AIPackage"`) {
		t.Errorf("SPDX output: %.300s", s1)
	}
	for _, bad := range [][]string{
		{"generate", "--spec-version", "1.4", src},
		{"generate", "-f", "spdx", src},
		{"generate", filepath.Join(dir, "missing")},
		{"generate"},
	} {
		if code, _, _ := run(t, bad...); code != ExitError {
			t.Errorf("aibom %s: exit %d, want %d", strings.Join(bad, " "), code, ExitError)
		}
	}
}

func TestGenerateStrict(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"m/a.bin": clean})
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "m", "dangling")); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "generate", filepath.Join(dir, "m"))
	if code != ExitOK || !strings.Contains(stderr, "dangling") || !json.Valid([]byte(out)) {
		t.Errorf("lenient: exit %d, stderr %q", code, stderr)
	}
	bom := filepath.Join(dir, "bom.json")
	code, _, stderr = run(t, "generate", "--strict", "-o", bom, filepath.Join(dir, "m"))
	if code != ExitError || !strings.Contains(stderr, "strict") {
		t.Errorf("strict: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(bom); !os.IsNotExist(err) {
		t.Error("--strict failure left a BOM behind")
	}
}

func TestBOMDiff(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"m/model.bin": clean})
	a := filepath.Join(dir, "a.json")
	b := filepath.Join(dir, "b.xml")
	if code, _, stderr := run(t, "generate", "-o", a, filepath.Join(dir, "m")); code != ExitOK {
		t.Fatal(stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "m", "model.bin"), []byte(malicious), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "generate", "-f", "cyclonedx-xml", "-o", b, filepath.Join(dir, "m")); code != ExitOK {
		t.Fatal(stderr)
	}
	code, out, _ := run(t, "bom", "diff", "--exit-code", a, b)
	if code != ExitFindings || !strings.Contains(out, "~ weights") || !strings.Contains(out, "+ finding") {
		t.Errorf("exit %d, output %q", code, out)
	}
	if code, out, _ := run(t, "bom", "diff", "--exit-code", a, a); code != ExitOK || !strings.Contains(out, "no changes") {
		t.Errorf("same BOM: exit %d, %q", code, out)
	}
	if code, _, stderr := run(t, "bom", "diff", a, filepath.Join(dir, "m", "model.bin")); code != ExitError || !strings.Contains(stderr, "not a CycloneDX BOM") {
		t.Errorf("not a BOM: exit %d, %q", code, stderr)
	}
}
