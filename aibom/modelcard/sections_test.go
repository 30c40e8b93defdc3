package modelcard

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		title string
		want  sectionKind
	}{
		{"Diffusers", kindNone},
		{"🧨 Diffusers", kindNone},
		{"Use with Diffusers", kindNone},
		{"How to use", kindNone},
		{"Usage (Sentence-Transformers)", kindNone},
		{"Users", kindUsers},
		{"Primary intended users", kindUsers},
		{"Uses", kindUses},
		{"Primary intended uses", kindUses},
		{"Intended uses & limitations", kindUses},
		{"Intended Usage", kindUses},
		{"3.2 Downstream Use [optional]", kindUses},
		{"**Intended Use Cases**", kindUses},
		{"Out-of-Scope Use", kindOutOfScope},
		{"Misuse, Malicious Use, and Out-of-Scope Use", kindOutOfScope},
		{"Bias, Risks, and Limitations", kindBias},
		{"Ethical Considerations and Limitations", kindBias},
		{"Responsible AI Considerations", kindBias},
		{"Limitations and Bias", kindBias},
		{"Known limitations", kindLimitations},
		{"Caveats and Recommendations", kindLimitations},
		{"Recommendations", kindRecommendations},
		{"Safety Module", kindNone},
		{"Training Data", kindNone},
		{"Abusers", kindNone},
		{"Risky business", kindNone},
		{"A very long heading that happens to mention the risks of using this model in production", kindNone},
	} {
		if got := classify(tc.title); got != tc.want {
			t.Errorf("classify(%q) = %d, want %d", tc.title, got, tc.want)
		}
	}
}

func TestBoldLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, label string
		alone, ok   bool
	}{
		{"**Intended Use:**", "Intended Use", true, true},
		{"**Intended Use**: research", "Intended Use", false, true},
		{"__Limitations__:", "Limitations", true, true},
		{"**Out-of-scope** Use in any manner", "Out-of-scope", false, true},
		{"**Ethical Considerations and Limitations:** Llama 2 is a new technology", "Ethical Considerations and Limitations", false, true},
		{"- **Developed by:** Acme", "", false, false},
		{"**Note: this is a whole bold sentence that ends with a period.**", "", false, false},
		{"**unclosed label", "", false, false},
		{"****", "", false, false},
		{"    **indented code**", "", false, false},
	} {
		label, alone, ok := boldLabel(tc.line)
		if label != tc.label || alone != tc.alone || ok != tc.ok {
			t.Errorf("boldLabel(%q) = %q, %v, %v; want %q, %v, %v", tc.line, label, alone, ok, tc.label, tc.alone, tc.ok)
		}
	}
}

// TestSectionsRealStyle reads card bodies written the way public cards are:
// a diffusers card whose "Diffusers" heading holds only code, an LLM card
// with bold-label sections instead of headings, and the Hugging Face
// template.
func TestSectionsRealStyle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       Sections
	}{
		{"diffusers", "# Stable Diffusion-style card\n\n## Examples\n\nUse the diffusers library:\n\n### Diffusers\n\n" +
			"```py\nfrom diffusers import StableDiffusionPipeline\n# ## Limitations in a comment\npipe = StableDiffusionPipeline.from_pretrained(\"x\")\n```\n\n" +
			"## Uses\n\n### Direct Use\n\nResearch on generative models.\n\n#### Diffusers\n\n```python\npipe(\"a photo\")\n```\n\n" +
			"### Misuse, Malicious Use, and Out-of-Scope Use\n\nGenerating demeaning images of people.\n\n" +
			"## Limitations and Bias\n\n### Limitations\n\n- No perfect photorealism\n\n### Bias\n\nTrained mostly on English captions.\n\n" +
			"### Safety Module\n\nThe safety checker in Diffusers.\n",
			Sections{
				IntendedUses: []string{"Research on generative models."},
				OutOfScope:   []string{"Generating demeaning images of people."},
				Limitations:  []string{"- No perfect photorealism"},
				Bias:         []string{"Trained mostly on English captions."},
			}},
		{"bold labels", "# Acme-7B\n\n## Model Details\n\n**Model Developers** Acme\n**Input** Text only.\n\n" +
			"**Intended Use:**\nAcme-7B is intended for commercial and research use in English.\n\n" +
			"**Out-of-scope Uses**: Use in languages other than English.\n\n" +
			"**Model Architecture:** An auto-regressive transformer.\n\n" +
			"**Ethical Considerations and Limitations:**\n\nAcme-7B may produce inaccurate or biased output.\n\n" +
			"```python\nprint('not a limitation')\n```\n\n" +
			"__Recommendations__:\nTest before deploying.\n\n## Citation\n\n@misc{acme}\n",
			Sections{
				IntendedUses:    []string{"Acme-7B is intended for commercial and research use in English."},
				OutOfScope:      []string{"**Out-of-scope Uses**: Use in languages other than English."},
				Bias:            []string{"Acme-7B may produce inaccurate or biased output."},
				Recommendations: []string{"Test before deploying."},
			}},
		{"labels inside a heading section", "## Intended Use\n\n**Intended Use Cases** Chat.\n\n" +
			"**Out-of-scope** Weapons.\n\n**Note:** fine-tuning for other languages is allowed.\n\n## Training\nx\n",
			Sections{
				IntendedUses: []string{"**Intended Use Cases** Chat.", "**Note:** fine-tuning for other languages is allowed."},
				OutOfScope:   []string{"**Out-of-scope** Weapons."},
			}},
		{"template", "## Uses\n\n<!-- Address questions -->\n\n### Direct Use\n\n[More Information Needed]\n\n" +
			"### Downstream Use [optional]\n\nFine-tune for QA.\n\n## Bias, Risks, and Limitations\n\nEnglish only.\n\n" +
			"### Recommendations\n\nUsers (both direct and downstream) should be made aware of the risks.\n",
			Sections{
				IntendedUses:    []string{"Fine-tune for QA."},
				Bias:            []string{"English only."},
				Recommendations: []string{"Users (both direct and downstream) should be made aware of the risks."},
			}},
		{"fences", "## Limitations\n\n~~~~\n```\n## Uses\n~~~\nstill code\n~~~~\nslow\n````\n```\n````\nafter\n",
			Sections{Limitations: []string{"slow\nafter"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, parseSections([]byte(tt.body))); diff != "" {
				t.Errorf("sections mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
