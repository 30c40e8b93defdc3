package chattemplate

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func yamlFile(name, body string) scanners.File {
	return scanners.File{Path: name, Size: int64(len(body)), R: bytes.NewReader([]byte(body))}
}

// TestYAML checks that chat templates in YAML configs get the same Jinja
// analysis as the JSON and GGUF ones, and that YAML files without one are
// declined.
func TestYAML(t *testing.T) {
	t.Parallel()
	const ssti = `{{ ''.__class__.__mro__[1].__subclasses__() }}`
	cases := []struct {
		name, body string
		declined   bool
		ssti       bool
		templates  int
	}{
		{"serving.yaml", "model: llama\nchat_template: |\n  {% for m in messages %}{{ m.content }}{% endfor %}\n", false, false, 1},
		{"serving.yml", "model: llama\nchat_template: \"" + ssti + "\"\n", false, true, 1},
		{"nested.yaml", "tokenizer:\n  options:\n    chat_template: >-\n      " + ssti + "\n", false, true, 1},
		{"named.yaml", "chat_template:\n  - name: default\n    template: \"{{ messages }}\"\n  - name: tool_use\n    template: \"" + ssti + "\"\n", false, true, 2},
		{"axolotl.yaml", "base_model: x\nchat_template: chatml\n", true, false, 0},
		{"plain.yaml", "a: 1\nb: [1, 2]\n", true, false, 0},
		{"broken.yaml", "a: [1, 2\n", true, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := New()
			f := yamlFile(c.name, c.body)
			if !s.Match(f, []byte(c.body)) {
				t.Fatal("not matched")
			}
			res, err := s.Scan(context.Background(), f)
			if c.declined {
				if !errors.Is(err, scanners.ErrNotMatched) {
					t.Fatalf("err = %v, findings %+v: want declined", err, res.Findings)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n, bad := 0, false
			for _, fd := range res.Findings {
				n += map[bool]int{true: 1}[fd.Rule == RuleTemplate]
				bad = bad || fd.Rule == RuleTemplateSSTI && fd.Severity >= scanners.High
			}
			if n != c.templates || bad != c.ssti {
				t.Errorf("%d templates, SSTI %v; want %d, %v: %+v", n, bad, c.templates, c.ssti, res.Findings)
			}
		})
	}
}

// TestSecrets checks that a credential in a tokenizer config is reported
// by kind and location, never by value.
func TestSecrets(t *testing.T) {
	t.Parallel()
	token := "ghp_" + strings.Repeat("aB3", 12)
	body := `{"chat_template": "{{ messages }}", "hub_token": "` + token + `"}`
	res, err := New().Scan(context.Background(), yamlFile("tokenizer_config.json", body))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, fd := range res.Findings {
		if strings.Contains(fd.Message+fd.Global, token) || strings.Contains(fd.Message, "aB3aB3") {
			t.Fatalf("the value leaked into a finding: %+v", fd)
		}
		if fd.Rule == "SECRET" && fd.Global == "github-token" && fd.Offset == int64(strings.Index(body, token)) && fd.Severity == scanners.High {
			found = true
		}
	}
	if !found {
		t.Errorf("no SECRET finding at the token: %+v", res.Findings)
	}
}
