package modelcard

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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
	addSeedFiles(f, filepath.Join("testdata", pattern))
}

// addSeedFiles adds the files matching a glob pattern (relative to the
// package) as seeds.
func addSeedFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
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
	addSeedFiles(f, filepath.Join("..", "..", "testdata", "cards", "*", "README.md"))
	f.Add([]byte("---\nco2_eq_emissions: {emissions: 1e-300}\nlicense_link: 'http://x/ y'\nlicense: [other, mit]\n---\n"))
	f.Add([]byte("\n<!-- x -->\n---\nlicense: mit\n---\n**Intended Use:** chat\n__Limitations__:\n```\n## Uses\n```\nslow\n"))
	f.Add([]byte("---\nx: &r {metrics: [{type: a, value: 1}]}\nmodel-index: [{results: [*r, *r, {dataset: {type: a/b, revision: c}}]}]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, err := parseCard(bytes.NewReader(data), "README.md", limits{metrics: 64})
		if card == nil {
			t.Fatal("nil card from a readable input")
		}
		if omitted := card.MetricsOmitted > 0 || card.MetricsOmittedAtLeast; omitted != errors.Is(err, ErrMetricsOmitted) {
			t.Fatalf("omitted %d (at least %v) with error %v", card.MetricsOmitted, card.MetricsOmittedAtLeast, err)
		}
		kept := 0
		for _, mi := range card.ModelIndex {
			for _, r := range mi.Results {
				kept += 1 + len(r.Metrics)
			}
		}
		if kept > 64 {
			t.Fatalf("%d results and metrics kept over the bound of 64", kept)
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

// FuzzParseLicenseFile reads arbitrary license files: no panic, a text
// kept unencoded is one XML can carry, and the licenses made from it,
// alone or with a card's, validate against the CycloneDX schema and
// survive an XML round trip.
func FuzzParseLicenseFile(f *testing.F) {
	addSeedFiles(f, filepath.Join("..", "..", "testdata", "cards", "*", "LICENSE*"))
	f.Add([]byte("ACME LICENSE\x00\xff\x01"))
	f.Add([]byte("   Apache License\n Version 2.0, January 2004\nTERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := ParseLicenseFile(bytes.NewReader(data), "LICENSE.md")
		if err != nil || lf == nil {
			t.Fatalf("%v, %v", lf, err)
		}
		// One BOM for the three cases keeps the schema validation (the costly
		// part under coverage instrumentation) to one per input.
		var comps []cdx.Component
		for i, card := range []*Card{nil, {License: []string{"other"}, LicenseLink: "LICENSE.md"}, {License: []string{"apache-2.0"}}} {
			lics := card.LicensesWith([]*LicenseFile{lf, lf})
			if len(lics) == 0 {
				t.Fatal("no license from a license file")
			}
			name := fmt.Sprintf("m%d", i)
			comps = append(comps, cdx.Component{BOMRef: name, Type: cdx.ComponentTypeMachineLearningModel, Name: name, Licenses: &lics})
		}
		bom := cdx.NewBOM()
		bom.SerialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
		bom.SpecVersion = cdx.SpecVersion1_6
		bom.Components = &comps
		var buf bytes.Buffer
		if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).Encode(bom); err != nil {
			t.Fatal(err)
		}
		if err := bomschema.Validate(buf.Bytes(), "1.6"); err != nil {
			t.Fatalf("%v\n%s", err, buf.Bytes())
		}
		buf.Reset()
		if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatXML).Encode(bom); err != nil {
			t.Fatal(err)
		}
		for dec := xml.NewDecoder(&buf); ; {
			if _, err := dec.Token(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("XML: %v", err)
			}
		}
	})
}
