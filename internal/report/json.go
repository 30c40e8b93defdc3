package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// WriteJSON writes r to w as indented JSON, field for field as the struct
// tags of scanners.Report say. That form is a contract other tools parse:
// fields are only ever added. Nil slices and maps are written as [] and {}
// (never null), and <, > and & are not escaped.
func WriteJSON(w io.Writer, r *scanners.Report) error {
	if r == nil {
		return ErrNilReport
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalize(r)); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// normalize returns a shallow copy of r whose nil slices and maps are empty,
// so that they encode as [] and {}. r itself is not modified.
func normalize(r *scanners.Report) *scanners.Report {
	out := *r
	out.Files = make([]scanners.FileResult, len(r.Files))
	copy(out.Files, r.Files)
	for i := range out.Files {
		if out.Files[i].Findings == nil {
			out.Files[i].Findings = []scanners.Finding{}
		}
	}
	if out.Summary.Verdicts == nil {
		out.Summary.Verdicts = map[string]int{}
	}
	if out.Summary.Findings == nil {
		out.Summary.Findings = map[string]int{}
	}
	return &out
}
