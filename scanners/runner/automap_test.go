package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestAutoMap scans a remote-code model folder: each Python file is tied
// to the config whose auto_map imports it, a config that imports code from
// another repository is suspicious, and the verdicts of the code come
// from what it runs on import.
func TestAutoMap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	benign := filepath.Join("..", "python", "testdata", "benign")
	for _, name := range []string{"modeling_tinyllama.py", "configuration_tinyllama.py", "tokenization_tinyllama.py"} {
		b, err := os.ReadFile(filepath.Join(benign, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"config.json": `{"model_type": "tinyllama", "auto_map": {
			"AutoConfig": "configuration_tinyllama.TinyLlamaConfig",
			"AutoModelForCausalLM": "modeling_tinyllama.TinyLlamaForCausalLM"}}`,
		"tokenizer_config.json": `{"auto_map": {"AutoTokenizer": ["tokenization_tinyllama.TinyLlamaTokenizer", null]},
			"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}`,
		"sub/config.json":      `{"auto_map": {"AutoModel": "other-org/other.repo--modeling_other.OtherModel"}}`,
		"sub/modeling_evil.py": "import os\nos.system('true')\n",
		"sub/custom.json":      `{"auto_map": {"AutoModel": "modeling_evil.Evil"}}`,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := New().Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := byPath(rep)
	tied := func(p, config, what string) {
		t.Helper()
		for _, f := range got[p].Findings {
			if f.Rule == RuleAutoMap && strings.Contains(f.Message, config) && strings.Contains(f.Message, what) {
				return
			}
		}
		t.Errorf("%s: not tied to %s (%s): %s", p, config, what, describe(got[p].Findings))
	}
	tied("modeling_tinyllama.py", "config.json", "AutoModelForCausalLM → modeling_tinyllama.TinyLlamaForCausalLM")
	tied("configuration_tinyllama.py", "config.json", "AutoConfig")
	tied("tokenization_tinyllama.py", "tokenizer_config.json", "AutoTokenizer")
	for _, p := range []string{"modeling_tinyllama.py", "configuration_tinyllama.py", "tokenization_tinyllama.py"} {
		if got[p].Verdict != scanners.Clean || got[p].Format != "python" {
			t.Errorf("%s: %s/%s, want clean/python: %s", p, got[p].Verdict, got[p].Format, describe(got[p].Findings))
		}
	}
	if r := got["sub/config.json"]; r.Verdict != scanners.Suspicious || !strings.Contains(describe(r.Findings), RuleRemoteCode) {
		t.Errorf("sub/config.json: %s: %s", r.Verdict, describe(r.Findings))
	}
	if r := got["sub/modeling_evil.py"]; r.Verdict != scanners.Malicious {
		t.Errorf("sub/modeling_evil.py: %s: %s", r.Verdict, describe(r.Findings))
	}
	// custom.json is not a file transformers reads auto_map from.
	for _, f := range got["sub/modeling_evil.py"].Findings {
		if f.Rule == RuleAutoMap {
			t.Errorf("tied through a file that is not a config: %s", f.Message)
		}
	}
	if got["config.json"].Verdict != scanners.Unscanned {
		t.Errorf("config.json: %s, want unscanned (no credential, no remote code)", got["config.json"].Verdict)
	}
}
