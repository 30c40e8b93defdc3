// Package python scans the Python source files that ship beside a model
// (modeling_*.py, tokenization_*.py, handler.py, pipeline code):
// transformers imports them with trust_remote_code when a config's auto_map
// names them, and serving stacks import handlers by name. Importing a
// module runs its top level, so the scanner reports what runs at import
// time: module-level calls, class bodies, decorators and default values,
// and the functions of the file that these call. Nothing is executed: the
// source is tokenized and parsed (Parse) by a parser written for this
// purpose, and the statements are read (Analyze).
package python

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/secrets"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/text"
)

// Rule IDs reported by this package.
const (
	RuleCode      = "PYTHON-CODE"
	RuleDangerous = "PYTHON-IMPORT-TIME-DANGEROUS"
	RuleDynamic   = "PYTHON-DYNAMIC-CODE"
	RuleUnknown   = "PYTHON-IMPORT-TIME-CODE"
	RuleEnv       = "PYTHON-IMPORT-TIME-ENV"
	RuleDeferred  = "PYTHON-DANGEROUS-CALL"
)

// MaxSize bounds the source read: the largest modeling files are ~300 KB.
// A larger file is invalid (it cannot be shown to be safe).
const MaxSize = 4 << 20

// maxFindings bounds the findings of one file; the rest are counted.
const maxFindings = 200

// Scanner scans Python source files.
type Scanner struct{ lim Limits }

// New returns a Scanner with DefaultLimits.
func New() *Scanner { return &Scanner{lim: DefaultLimits()} }

// Name returns "python".
func (s *Scanner) Name() string { return "python" }

// Match reports a file (or archive member) named *.py that holds text:
// Python source has no magic, and loaders pick modules by name.
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	name := f.Name
	if name == "" {
		name = f.Path
	}
	return strings.HasSuffix(strings.ToLower(path.Base(filepath.ToSlash(name))), ".py") && !strings.ContainsRune(string(head), 0)
}

// Meta describes a Python source file for the BOM.
type Meta struct {
	Imports            []string
	Classes, Functions int
}

// Describe implements scanners.Meta.
func (m *Meta) Describe() scanners.Description {
	var d scanners.Description
	d.Add("aibom:python:imports", strings.Join(m.Imports, ","))
	d.Add("aibom:python:classes", fmt.Sprint(m.Classes))
	d.Add("aibom:python:functions", fmt.Sprint(m.Functions))
	return d
}

// Scan implements scanners.Scanner.
func (s *Scanner) Scan(_ context.Context, f scanners.File) (scanners.Result, error) {
	if torchScript(f.Member) {
		return scanners.Result{}, scanners.ErrNotMatched
	}
	b, err := safeio.ReadAt(f.R, f.Size, 0, f.Size, MaxSize)
	if err != nil {
		return scanners.Result{}, scanners.Errorf("python", 0, "%v", err)
	}
	m, err := Parse(string(b), s.lim)
	if err != nil {
		off, msg := int64(0), err.Error()
		var se *SyntaxError
		if errors.As(err, &se) {
			off = int64(se.Off)
		}
		return scanners.Result{}, scanners.Errorf("python", off, "%s", msg)
	}
	an := Analyze(m, s.lim)
	fs := Findings(an, "")
	for _, sm := range secrets.Find(b) {
		fs = append(fs, text.Finding(sm.Kind, int64(sm.Start), int64(sm.End-sm.Start), ""))
	}
	fs = append([]scanners.Finding{{Rule: RuleCode, Severity: scanners.Info, ATLAS: scanners.ATLASUnsafeArtifact,
		Message: fmt.Sprintf("Python source (%d classes, %d functions): importing it runs its top level "+
			"(transformers' trust_remote_code imports the files a config's auto_map names; serving stacks "+
			"import handler and pipeline files)%s", an.Classes, an.Functions, loadedBy(f))}}, fs...)
	return scanners.Result{Findings: fs, Meta: &Meta{Imports: an.Imports, Classes: an.Classes, Functions: an.Functions}}, nil
}

// Findings turns the issues of an analysis into findings in member.
func Findings(an Analysis, member string) []scanners.Finding {
	var fs []scanners.Finding
	for i, is := range an.Issues {
		if i == maxFindings {
			fs = append(fs, scanners.Finding{Rule: RuleUnknown, Severity: scanners.Medium, Member: member,
				Offset: int64(is.Off), ATLAS: scanners.ATLASEmbedMalware,
				Message: fmt.Sprintf("%d more findings not listed", len(an.Issues)-maxFindings)})
			break
		}
		rule, sev := ruleOf(is.Class)
		fs = append(fs, scanners.Finding{Rule: rule, Severity: sev, Global: is.Callee, Offset: int64(is.Off),
			Member: member, ATLAS: scanners.ATLASEmbedMalware, Message: fmt.Sprintf("line %d: %s", is.Line, is.Msg)})
	}
	return fs
}

func ruleOf(c Class) (string, scanners.Severity) {
	switch c {
	case Dangerous:
		return RuleDangerous, scanners.Critical
	case Dynamic:
		return RuleDynamic, scanners.High
	case Unknown:
		return RuleUnknown, scanners.Medium
	case Environment:
		return RuleEnv, scanners.Low
	case Deferred, benign:
	}
	return RuleDeferred, scanners.Low
}

// torchScript reports an archive member in TorchScript's code/ folder: the
// PyTorch scanner reads those as TorchScript, which torch.jit.load
// compiles rather than imports.
func torchScript(member string) bool {
	return strings.HasPrefix(member, "code/__torch__/") || strings.Contains(member, "/code/__torch__/")
}

// loadedBy names the serving stack that imports a file by its name alone.
func loadedBy(f scanners.File) string {
	name := f.Name
	if name == "" {
		name = f.Path
	}
	switch strings.ToLower(path.Base(filepath.ToSlash(name))) {
	case "handler.py":
		return "; Hugging Face Inference Endpoints import handler.py as the custom handler"
	case "pipeline.py", "custom_pipeline.py":
		return "; diffusers imports pipeline.py for custom_pipeline"
	}
	return ""
}
