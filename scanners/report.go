package scanners

// FileResult is the outcome for one scanned file. Its JSON form is part of the
// `aibom scan --format json` contract: fields are only ever added.
type FileResult struct {
	// Path is relative to the scanned directory, with / separators; for a
	// file named on the command line, the path as given.
	Path string `json:"path"`
	// Format is the detected format ("pickle", "pytorch", "safetensors",
	// "unknown", ...).
	Format  string  `json:"format"`
	Verdict Verdict `json:"verdict"`
	// SHA256 is the hex digest of the file's bytes; empty when hashing was
	// turned off.
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Findings []Finding `json:"findings"`
	// Errors says why (part of) the file could not be parsed. Non-empty
	// errors make the verdict at least invalid.
	Errors []*FormatError `json:"errors,omitempty"`
	// Metadata is the Result.Meta of the scanner that matched
	// (*safetensors.Header, *onnx.Model, *gguf.File, ...); nil when the
	// format has none, and for invalid files. Not part of the JSON report.
	Metadata Meta `json:"-"`
}

// Summary counts a Report's results.
type Summary struct {
	Files    int            `json:"files"`
	Verdicts map[string]int `json:"verdicts"`
	Findings map[string]int `json:"findings"`
	// Worst is the highest verdict of any file ("clean" when there are none).
	Worst Verdict `json:"worst"`
}

// Report is what `aibom scan` prints.
type Report struct {
	Files   []FileResult `json:"files"`
	Summary Summary      `json:"summary"`
}

// Summarize fills r.Summary from r.Files.
func (r *Report) Summarize() {
	s := Summary{Files: len(r.Files), Verdicts: map[string]int{}, Findings: map[string]int{}}
	for _, v := range verdictNames {
		s.Verdicts[v] = 0
	}
	for _, sev := range severityNames {
		s.Findings[sev] = 0
	}
	for _, f := range r.Files {
		s.Verdicts[f.Verdict.String()]++
		s.Worst = max(s.Worst, f.Verdict)
		for _, fd := range f.Findings {
			s.Findings[fd.Severity.String()]++
		}
	}
	r.Summary = s
}
