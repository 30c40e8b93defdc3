package modelcard

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/internal/bomschema"
)

func addSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", pattern, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseCard parses arbitrary model cards (front matter and body) and
// checks that nothing panics, that the bounds hold and that the CycloneDX
// parts made from whatever was parsed validate against the schema.
func FuzzParseCard(f *testing.F) {
	addSeeds(f, "*.md")
	f.Add([]byte("---\nco2_eq_emissions: {emissions: 1e-300}\nlicense_link: 'http://x/ y'\nlicense: [other, mit]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, _ := ParseCard(bytes.NewReader(data), "README.md")
		if card == nil {
			t.Fatal("nil card from a readable input")
		}
		s := card.Sections
		for _, list := range [][]string{s.IntendedUses, s.OutOfScope, s.Users, s.Limitations, s.Bias, s.Recommendations} {
			if len(list) > maxSections {
				t.Fatalf("%d sections", len(list))
			}
			for _, text := range list {
				if len(text) > MaxSectionLen || strings.TrimSpace(text) == "" {
					t.Fatalf("section of %d bytes: %q", len(text), text)
				}
			}
		}
		r := repo{gguf: []string{"x/y"}}
		bom := buildBOM(parsed{card: card}, r)
		bom.SpecVersion = cdx.SpecVersion1_6
		var buf bytes.Buffer
		// Encode, not EncodeVersion: its gob copy costs milliseconds per call.
		if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).Encode(bom); err != nil {
			t.Fatal(err)
		}
		if err := bomschema.Validate(buf.Bytes(), "1.6"); err != nil {
			t.Fatalf("%v\n%s", err, buf.Bytes())
		}
	})
}

// FuzzParseConfig parses arbitrary JSON as config.json, generation_config.json
// and adapter_config.json.
func FuzzParseConfig(f *testing.F) {
	addSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(bytes.NewReader(data), "config.json")
		if (cfg == nil) == (err == nil) {
			t.Fatalf("config %v with error %v", cfg, err)
		}
		_, _ = ParseGenerationConfig(bytes.NewReader(data), "generation_config.json")
		a, _ := ParseAdapter(bytes.NewReader(data), "adapter_config.json")
		_ = Properties(nil, cfg, nil)
		_ = a.Properties()
		_ = Lineage(nil, a, nil)
	})
}

// FuzzParseWeightIndex parses arbitrary weight indexes: no panic, and no
// shard name that leaves the folder is ever kept.
func FuzzParseWeightIndex(f *testing.F) {
	f.Add([]byte(`{"metadata": {"total_size": 16}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map": {"a": "../x"}}`))
	f.Add([]byte(`{"weight_map": []}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, _ := ParseWeightIndex(bytes.NewReader(data), "model.safetensors.index.json")
		if idx == nil {
			return
		}
		for s := range idx.Shards {
			c := path.Clean(s)
			if strings.HasPrefix(s, "/") || c == ".." || strings.HasPrefix(c, "../") || strings.ContainsRune(s, 0) {
				t.Fatalf("shard %q kept", s)
			}
		}
	})
}
