package verify

import (
	"encoding/json"
)

// BOMSummary is what the verify output shows of an attested CycloneDX BOM.
type BOMSummary struct {
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber,omitempty"`
	// Subject is the name (and version) of the BOM's metadata component.
	Subject    string `json:"subject,omitempty"`
	Components int    `json:"components"`
	// Models are the machine-learning-model components' names.
	Models []string `json:"models,omitempty"`
}

// ScanSummary is what the verify output shows of an attested scan report.
type ScanSummary struct {
	Files int `json:"files"`
	// Worst is the report's worst verdict ("clean", ..., "malicious").
	Worst    string         `json:"worst"`
	Verdicts map[string]int `json:"verdicts,omitempty"`
}

type bomComponent struct {
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	Components []bomComponent `json:"components"`
}

// bom records a verified CycloneDX predicate; a predicate that is not a
// CycloneDX BOM does not verify.
func (c *checker) bom(where string, pred json.RawMessage) bool {
	var b struct {
		BOMFormat    string `json:"bomFormat"`
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Component *bomComponent `json:"component"`
		} `json:"metadata"`
		Components []bomComponent `json:"components"`
	}
	if err := json.Unmarshal(pred, &b); err != nil || b.BOMFormat != "CycloneDX" {
		c.problem("%s: signed %s predicate is not a CycloneDX BOM", where, PredicateCycloneDX)
		return false
	}
	if c.res.Verified.BOM {
		return true
	}
	s := &BOMSummary{SpecVersion: b.SpecVersion, SerialNumber: b.SerialNumber}
	if mc := b.Metadata.Component; mc != nil {
		s.Subject = mc.Name
		if mc.Version != "" {
			s.Subject += "@" + mc.Version
		}
		if mc.Type == "machine-learning-model" {
			s.Models = append(s.Models, mc.Name)
		}
	}
	var walk func([]bomComponent, int)
	walk = func(cs []bomComponent, depth int) {
		for _, comp := range cs {
			s.Components++
			if comp.Type == "machine-learning-model" && len(s.Models) < 32 {
				s.Models = append(s.Models, comp.Name)
			}
			if depth < 32 {
				walk(comp.Components, depth+1)
			}
		}
	}
	walk(b.Components, 0)
	c.res.Verified.BOM = true
	c.res.BOM = pred
	c.res.BOMSummary = s
	return true
}

// scan records a verified scan-report predicate (the JSON of `aibom scan
// --format json`).
func (c *checker) scan(where string, pred json.RawMessage) bool {
	var r struct {
		Files   *json.RawMessage `json:"files"`
		Summary *struct {
			Files    int            `json:"files"`
			Verdicts map[string]int `json:"verdicts"`
			Worst    string         `json:"worst"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(pred, &r); err != nil || r.Files == nil || r.Summary == nil || r.Summary.Worst == "" {
		c.problem("%s: signed %s predicate is not an aibom scan report", where, PredicateScanReport)
		return false
	}
	if c.res.Verified.Scan {
		return true
	}
	c.res.Verified.Scan = true
	c.res.Scan = pred
	c.res.ScanSummary = &ScanSummary{Files: r.Summary.Files, Worst: r.Summary.Worst, Verdicts: r.Summary.Verdicts}
	return true
}
