package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rules of the findings that tie code to the configs that import it.
const (
	// RuleAutoMap: a Python file that a config's auto_map (or
	// custom_pipelines) makes transformers import with trust_remote_code.
	RuleAutoMap = "PYTHON-AUTO-MAP"
	// RuleRemoteCode: a config whose auto_map imports code from another
	// repository ("org/repo--module.Class"), which is not in the folder
	// and was not scanned.
	RuleRemoteCode = "CONFIG-REMOTE-CODE"
)

// codeConfigs are the files whose auto_map transformers reads.
var codeConfigs = map[string]bool{"config.json": true, "tokenizer_config.json": true,
	"preprocessor_config.json": true, "processor_config.json": true, "feature_extractor_config.json": true,
	"image_processor_config.json": true, "video_preprocessor_config.json": true}

// maxConfig bounds the config read for its auto_map.
const maxConfig = 16 << 20

// linkCode ties each Python file of items to the configs in its folder
// that make a loader import it, with an info finding naming the config and
// the classes; a config that imports code from another repository gets a
// finding of its own. Only random-access entries are read again.
func linkCode(ctx context.Context, items []Item) {
	code := map[string]map[string]int{} // folder → module → item
	for i := range items {
		if items[i].Result.Format != "python" {
			continue
		}
		dir, base := path.Split(items[i].Entry.Path())
		if code[dir] == nil {
			code[dir] = map[string]int{}
		}
		code[dir][strings.TrimSuffix(base, ".py")] = i
	}
	for i := range items {
		it := &items[i]
		dir, base := path.Split(it.Entry.Path())
		ra, ok := it.Entry.(source.RandomAccess)
		if !codeConfigs[base] || it.Problem != nil || !ok || ctx.Err() != nil {
			continue
		}
		refs := autoMapOf(ctx, ra, it.Entry.Size())
		mods := make([]string, 0, len(refs))
		for m := range refs {
			mods = append(mods, m)
		}
		sort.Strings(mods)
		for _, mod := range mods {
			if repo, m, ok := strings.Cut(mod, "--"); ok {
				it.Result.Findings = append(it.Result.Findings, scanners.Finding{Rule: RuleRemoteCode,
					Severity: scanners.Medium, Global: m, ATLAS: scanners.ATLASSupplyChainModel,
					Message: fmt.Sprintf("auto_map imports %s.py from another repository, %s (%s): that code is not in this folder and was not scanned",
						m, repo, strings.Join(refs[mod], ", "))})
				it.Result.Verdict = max(it.Result.Verdict, scanners.VerdictOf(it.Result.Findings, nil))
				continue
			}
			j, ok := code[dir][mod]
			if !ok {
				continue
			}
			items[j].Result.Findings = append(items[j].Result.Findings, scanners.Finding{Rule: RuleAutoMap,
				Severity: scanners.Info, ATLAS: scanners.ATLASUnsafeArtifact,
				Message: fmt.Sprintf("imported by transformers (trust_remote_code) through %s: %s", it.Entry.Path(), strings.Join(refs[mod], ", "))})
		}
	}
}

// autoMapOf reads a config's auto_map and custom_pipelines and returns,
// per module named ("modeling_x", or "org/repo--modeling_x"), what names
// it ("AutoModelForCausalLM → modeling_x.XForCausalLM").
func autoMapOf(ctx context.Context, ra source.RandomAccess, size int64) map[string][]string {
	r, err := ra.OpenAt(ctx)
	if err != nil {
		return nil
	}
	defer r.Close()
	b, err := safeio.ReadAt(r, size, 0, size, maxConfig)
	if err != nil {
		return nil
	}
	var cfg struct {
		AutoMap   map[string]json.RawMessage `json:"auto_map"`
		Pipelines map[string]struct {
			Impl string `json:"impl"`
		} `json:"custom_pipelines"`
	}
	if json.Unmarshal(b, &cfg) != nil {
		return nil
	}
	out := map[string][]string{}
	add := func(key, ref string) {
		repo, rest, remote := strings.Cut(ref, "--")
		if !remote {
			repo, rest = "", ref
		}
		mod, _, ok := strings.Cut(rest, ".")
		if !ok || mod == "" {
			return
		}
		if remote {
			mod = repo + "--" + mod
		}
		out[mod] = append(out[mod], key+" → "+ref)
	}
	for key, raw := range cfg.AutoMap {
		var one string
		var many []*string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			add(key, one)
		case json.Unmarshal(raw, &many) == nil:
			for _, m := range many {
				if m != nil {
					add(key, *m)
				}
			}
		}
	}
	for task, p := range cfg.Pipelines {
		add("custom pipeline "+task, p.Impl)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}
