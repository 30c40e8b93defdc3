package scanners

import (
	"errors"
	"fmt"
	"strings"
)

// Severity ranks a Finding. Critical findings make a file malicious; high and
// medium ones make it suspicious; low and info findings are informational.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText encodes the severity as its lowercase name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a lowercase severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("scanners: unknown severity %q", b)
}

// Verdict is the overall answer for one file.
type Verdict int

// Verdicts, ordered from "nothing to worry about" to "do not load". Invalid
// ranks above suspicious: a model file that cannot be parsed cannot be shown
// to be safe, and lenient loaders may still load it.
const (
	Clean Verdict = iota
	Unscanned
	Suspicious
	Invalid
	Malicious
)

var verdictNames = [...]string{"clean", "unscanned", "suspicious", "invalid", "malicious"}

func (v Verdict) String() string {
	if v < Clean || v > Malicious {
		return fmt.Sprintf("verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// MarshalText encodes the verdict as its lowercase name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a lowercase verdict name.
func (v *Verdict) UnmarshalText(b []byte) error {
	pv, err := ParseVerdict(string(b))
	if err != nil {
		return err
	}
	*v = pv
	return nil
}

// ParseVerdict parses a lowercase verdict name.
func ParseVerdict(s string) (Verdict, error) {
	for i, n := range verdictNames {
		if n == s {
			return Verdict(i), nil
		}
	}
	return Clean, fmt.Errorf("scanners: unknown verdict %q (want one of %s)", s, strings.Join(verdictNames[:], ", "))
}

// MITRE ATLAS techniques that findings map to.
const (
	// ATLASUnsafeArtifact is User Execution: Unsafe AI Artifacts.
	ATLASUnsafeArtifact = "AML.T0011.000"
	// ATLASEmbedMalware is Manipulate AI Model: Embed Malware.
	ATLASEmbedMalware = "AML.T0018.002"
	// ATLASSupplyChainModel is AI Supply Chain Compromise: Model.
	ATLASSupplyChainModel = "AML.T0010.003"
	// ATLASModifyArchitecture is Manipulate AI Model: Modify AI Model Architecture.
	ATLASModifyArchitecture = "AML.T0018.001"
)

// Finding is one unsafe or noteworthy thing seen in a file.
type Finding struct {
	// Rule is a stable identifier, e.g. "PICKLE-DANGEROUS-GLOBAL".
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Global is the resolved Python callable ("os.system"), when there is one.
	Global string `json:"global"`
	// Offset is the byte offset in the stream named by Member (or the file).
	Offset int64 `json:"offset"`
	// ATLAS is the MITRE ATLAS technique ID.
	ATLAS string `json:"atlas"`
	// Member is the archive member the finding is in; empty for the file.
	Member string `json:"member,omitempty"`
}

// VerdictOf combines findings and a scan error into a verdict.
func VerdictOf(findings []Finding, scanErr error) Verdict {
	v := Clean
	for _, f := range findings {
		switch {
		case f.Severity >= Critical:
			return Malicious
		case f.Severity >= Medium:
			v = max(v, Suspicious)
		}
	}
	if scanErr != nil {
		v = max(v, Invalid)
	}
	return v
}

// FormatError says that a stream could not be parsed: where and why.
type FormatError struct {
	// Format is the parser that failed ("pickle", "zip", ...).
	Format string `json:"format"`
	// Member is the archive member, empty for the file itself.
	Member string `json:"member,omitempty"`
	// Offset is the byte offset of the problem in that stream; -1 if unknown.
	Offset int64 `json:"offset"`
	// Msg says what was wrong.
	Msg string `json:"message"`
}

func (e *FormatError) Error() string {
	where := ""
	if e.Member != "" {
		where = e.Member + ": "
	}
	return fmt.Sprintf("%s%s: %s at offset %d", where, e.Format, e.Msg, e.Offset)
}

// Errorf returns a *FormatError at offset in the stream being scanned.
func Errorf(format string, offset int64, msg string, args ...any) error {
	return &FormatError{Format: format, Offset: offset, Msg: fmt.Sprintf(msg, args...)}
}

// MemberErrorf returns a *FormatError at offset in the member named
// member of the stream being scanned.
func MemberErrorf(member, format string, offset int64, msg string, args ...any) error {
	return &FormatError{Format: format, Member: member, Offset: offset, Msg: fmt.Sprintf(msg, args...)}
}

// FormatErrors lists the *FormatError values inside err, which may be a
// join of several; other errors are returned as a FormatError with Msg set to
// their text and Offset -1.
func FormatErrors(err error) []*FormatError {
	if err == nil {
		return nil
	}
	var out []*FormatError
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		var fe *FormatError
		if errors.As(e, &fe) {
			out = append(out, fe)
			return
		}
		out = append(out, &FormatError{Format: "io", Offset: -1, Msg: e.Error()})
	}
	walk(err)
	return out
}
