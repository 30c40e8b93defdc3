// Package report renders a *scanners.Report for people and for machines:
// WriteJSON for the stable `--format json` contract, WriteTable for a
// terminal and WriteSARIF for code-scanning dashboards.
//
// The renderers only read the report: they never reorder, summarise or
// otherwise change it, so the same report always renders to the same bytes.
// Call (*scanners.Report).Summarize before rendering.
package report

import "errors"

// ErrNilReport is returned by every writer when it is given a nil report.
var ErrNilReport = errors.New("report: nil report")
