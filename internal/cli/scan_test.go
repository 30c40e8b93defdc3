package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func fixtureDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	malicious = "\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."
	clean     = "\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s."
	unknown   = "\x80\x02c__main__\nNet\n)\x81."
)

func TestExitCodes(t *testing.T) {
	t.Parallel()
	mal := fixtureDir(t, map[string]string{"a.pkl": clean, "sub/config.json": malicious})
	cln := fixtureDir(t, map[string]string{"a.pkl": clean, "README.md": "# hi\n"})
	sus := fixtureDir(t, map[string]string{"a.pkl": unknown})
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"scan", cln}, ExitOK},
		{[]string{"scan", mal}, ExitFindings},
		{[]string{"scan", sus}, ExitFindings},
		{[]string{"scan", "--fail-on", "malicious", sus}, ExitOK},
		{[]string{"scan", "--fail-on", "malicious", mal}, ExitFindings},
		{[]string{"scan", "--fail-on", "none", mal}, ExitOK},
		{[]string{"scan", "--fail-on", "unscanned", cln}, ExitFindings},
		{[]string{"scan", "--fail-on", "bogus", cln}, ExitError},
		{[]string{"scan", "--format", "yaml", cln}, ExitError},
		{[]string{"scan"}, ExitError},
		{[]string{"scan", filepath.Join(cln, "missing")}, ExitError},
		{[]string{"scan", "--no-such-flag", cln}, ExitError},
	}
	for _, tc := range tests {
		code, _, stderr := run(t, tc.args...)
		if code != tc.code {
			t.Errorf("aibom %s: exit %d, want %d (stderr %q)", strings.Join(tc.args, " "), code, tc.code, stderr)
		}
	}
}

// TestJSONContract checks the field names and meanings of `scan --format
// json`, which other tools rely on.
func TestJSONContract(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"sub/config.json": malicious, "a.pkl": clean})
	code, out, _ := run(t, "scan", "--format", "json", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Files []struct {
			Path     string           `json:"path"`
			Format   string           `json:"format"`
			Verdict  string           `json:"verdict"`
			SHA256   string           `json:"sha256"`
			Findings []map[string]any `json:"findings"`
		} `json:"files"`
		Summary map[string]any `json:"summary"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if len(doc.Files) != 2 || doc.Summary == nil {
		t.Fatalf("%+v", doc)
	}
	f := doc.Files[1]
	if f.Path != "sub/config.json" || f.Format != "pickle" || f.Verdict != "malicious" || len(f.SHA256) != 64 {
		t.Errorf("file entry %+v", f)
	}
	if len(f.Findings) == 0 {
		t.Fatal("no findings")
	}
	for _, key := range []string{"rule", "severity", "message", "global", "offset", "atlas"} {
		if _, ok := f.Findings[0][key]; !ok {
			t.Errorf("finding lacks %q: %v", key, f.Findings[0])
		}
	}
	if f.Findings[0]["severity"] != "critical" || f.Findings[0]["global"] != "os.system" || f.Findings[0]["offset"] != 2.0 {
		t.Errorf("finding %v", f.Findings[0])
	}
	if doc.Files[0].Findings == nil {
		t.Error("clean file's findings encode as null, want []")
	}
}

func TestSARIFAndTable(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"x.bin": malicious})
	_, out, _ := run(t, "scan", "--format", "sarif", dir)
	var log map[string]any
	if err := json.Unmarshal([]byte(out), &log); err != nil || log["version"] != "2.1.0" {
		t.Fatalf("SARIF: %v %v", err, log["version"])
	}
	if !strings.Contains(out, "PICKLE-DANGEROUS-GLOBAL") {
		t.Error("SARIF lacks the rule")
	}
	_, out, _ = run(t, "scan", dir)
	if !strings.Contains(out, "malicious") || !strings.Contains(out, "x.bin") || strings.Contains(out, "\x1b[") {
		t.Errorf("table output %q", out)
	}
}

func TestOutputFileIsAtomic(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"a.pkl": clean})
	outDir := t.TempDir()
	out := filepath.Join(outDir, "report.json")
	code, stdout, _ := run(t, "scan", "--format", "json", "-o", out, dir)
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil || !json.Valid(b) {
		t.Fatalf("report: %v %q", err, b)
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// A scan that fails (missing input) leaves the old report untouched.
	code, _, _ = run(t, "scan", "--format", "json", "-o", out, filepath.Join(dir, "missing"))
	if code != ExitError {
		t.Fatalf("exit %d", code)
	}
	if b2, _ := os.ReadFile(out); !bytes.Equal(b, b2) {
		t.Error("failed run changed the report")
	}
	// Unwritable destination: an error, not a partial file.
	code, _, stderr := run(t, "scan", "-o", filepath.Join(outDir, "no", "such", "dir", "r.json"), dir)
	if code != ExitError || !strings.Contains(stderr, "r.json") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestAllowlistFlag(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"a.pkl": unknown, "allow.txt": "__main__.Net\n"})
	code, _, _ := run(t, "scan", "--allowlist", filepath.Join(dir, "allow.txt"), filepath.Join(dir, "a.pkl"))
	if code != ExitOK {
		t.Errorf("exit %d with the class allowed", code)
	}
	code, _, stderr := run(t, "scan", "--allowlist", filepath.Join(dir, "a.pkl"), filepath.Join(dir, "a.pkl"))
	if code != ExitError || !strings.Contains(stderr, "a.pkl:1") {
		t.Errorf("bad allowlist: exit %d, stderr %q", code, stderr)
	}
}

func TestHelpTeaches(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "scan", "--help")
	for _, want := range []string{"--fail-on", "--format", "Exit codes", "Example", "malicious"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
}

func TestOutputToDevice(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"a.pkl": clean})
	if code, _, stderr := run(t, "scan", "-o", os.DevNull, dir); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s was replaced by a regular file", os.DevNull)
	}
}
