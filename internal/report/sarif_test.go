package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// noNetwork refuses every URL: the compiler must find the SARIF schema among
// the resources added from testdata/ and the metaschemas built into the
// library, and never fetch anything.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, errors.New("refusing to load " + url + ": schemas come from testdata/ only")
}

// compileSARIFSchema compiles testdata/sarif-schema-2.1.0.json, the OASIS SARIF
// 2.1.0 (errata 01) schema.
func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	c.AssertFormat()
	if err := c.AddResource(sarifSchema, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(sarifSchema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSARIFSchema(t *testing.T) {
	t.Parallel()
	schema := compileSARIFSchema(t)
	reports := map[string]*scanners.Report{
		"sample": sample(),
		"empty":  {},
		"odd paths": {Files: []scanners.FileResult{{
			Path: "a:b/with space/%zz?#.pkl", Verdict: scanners.Suspicious,
			Findings: []scanners.Finding{{Rule: "", Severity: scanners.Severity(9), Offset: -1}},
		}}},
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteSARIF(&buf, r, ToolInfo{Version: "0.0.0-dev", InformationURI: "https://example.com/aibom"}); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Errorf("SARIF output does not validate:\n%v", err)
			}
		})
	}
}

// TestSARIFSchemaRejects checks that the validator is not vacuous.
func TestSARIFSchemaRejects(t *testing.T) {
	t.Parallel()
	schema := compileSARIFSchema(t)
	bad := map[string]any{"version": "2.1.0", "runs": []any{map[string]any{
		"tool":    map[string]any{"driver": map[string]any{"name": "aibom"}},
		"results": []any{map[string]any{"ruleId": "X", "level": "critical", "message": map[string]any{"text": "x"}}},
	}}}
	if err := schema.Validate(bad); err == nil {
		t.Error("a result with level critical validates")
	}
}

type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name, Version, InformationURI string
				Rules                         []struct {
					ID               string
					ShortDescription struct{ Text string }
					Properties       map[string]any
				}
			}
		}
		Results []struct {
			RuleID    string
			RuleIndex int
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           *struct{ ByteOffset int64 }
				}
			}
			Properties map[string]any
		}
	}
}

func TestSARIFContent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tool := ToolInfo{Version: "1.2.3", RuleDescriptions: map[string]string{"NUMPY-OBJECT-ARRAY": "Object array"}}
	if err := WriteSARIF(&buf, sample(), tool); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(doc.Runs))
	}
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name != "aibom" || d.Version != "1.2.3" {
		t.Errorf("driver = %q %q", d.Name, d.Version)
	}
	var ids []string
	sev := map[string]any{}
	for _, r := range d.Rules {
		ids = append(ids, r.ID)
		sev[r.ID] = r.Properties["security-severity"]
	}
	wantIDs := []string{"AIBOM-INVALID", "NUMPY-OBJECT-ARRAY", "PICKLE-DANGEROUS-GLOBAL",
		"PICKLE-UNKNOWN-GLOBAL", "ZIP-EXTRA-MEMBER"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	wantSev := map[string]any{"AIBOM-INVALID": "8.0", "NUMPY-OBJECT-ARRAY": "5.5",
		"PICKLE-DANGEROUS-GLOBAL": "9.5", "PICKLE-UNKNOWN-GLOBAL": "8.0", "ZIP-EXTRA-MEMBER": "1.0"}
	if diff := cmp.Diff(wantSev, sev); diff != "" {
		t.Errorf("security-severity (-want +got):\n%s", diff)
	}
	if got := d.Rules[1].ShortDescription.Text; got != "Object array" {
		t.Errorf("RuleDescriptions not used: %q", got)
	}
	if got := d.Rules[2].ShortDescription.Text; got != "Pickle dangerous global" {
		t.Errorf("derived description = %q", got)
	}
	// 3 + 2 findings, 1 + 2 parse errors.
	if len(run.Results) != 8 {
		t.Fatalf("got %d results, want 8", len(run.Results))
	}
	for i, res := range run.Results {
		if ids[res.RuleIndex] != res.RuleID {
			t.Errorf("results[%d]: ruleIndex %d names %s, not %s", i, res.RuleIndex, ids[res.RuleIndex], res.RuleID)
		}
		member, _ := res.Properties["member"].(string)
		region := res.Locations[0].PhysicalLocation.Region
		offset := int64(res.Properties["offset"].(float64))
		switch {
		case member != "" && region != nil:
			t.Errorf("results[%d]: member-relative offset given as a region", i)
		case member == "" && offset >= 0 && (region == nil || region.ByteOffset != offset):
			t.Errorf("results[%d]: region = %v, want byteOffset %d", i, region, offset)
		}
	}
	first := run.Results[0]
	if first.Level != "error" || first.Properties["verdict"] != "malicious" ||
		first.Properties["global"] != "posix.system" || first.Properties["atlas"] != scanners.ATLASEmbedMalware ||
		first.Message.Text != "pickle calls posix.system, which runs a shell command"+
			" (in archive member archive/data.pkl at byte offset 42)" {
		t.Errorf("results[0] = %+v", first)
	}
	levels := []string{}
	for _, res := range run.Results {
		levels = append(levels, res.Level)
	}
	want := []string{"error", "error", "note", "error", "warning", "note", "error", "error"}
	if diff := cmp.Diff(want, levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	if uri := run.Results[7].Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "broken/model.gguf" {
		t.Errorf("uri = %q", uri)
	}
}

func TestPathURI(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"models/evil.pt":          "models/evil.pt",
		"clean model.safetensors": "clean%20model.safetensors",
		"c:/x.pkl":                "./c:/x.pkl",
		"/abs/x?.pkl":             "/abs/x%3F.pkl",
		"100%.bin":                "100%25.bin",
	} {
		if got := pathURI(in); got != want {
			t.Errorf("pathURI(%q) = %q, want %q", in, got, want)
		}
	}
}
