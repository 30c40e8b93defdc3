package gguf

import (
	"context"
	"fmt"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Scanner validates GGUF files and analyses their chat templates.
type Scanner struct {
	lim Limits
}

// Option configures a Scanner.
type Option func(*Scanner)

// WithLimits sets the limits passed to Parse.
func WithLimits(lim Limits) Option { return func(s *Scanner) { s.lim = lim } }

// New returns a Scanner with DefaultLimits, changed by opts.
func New(opts ...Option) *Scanner {
	s := &Scanner{lim: DefaultLimits()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name returns "gguf".
func (s *Scanner) Name() string { return format }

// Match reports whether f starts with the GGUF magic, or with its
// byte-swapped form "FUGG", which candle's reader also accepts (and Parse
// rejects).
func (s *Scanner) Match(_ scanners.File, head []byte) bool {
	return len(head) >= len(magic) && (string(head[:len(magic)]) == magic || string(head[:len(magic)]) == swappedMagic)
}

// Scan validates f and reports, for every chat template it holds (also
// those read before a parse error), an informational finding with its
// SHA-256 and the injection constructs AnalyzeTemplate finds. A malformed
// file also gets the *scanners.FormatError of Parse, with Member set.
// The Result's Meta is the parsed metadata (nil when f could not be parsed).
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{}, err
	}
	file, err := parseContext(ctx, f.R, f.Size, s.lim)
	var out []scanners.Finding
	for _, t := range file.ChatTemplates {
		out = append(out, templateFindings(t, "")...)
	}
	if err != nil {
		return scanners.Result{Findings: out}, err
	}
	return scanners.Result{Meta: file, Findings: out}, nil
}

// templateFindings reports template t: its digest, then its issues.
func templateFindings(t ChatTemplate, member string) []scanners.Finding {
	out := []scanners.Finding{{
		Rule:     RuleChatTemplate,
		Severity: scanners.Info,
		Message:  fmt.Sprintf("chat template %s (%d bytes) sha256:%s", t.Key, len(t.Text), t.SHA256),
		Offset:   t.Offset,
		ATLAS:    scanners.ATLASUnsafeArtifact,
		Member:   member,
	}}
	for _, is := range AnalyzeTemplate(t.Text) {
		atlas := scanners.ATLASEmbedMalware
		if is.Rule == RuleTemplateUnparseable {
			atlas = scanners.ATLASUnsafeArtifact
		}
		out = append(out, scanners.Finding{
			Rule:     is.Rule,
			Severity: is.Severity,
			Message:  t.Key + ": " + is.Msg,
			Global:   is.Global,
			Offset:   t.Offset + int64(is.Pos),
			ATLAS:    atlas,
			Member:   member,
		})
	}
	return out
}
