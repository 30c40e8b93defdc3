package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

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
	if err := enc.Encode(withPathBytes(normalize(r))); err != nil {
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

// jsonResult is a Result as the JSON report writes it: JSON strings cannot
// hold invalid UTF-8 (the encoder turns it into U+FFFD, so the path no
// longer opens the file and two names can collide), so such a path also
// gets path_bytes, the raw bytes in standard base64.
type jsonResult struct {
	scanners.FileResult
	PathBytes string `json:"path_bytes,omitempty"`
}

// jsonReport shadows Report.Files (declared first, so "files" keeps its
// place); every other field of Report is written as it is.
type jsonReport struct {
	Files []jsonResult `json:"files"`
	*scanners.Report
}

func withPathBytes(r *scanners.Report) *jsonReport {
	out := &jsonReport{Report: r, Files: make([]jsonResult, len(r.Files))}
	for i, f := range r.Files {
		out.Files[i].FileResult = f
		if !utf8.ValidString(f.Path) {
			out.Files[i].PathBytes = base64.StdEncoding.EncodeToString([]byte(f.Path))
		}
	}
	return out
}

// Sanitize makes s safe to print on a terminal, as the table does:
// invalid UTF-8, control and bidirectional-formatting characters become
// Go escapes such as \x1b, \n and \u202e.
func Sanitize(s string) string { return sanitize(s) }
