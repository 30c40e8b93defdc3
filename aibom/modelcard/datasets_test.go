package modelcard

import "testing"

func TestDatasetLinks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, page, purl string }{
		{"squad_v2", "https://huggingface.co/datasets/squad_v2",
			"pkg:huggingface/squad_v2?repository_url=https%3A%2F%2Fhuggingface.co%2Fdatasets"},
		{"mteb/amazon_counterfactual", "https://huggingface.co/datasets/mteb/amazon_counterfactual",
			"pkg:huggingface/mteb/amazon_counterfactual?repository_url=https%3A%2F%2Fhuggingface.co%2Fdatasets"},
		{"https://huggingface.co/datasets/cais/mmlu/", "https://huggingface.co/datasets/cais/mmlu",
			"pkg:huggingface/cais/mmlu?repository_url=https%3A%2F%2Fhuggingface.co%2Fdatasets"},
		{"SQuAD v2", "", ""},
		{"MTEB AmazonCounterfactualClassification (en)", "", ""},
		{"../etc/passwd", "", ""},
		{"a..b/c", "", ""},
		{"a/b/c", "", ""},
		{"/abs", "", ""},
		{"https://example.com/data", "", ""},
		{"-lead", "", ""},
	} {
		page, purl := DatasetLinks(tc.name)
		if page != tc.page || purl != tc.purl {
			t.Errorf("DatasetLinks(%q) = %q, %q; want %q, %q", tc.name, page, purl, tc.page, tc.purl)
		}
	}
	c := DatasetComponent("cais/mmlu")
	if c.BOMRef != "dataset:hf/cais/mmlu" || c.ExternalReferences == nil ||
		(*c.ExternalReferences)[0].URL != "https://huggingface.co/datasets/cais/mmlu" {
		t.Errorf("component %+v", c)
	}
	if c := DatasetComponent("SQuAD v2"); c.ExternalReferences != nil || c.PackageURL != "" {
		t.Errorf("display name linked: %+v", c)
	}
}
