package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// SARIF constants.
const (
	// ToolName is the driver name written to SARIF logs.
	ToolName = "aibom"
	// RuleInvalid is the SARIF rule ID of a result for a file, or a part of
	// one, that could not be parsed (one result per scanners.FormatError).
	RuleInvalid = "AIBOM-INVALID"

	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

// ToolInfo describes the tool in a SARIF log.
type ToolInfo struct {
	// Version is the tool's version, e.g. "1.2.3"; left out when empty.
	Version string
	// InformationURI is an absolute URI where users can learn about the
	// tool; left out when empty.
	InformationURI string
	// RuleDescriptions maps rule IDs to one-line descriptions for
	// tool.driver.rules. Rules missing from it are described by their ID
	// ("PICKLE-DANGEROUS-GLOBAL" becomes "Pickle dangerous global").
	RuleDescriptions map[string]string
}

// WriteSARIF writes r to w as a SARIF 2.1.0 log with one run. Each finding
// becomes a result whose ruleId is the finding's rule; each parse error
// (scanners.FormatError) becomes a result with ruleId RuleInvalid. Results
// follow the report's file order, then finding order; rules are sorted by
// ID, so equal reports give equal bytes.
//
// Locations name the file by its path as a URI reference. A byte offset is
// given as region.byteOffset only when it is relative to the file itself;
// offsets inside an archive member are given in the message and in the
// result's properties (member, offset) instead. Rules carry the
// "security-severity" and "tags" properties GitHub code scanning reads.
func WriteSARIF(w io.Writer, r *scanners.Report, tool ToolInfo) error {
	if r == nil {
		return ErrNilReport
	}
	rules := newRuleSet(tool)
	results := []sarifResult{}
	for i := range r.Files {
		f := &r.Files[i]
		for _, fd := range f.Findings {
			rules.add(fd.Rule, fd.Severity, fd.ATLAS)
			results = append(results, findingResult(f, fd))
		}
		for _, e := range f.Errors {
			if e == nil {
				continue
			}
			rules.add(RuleInvalid, invalidSeverity, "")
			results = append(results, errorResult(f, e))
		}
	}
	driver := sarifDriver{
		Name:           ToolName,
		Version:        tool.Version,
		InformationURI: tool.InformationURI,
		Rules:          rules.descriptors(),
	}
	for i := range results {
		results[i].RuleIndex = rules.index[results[i].RuleID]
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("writing SARIF report: %w", err)
	}
	return nil
}

// invalidSeverity ranks parse errors: the invalid verdict sits between
// suspicious and malicious.
const invalidSeverity = scanners.High

func findingResult(f *scanners.FileResult, fd scanners.Finding) sarifResult {
	msg := fd.Message
	if msg == "" {
		msg = fd.Rule
	}
	return sarifResult{
		RuleID:    fd.Rule,
		Level:     level(fd.Severity),
		Message:   sarifText{Text: msg + memberSuffix(fd.Member, fd.Offset)},
		Locations: locations(f.Path, fd.Member, fd.Offset),
		Properties: sarifResultProps{
			Verdict:  f.Verdict.String(),
			Severity: fd.Severity.String(),
			Global:   fd.Global,
			ATLAS:    fd.ATLAS,
			Member:   fd.Member,
			Offset:   fd.Offset,
		},
	}
}

func errorResult(f *scanners.FileResult, e *scanners.FormatError) sarifResult {
	return sarifResult{
		RuleID:    RuleInvalid,
		Level:     "error",
		Message:   sarifText{Text: e.Format + ": " + e.Msg + memberSuffix(e.Member, e.Offset)},
		Locations: locations(f.Path, e.Member, e.Offset),
		Properties: sarifResultProps{
			Verdict: f.Verdict.String(),
			Format:  e.Format,
			Member:  e.Member,
			Offset:  e.Offset,
		},
	}
}

// memberSuffix says where in an archive a result is, for the message.
func memberSuffix(member string, offset int64) string {
	switch {
	case member == "":
		return ""
	case offset < 0:
		return fmt.Sprintf(" (in archive member %s)", member)
	default:
		return fmt.Sprintf(" (in archive member %s at byte offset %d)", member, offset)
	}
}

func locations(path, member string, offset int64) []sarifLocation {
	loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: pathURI(path)}}
	if member == "" && offset >= 0 {
		loc.Region = &sarifRegion{ByteOffset: offset}
	}
	return []sarifLocation{{PhysicalLocation: loc}}
}

// pathURI turns a slash-separated path into a URI reference: spaces and
// other reserved characters are percent-encoded, and a first segment with a
// colon is prefixed with "./" so it is not read as a scheme.
func pathURI(path string) string {
	return (&url.URL{Path: path}).String()
}

// level maps a severity to a SARIF result level.
func level(s scanners.Severity) string {
	switch {
	case s >= scanners.High:
		return "error"
	case s >= scanners.Medium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity maps a severity to GitHub code scanning's 0.0–10.0
// score, written as a string as GitHub documents it.
func securitySeverity(s scanners.Severity) string {
	switch {
	case s >= scanners.Critical:
		return "9.5"
	case s >= scanners.High:
		return "8.0"
	case s >= scanners.Medium:
		return "5.5"
	case s >= scanners.Low:
		return "3.0"
	default:
		return "1.0"
	}
}

// ruleSet collects the distinct rules seen in a report.
type ruleSet struct {
	tool  ToolInfo
	rules map[string]*ruleSeen
	index map[string]int
}

type ruleSeen struct {
	severity scanners.Severity
	atlas    string
}

func newRuleSet(tool ToolInfo) *ruleSet {
	return &ruleSet{tool: tool, rules: map[string]*ruleSeen{}, index: map[string]int{}}
}

// add records a use of rule id: the highest severity and the first ATLAS
// technique seen describe the rule.
func (s *ruleSet) add(id string, sev scanners.Severity, atlas string) {
	r, ok := s.rules[id]
	if !ok {
		s.rules[id] = &ruleSeen{severity: sev, atlas: atlas}
		return
	}
	r.severity = max(r.severity, sev)
	if r.atlas == "" {
		r.atlas = atlas
	}
}

// descriptors returns the rules sorted by ID and fills s.index.
func (s *ruleSet) descriptors() []sarifRule {
	ids := make([]string, 0, len(s.rules))
	for id := range s.rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]sarifRule, 0, len(ids))
	for i, id := range ids {
		seen := s.rules[id]
		s.index[id] = i
		tags := []string{"security"}
		if seen.atlas != "" {
			tags = append(tags, "external/mitre-atlas/"+seen.atlas)
		}
		out = append(out, sarifRule{
			ID:                   id,
			ShortDescription:     sarifText{Text: s.describe(id)},
			DefaultConfiguration: sarifConfig{Level: level(seen.severity)},
			Properties: sarifRuleProps{
				Tags:             tags,
				ATLAS:            seen.atlas,
				SecuritySeverity: securitySeverity(seen.severity),
			},
		})
	}
	return out
}

func (s *ruleSet) describe(id string) string {
	if d := s.tool.RuleDescriptions[id]; d != "" {
		return d
	}
	if id == RuleInvalid {
		return "Model file could not be parsed; lenient loaders may still load it"
	}
	words := strings.FieldsFunc(strings.ToLower(id), func(r rune) bool { return r == '-' || r == '_' })
	if len(words) == 0 {
		return "Rule " + id
	}
	first, n := utf8.DecodeRuneInString(words[0])
	words[0] = string(unicode.ToUpper(first)) + words[0][n:]
	return strings.Join(words, " ")
}
