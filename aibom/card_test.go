package aibom

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
)

// cardRepo copies the fixture repository testdata/cards/<name> into a
// folder of that name and generates its BOM (validated by generate).
func cardRepo(t *testing.T, name string) *Result {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	entries, err := os.ReadDir(filepath.Join("..", "testdata", "cards", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join("testdata", "cards", name, e.Name()), dir, e.Name())
	}
	return generate(t, dir)
}

func spdxOf(t *testing.T, bom *cdx.BOM) spdxDoc {
	t.Helper()
	var doc spdxDoc
	if err := json.Unmarshal(encode(t, bom, SPDXJSON, 0), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// datasetRels returns the names of the datasets the model is related to by typ.
func datasetRels(doc spdxDoc, model map[string]any, typ string) []string {
	var out []string
	for _, id := range doc.rel(model["spdxId"], typ) {
		for _, d := range doc.byType("dataset_DatasetPackage") {
			if d["spdxId"] == id {
				out = append(out, d["name"].(string))
			}
		}
	}
	slices.Sort(out)
	return out
}

// considerationsText joins every text of the model card's considerations.
func considerationsText(c *cdx.MLModelCardConsiderations) string {
	if c == nil {
		return ""
	}
	var parts []string
	for _, l := range []*[]string{c.Users, c.UseCases, c.TechnicalLimitations} {
		if l != nil {
			parts = append(parts, *l...)
		}
	}
	if c.EthicalConsiderations != nil {
		for _, e := range *c.EthicalConsiderations {
			parts = append(parts, e.Name, e.MitigationStrategy)
		}
	}
	return strings.Join(parts, "\n")
}

func bomFileRole(t *testing.T, bom *cdx.BOM, path string) string {
	t.Helper()
	for _, c := range *bom.Components {
		if c.Type == cdx.ComponentTypeFile && c.Name == path {
			return props(c)[propFileRole]
		}
	}
	t.Fatalf("no file component %s", path)
	return ""
}

func TestCardEncoderQA(t *testing.T) {
	t.Parallel()
	res := cardRepo(t, "encoder-qa")
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	m := res.BOM.Metadata.Component
	if task := m.ModelCard.ModelParameters.Task; task != "question-answering" {
		t.Errorf("task %q, want question-answering from config.json's BertForQuestionAnswering", task)
	}
	cons := m.ModelCard.Considerations
	text := considerationsText(cons)
	if cons.UseCases == nil || !strings.Contains((*cons.UseCases)[0], "Extractive answers") ||
		!strings.Contains(text, "biases of Wikipedia") || strings.Contains(text, "FARMReader") || strings.Contains(text, "```") {
		t.Errorf("considerations:\n%s", text)
	}
	if pm := *m.ModelCard.QuantitativeAnalysis.PerformanceMetrics; len(pm) != 3 ||
		pm[2].Slice != "adversarial_qa (dataset:hf/adversarial_qa, config adversarialQA, split validation)" {
		t.Errorf("metrics %+v", pm)
	}
	doc := spdxOf(t, res.BOM)
	model := doc.byType("ai_AIPackage")[0]
	if got := datasetRels(doc, model, "trainedOn"); !slices.Equal(got, []string{"squad_v2"}) {
		t.Errorf("trainedOn %v, want the card's datasets list only", got)
	}
	if got := datasetRels(doc, model, "testedOn"); !slices.Equal(got, []string{"adversarial_qa", "squad_v2"}) {
		t.Errorf("testedOn %v, want the model-index datasets", got)
	}
	if info, _ := model["ai_informationAboutTraining"].(string); info != "datasets: hf/squad_v2" {
		t.Errorf("training information %q", info)
	}
	adv := doc.byName("dataset_DatasetPackage", "adversarial_qa")
	if adv["software_downloadLocation"] != "https://huggingface.co/datasets/adversarial_qa" {
		t.Errorf("adversarial_qa %v", adv)
	}
	for _, c := range *res.BOM.Components {
		if c.BOMRef == "dataset:hf/squad_v2" && (c.ExternalReferences == nil ||
			(*c.ExternalReferences)[0].URL != "https://huggingface.co/datasets/squad_v2" ||
			c.PackageURL != "pkg:huggingface/squad_v2?repository_url=https%3A%2F%2Fhuggingface.co%2Fdatasets") {
			t.Errorf("squad_v2 component %+v", c)
		}
	}
}

func TestCardMTEB(t *testing.T) {
	t.Parallel()
	res := cardRepo(t, "mteb-embed")
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	m := res.BOM.Metadata.Component
	if task := m.ModelCard.ModelParameters.Task; task != "sentence-similarity" {
		t.Errorf("task %q, want sentence-similarity, not the first benchmark's", task)
	}
	if n := len(*m.ModelCard.QuantitativeAnalysis.PerformanceMetrics); n != 1333 {
		t.Errorf("%d metrics, want all 1333", n)
	}
	if p := props(*m); p[modelcard.PropMetricsOmitted] != "" {
		t.Errorf("metrics omitted: %q", p[modelcard.PropMetricsOmitted])
	}
	doc := spdxOf(t, res.BOM)
	model := doc.byType("ai_AIPackage")[0]
	if got := datasetRels(doc, model, "trainedOn"); !slices.Equal(got, []string{"flax-sentence-embeddings/stackexchange_xml", "s2orc"}) {
		t.Errorf("trainedOn %v", got)
	}
	if got := datasetRels(doc, model, "testedOn"); len(got) != 152 || slices.Contains(got, "s2orc") {
		t.Errorf("testedOn %d datasets", len(got))
	}
	// The card says mit and LICENSE is the MIT text: one license.
	if m.Licenses == nil || len(*m.Licenses) != 1 || (*m.Licenses)[0].License.ID != "MIT" ||
		(*(*m.Licenses)[0].License.Properties)[0].Value != "LICENSE" {
		t.Errorf("licenses %+v", m.Licenses)
	}
	if r := bomFileRole(t, res.BOM, "LICENSE"); r != "license" {
		t.Errorf("LICENSE has role %q", r)
	}
}

func TestCardDiffusers(t *testing.T) {
	t.Parallel()
	res := cardRepo(t, "diffusers-sd")
	cons := res.BOM.Metadata.Component.ModelCard.Considerations
	text := considerationsText(cons)
	if cons.Users != nil {
		t.Errorf("users %q: the Diffusers heading is not about users", *cons.Users)
	}
	for _, bad := range []string{"from diffusers", "StableDiffusionPipeline", "Safety Checker"} {
		if strings.Contains(text, bad) {
			t.Errorf("considerations hold %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{"research purposes only", "hostile", "not trained to be factual", "perfect photorealism",
		"insufficiently accounted"} {
		if !strings.Contains(text, want) {
			t.Errorf("considerations lack %q:\n%s", want, text)
		}
	}
}

func TestCardBoldLabels(t *testing.T) {
	t.Parallel()
	res := cardRepo(t, "llm-bold")
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	m := res.BOM.Metadata.Component
	cons := m.ModelCard.Considerations
	if cons == nil || cons.UseCases == nil || len(*cons.UseCases) != 1 ||
		!strings.HasPrefix((*cons.UseCases)[0], "Acme-7B-Instruct is intended for commercial") {
		t.Fatalf("use cases %+v", cons)
	}
	if cons.TechnicalLimitations == nil || !strings.Contains((*cons.TechnicalLimitations)[0], "languages other than English") {
		t.Errorf("limitations %v", cons.TechnicalLimitations)
	}
	if e := cons.EthicalConsiderations; e == nil || !strings.Contains((*e)[0].Name, "carries risks") ||
		!strings.Contains((*e)[0].MitigationStrategy, "safety testing") {
		t.Errorf("ethical considerations %+v", e)
	}
	if text := considerationsText(cons); strings.Contains(text, "auto-regressive") || strings.Contains(text, "AutoModel") {
		t.Errorf("considerations hold the architecture or code:\n%s", text)
	}
	if m.Licenses == nil || len(*m.Licenses) != 1 || (*m.Licenses)[0].License.ID != "Apache-2.0" {
		t.Errorf("licenses %+v", m.Licenses)
	}
}

func TestCardCustomLicense(t *testing.T) {
	t.Parallel()
	res := cardRepo(t, "custom-license")
	var late bool
	for _, p := range res.Problems {
		late = late || (p.Path == "README.md" && errors.Is(p.Err, modelcard.ErrFrontMatterNotAtStart))
	}
	if !late || len(res.Problems) != 1 {
		t.Errorf("problems %v, want the front matter not at the start of README.md", res.Problems)
	}
	m := res.BOM.Metadata.Component
	if m.Licenses == nil || len(*m.Licenses) != 1 {
		t.Fatalf("licenses %+v", m.Licenses)
	}
	lic := (*m.Licenses)[0].License
	if lic.ID != "" || lic.Name != "ACME OPEN MODEL LICENSE AGREEMENT" || lic.Text == nil ||
		lic.Text.ContentType != "text/plain" || !strings.Contains(lic.Text.Content, "700 million monthly active") {
		t.Errorf("license %+v", lic)
	}
	for _, c := range *res.BOM.Components {
		if c.Type == cdx.ComponentTypeData {
			t.Errorf("dataset %s from ignored front matter", c.Name)
		}
	}
	if r := bomFileRole(t, res.BOM, "LICENSE.txt"); r != "license" {
		t.Errorf("LICENSE.txt has role %q, want license (not card)", r)
	}
	doc := spdxOf(t, res.BOM)
	model := doc.byType("ai_AIPackage")[0]
	expr := doc.byType("simplelicensing_LicenseExpression")
	if len(expr) != 1 || expr[0]["simplelicensing_licenseExpression"] != "LicenseRef-ACME-OPEN-MODEL-LICENSE-AGREEMENT" ||
		!slices.Contains(doc.rel(model["spdxId"], "hasDeclaredLicense"), expr[0]["spdxId"].(string)) {
		t.Errorf("SPDX license %v", expr)
	}
	// The custom license's text is in SPDX too.
	texts := doc.byType("simplelicensing_SimpleLicensingText")
	custom, _ := expr[0]["simplelicensing_customIdToUri"].([]any)
	if len(texts) != 1 || !strings.Contains(texts[0]["simplelicensing_licenseText"].(string), "700 million monthly active") ||
		len(custom) != 1 || custom[0].(map[string]any)["value"] != texts[0]["spdxId"] ||
		custom[0].(map[string]any)["key"] != "LicenseRef-ACME-OPEN-MODEL-LICENSE-AGREEMENT" {
		t.Errorf("SPDX license text %v, custom ids %v", texts, custom)
	}
}

// TestCardMetricsOverBound: a card with more results and metrics than
// modelcard.MaxMetrics keeps the first ones, and says in the BOM and as a
// problem how many were left out.
func TestCardMetricsOverBound(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("---\nlicense: mit\nmodel-index:\n- name: x\n  results:\n  - dataset: {type: acme/bench}\n    metrics: [")
	const n = modelcard.MaxMetrics + 500
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{type: m, value: 1}")
	}
	b.WriteString("]\n---\n# x\n")
	dir := filepath.Join(t.TempDir(), "many-metrics")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res := generate(t, dir)
	if len(res.Problems) != 1 || !errors.Is(res.Problems[0].Err, modelcard.ErrMetricsOmitted) ||
		!strings.Contains(res.Problems[0].Err.Error(), "501 metrics") {
		t.Errorf("problems %v, want the 501 metrics left out", res.Problems)
	}
	m := res.BOM.Metadata.Component
	if got := props(*m)[modelcard.PropMetricsOmitted]; got != "501" {
		t.Errorf("%s = %q, want 501", modelcard.PropMetricsOmitted, got)
	}
	if k := len(*m.ModelCard.QuantitativeAnalysis.PerformanceMetrics); k != modelcard.MaxMetrics-1 {
		t.Errorf("%d metrics kept, want %d (the result counts too)", k, modelcard.MaxMetrics-1)
	}
}

func TestRoleLicense(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]string{
		"LICENSE": "license", "LICENSE.txt": "license", "LICENSE.md": "license", "text_encoder/LICENCE": "license",
		"COPYING": "license", "README.md": "card", "model_card.md": "card", "USE_POLICY.md": "other",
	} {
		if got := Role(p, "unknown"); got != want {
			t.Errorf("Role(%s) = %s, want %s", p, got, want)
		}
	}
}
