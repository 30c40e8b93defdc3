package aibom

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type spdxDoc struct {
	Context string           `json:"@context"`
	Graph   []map[string]any `json:"@graph"`
}

func (d spdxDoc) byType(typ string) []map[string]any {
	var out []map[string]any
	for _, e := range d.Graph {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

func (d spdxDoc) byName(typ, name string) map[string]any {
	for _, e := range d.byType(typ) {
		if e["name"] == name {
			return e
		}
	}
	return nil
}

// rel returns the targets of from's relationships of type typ.
func (d spdxDoc) rel(from any, typ string) []string {
	var out []string
	for _, e := range d.byType("Relationship") {
		if e["from"] == from && e["relationshipType"] == typ {
			for _, to := range e["to"].([]any) {
				out = append(out, to.(string))
			}
		}
	}
	return out
}

func TestSPDX(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bert-qa")
	copyFile(t, "aibom/modelcard/testdata/bert-squad2-README.md", dir, "README.md")
	copyFile(t, "aibom/modelcard/testdata/bert-config.json", dir, "config.json")
	copyFile(t, "testdata/models/bypass/cve-2025-1716_pip_main.pkl", dir, "pytorch_model.bin")
	copyFile(t, "aibom/libraries/testdata/project/uvproj/uv.lock", dir, "uv.lock")
	for _, f := range []string{"README.md", "data/train.csv", "data/test.jsonl"} {
		copyFile(t, "testdata/datasets/pii/"+f, dir, "finetune-data/"+f)
	}
	res := generate(t, dir)
	validate(t, res.BOM)
	out := encode(t, res.BOM, SPDXJSON, 0)
	var doc spdxDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Context != "https://spdx.org/rdf/3.0.1/spdx-context.jsonld" {
		t.Errorf("context %q", doc.Context)
	}
	// The model, with its card in the AI profile, named by its card's
	// model-index (not by the folder it was found in).
	model := doc.byName("ai_AIPackage", "deepset/bert-base-cased-squad2")
	if model == nil {
		t.Fatalf("no ai_AIPackage for the model in %s", out)
	}
	if model["ai_informationAboutApplication"] == nil || model["ai_metric"] == nil || model["ai_useSensitivePersonalInformation"] != "yes" {
		t.Errorf("model card fields missing: %v", model)
	}
	// Files with their hashes, contained by the model.
	bin := doc.byName("software_File", "pytorch_model.bin")
	if bin == nil || bin["software_primaryPurpose"] != "model" {
		t.Fatalf("weights file %v", bin)
	}
	h := bin["verifiedUsing"].([]any)[0].(map[string]any)
	if h["algorithm"] != "sha256" || len(h["hashValue"].(string)) != 64 {
		t.Errorf("hash %v", h)
	}
	if !slices.Contains(doc.rel(model["spdxId"], "contains"), bin["spdxId"].(string)) {
		t.Error("the model does not contain its weights")
	}
	// The dataset the card names is what the model is trained on; the
	// local dataset holds personal data and has its files.
	squad := doc.byName("dataset_DatasetPackage", "squad_v2")
	if squad == nil || !slices.Contains(doc.rel(model["spdxId"], "trainedOn"), squad["spdxId"].(string)) {
		t.Errorf("squad_v2 is not trainedOn: %v", squad)
	}
	var local map[string]any
	for _, d := range doc.byType("dataset_DatasetPackage") {
		if strings.Contains(d["spdxId"].(string), "dataset:local/") {
			local = d
		}
	}
	if local == nil || local["dataset_hasSensitivePersonalInformation"] != "yes" || len(doc.rel(local["spdxId"], "hasDataFile")) != 2 {
		t.Errorf("local dataset %v", local)
	}
	// Libraries from the lock file, with their edges.
	torch := doc.byName("software_Package", "torch")
	if torch == nil || torch["software_packageUrl"] != "pkg:pypi/torch@2.5.1" {
		t.Fatalf("torch %v", torch)
	}
	if deps := doc.rel(torch["spdxId"], "dependsOn"); len(deps) != 1 || !strings.Contains(deps[0], "filelock") {
		t.Errorf("torch dependsOn %v", deps)
	}
	// The license, and the malicious pickle's findings.
	if lic := doc.rel(model["spdxId"], "hasDeclaredLicense"); len(lic) != 1 {
		t.Errorf("model licenses %v", lic)
	} else if e := doc.byType("simplelicensing_LicenseExpression"); len(e) == 0 || e[0]["simplelicensing_licenseExpression"] != "CC-BY-4.0" {
		t.Errorf("license expression %v", e)
	}
	vulns := doc.rel(bin["spdxId"], "hasAssociatedVulnerability")
	if len(vulns) == 0 {
		t.Fatal("the pickle's findings are missing")
	}
	found := false
	for _, v := range doc.byType("security_Vulnerability") {
		if v["spdxId"] == vulns[0] && strings.HasPrefix(v["summary"].(string), "critical") {
			found = true
		}
	}
	if !found {
		t.Errorf("finding %s not critical", vulns[0])
	}
	// The document: SBOM as root, every element listed once.
	docs := doc.byType("SpdxDocument")
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	seen := map[string]bool{}
	for _, e := range doc.Graph {
		id, _ := e["spdxId"].(string)
		if id == "" {
			continue
		}
		if seen[id] {
			t.Errorf("duplicate spdxId %s", id)
		}
		seen[id] = true
	}
	if n := len(docs[0]["element"].([]any)); n != len(seen)-1 {
		t.Errorf("document lists %d elements, want %d", n, len(seen)-1)
	}
	// Deterministic.
	if again := encode(t, res.BOM, SPDXJSON, 0); !bytes.Equal(out, again) {
		t.Error("two encodings of one BOM differ")
	}
}

func TestLicenseRef(t *testing.T) {
	if got := licenseRef("Gemma Terms of Use"); got != "LicenseRef-Gemma-Terms-of-Use" {
		t.Errorf("licenseRef %q", got)
	}
}
