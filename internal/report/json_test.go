package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// keys returns the sorted keys of the JSON object v.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %T, want a JSON object", v)
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(ks ...string) []string {
	slices.Sort(ks)
	return ks
}

// TestJSONContract pins the field names and value encodings of the
// `--format json` output that other tools parse.
func TestJSONContract(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sortedKeys("files", "summary"), keys(t, doc)); diff != "" {
		t.Errorf("report keys (-want +got):\n%s", diff)
	}
	files := doc["files"].([]any)
	evil := files[0].(map[string]any)
	if diff := cmp.Diff(sortedKeys("path", "format", "verdict", "sha256", "size", "findings", "errors"),
		keys(t, evil)); diff != "" {
		t.Errorf("file keys (-want +got):\n%s", diff)
	}
	want := map[string]any{
		"path": "models/evil.pt", "format": "pytorch", "verdict": "malicious",
		"sha256": "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4", "size": 1843.0,
	}
	for k, v := range want {
		if evil[k] != v {
			t.Errorf("files[0].%s = %#v, want %#v", k, evil[k], v)
		}
	}
	finding := evil["findings"].([]any)[0]
	if diff := cmp.Diff(map[string]any{
		"rule": "PICKLE-DANGEROUS-GLOBAL", "severity": "critical",
		"message": "pickle calls posix.system, which runs a shell command",
		"global":  "posix.system", "offset": 42.0, "atlas": "AML.T0018.002", "member": "archive/data.pkl",
	}, finding); diff != "" {
		t.Errorf("files[0].findings[0] (-want +got):\n%s", diff)
	}
	fileLevel := files[1].(map[string]any)["findings"].([]any)[0]
	if diff := cmp.Diff(sortedKeys("rule", "severity", "message", "global", "offset", "atlas"),
		keys(t, fileLevel)); diff != "" {
		t.Errorf("a finding without a member has keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"format": "zip", "offset": 1790.0,
		"message": "central directory ends past the end of the file"}, evil["errors"].([]any)[0]); diff != "" {
		t.Errorf("files[0].errors[0] (-want +got):\n%s", diff)
	}
	invalid := files[2].(map[string]any)
	if got, ok := invalid["findings"].([]any); !ok || len(got) != 0 {
		t.Errorf("nil findings encode as %#v, want []", invalid["findings"])
	}
	if _, ok := files[4].(map[string]any)["errors"]; ok {
		t.Error("a file without errors has an errors key")
	}
	summary := doc["summary"].(map[string]any)
	if diff := cmp.Diff(sortedKeys("files", "verdicts", "findings", "worst"), keys(t, summary)); diff != "" {
		t.Errorf("summary keys (-want +got):\n%s", diff)
	}
	if summary["worst"] != "malicious" || summary["files"] != 5.0 {
		t.Errorf("summary = %v", summary)
	}
	if diff := cmp.Diff(map[string]any{"clean": 1.0, "unscanned": 1.0, "suspicious": 1.0, "invalid": 1.0,
		"malicious": 1.0}, summary["verdicts"]); diff != "" {
		t.Errorf("summary.verdicts (-want +got):\n%s", diff)
	}
}

// TestJSONRoundTrip decodes the output back into a Report.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var got scanners.Report
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := sample()
	for i := range want.Files {
		if want.Files[i].Findings == nil {
			want.Files[i].Findings = []scanners.Finding{}
		}
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestJSONNullFree(t *testing.T) {
	t.Parallel()
	r := &scanners.Report{Files: []scanners.FileResult{{Path: "a <b> & c", Format: "pickle"}}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "null") {
		t.Errorf("output has null:\n%s", out)
	}
	if !strings.Contains(out, `"a <b> & c"`) {
		t.Errorf("HTML characters are escaped:\n%s", out)
	}
	if r.Files[0].Findings != nil || r.Summary.Verdicts != nil {
		t.Error("WriteJSON modified its argument")
	}
}
