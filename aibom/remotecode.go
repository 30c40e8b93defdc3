package aibom

import (
	"fmt"
	"path"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// RuleRemoteCode is the finding that loading a model runs Python code that
// ships with it: auto_map in its config.json or tokenizer_config.json
// (transformers' trust_remote_code).
const RuleRemoteCode = "AIBOM-REMOTE-CODE"

// Properties of remote code.
const (
	propRemoteCodeClass = "aibom:remote_code:class"
	propRemoteCodeFile  = "aibom:remote_code:file"
	propRemoteCodeRepo  = "aibom:remote_code:repository"
	propCodeLoadedBy    = "aibom:code:loaded_by"
)

// remoteCode is what a model folder's auto_map entries make its loaders
// import.
type remoteCode struct {
	vuln *cdx.Vulnerability
	// files maps each local file the loaders import to its properties.
	files    map[string][]cdx.Property
	problems []source.Problem
}

// findRemoteCode reports the auto_map entries of the model at dir (ref is
// its bom-ref): one finding on the model naming the classes and the files
// they are in; each file, when present, is affected too and is marked as
// code the loader runs. A file auto_map names that the source lacks is a
// problem: the model would not load, or loads code from elsewhere.
func findRemoteCode(ref, dir string, x repoExtras, present map[string]bool) remoteCode {
	rc := remoteCode{files: map[string][]cdx.Property{}}
	type entry struct {
		from string
		ac   modelcard.AutoClass
	}
	var entries []entry
	for _, src := range []struct {
		name string
		cfg  *modelcard.RepoConfig
	}{{"config.json", x.config}, {"tokenizer_config.json", x.tokenizer}, {"adapter_config.json", x.adapter}} {
		if src.cfg == nil {
			continue
		}
		for _, ac := range src.cfg.AutoMap {
			entries = append(entries, entry{src.name, ac})
		}
	}
	if len(entries) == 0 {
		return rc
	}
	affects := []cdx.Affects{{Ref: ref}}
	var classes, files []string
	var props []cdx.Property
	for _, e := range entries {
		cls := e.ac.Auto + "=" + e.ac.Module + "." + e.ac.Class
		props = append(props, cdx.Property{Name: propRemoteCodeClass, Value: cls})
		classes = append(classes, cls)
		if e.ac.Repo != "" {
			props = append(props, cdx.Property{Name: propRemoteCodeRepo, Value: e.ac.Repo + " (" + e.ac.File() + ")"})
			files = append(files, e.ac.Repo+":"+e.ac.File())
			continue
		}
		p := path.Join(dir, e.ac.File())
		if _, seen := rc.files[p]; seen {
			continue
		}
		files = append(files, p)
		props = append(props, cdx.Property{Name: propRemoteCodeFile, Value: p})
		if !present[p] {
			rc.problems = append(rc.problems, source.Problem{Path: path.Join(dir, e.from),
				Err: fmt.Errorf("auto_map names %s.%s, but %s is not in the source", e.ac.Module, e.ac.Class, p)})
			rc.files[p] = nil
			continue
		}
		rc.files[p] = []cdx.Property{{Name: propCodeLoadedBy, Value: "auto_map (trust_remote_code)"}}
		affects = append(affects, cdx.Affects{Ref: fileRef(p)})
	}
	sort.Strings(files)
	props = append(props, cdx.Property{Name: propATLAS, Value: scanners.ATLASUnsafeArtifact})
	rc.vuln = &cdx.Vulnerability{
		BOMRef: "finding:" + ref + ":remote-code", ID: RuleRemoteCode,
		Source:  &cdx.Source{Name: ToolName},
		Ratings: &[]cdx.VulnerabilityRating{{Severity: cdx.SeverityMedium, Method: cdx.ScoringMethodOther}},
		CWEs:    &[]int{94}, // code injection: the loader imports and runs the repository's code
		Description: "loading this model runs Python code that ships with it (auto_map; transformers' trust_remote_code=True): " +
			strings.Join(classes, ", ") + "; files: " + strings.Join(files, ", "),
		Affects:    &affects,
		Properties: &props,
	}
	return rc
}
