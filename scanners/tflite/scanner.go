package tflite

import (
	"context"
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/tensorflow"
)

// Rule IDs.
const (
	// RuleCustomOp is an operator code with a custom_code: the application
	// must register native code for it.
	RuleCustomOp = "TFLITE-CUSTOM-OP"
	// RuleFlexOp is a TensorFlow op run by the Flex delegate.
	RuleFlexOp = "TFLITE-FLEX-OP"
)

// flexPrefix starts the custom codes of Flex (select TensorFlow) ops.
const flexPrefix = "Flex"

// Scanner reports the custom and Flex operators of TFLite models.
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

// Name returns "tflite".
func (s *Scanner) Name() string { return format }

// Match reports whether bytes 4-8 hold the file identifier "TFL3".
func (s *Scanner) Match(_ scanners.File, head []byte) bool {
	return len(head) >= 8 && string(head[4:8]) == identifier
}

// Scan parses f and reports its custom and Flex operators. Findings about
// the operator codes read before a parse error are returned with it.
// The Result's Meta is the parsed metadata (nil when f could not be parsed).
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{}, err
	}
	m, err := parse(ctx, f.R, f.Size, s.lim)
	if err != nil || m == nil {
		return scanners.Result{Findings: findings(m, "")}, err
	}
	return scanners.Result{Meta: m, Findings: findings(m, "")}, nil
}

// findings returns one finding per operator code with a custom_code.
func findings(m *Model, member string) []scanners.Finding {
	var out []scanners.Finding
	for _, c := range m.OpCodes {
		if c.Custom == "" {
			continue
		}
		fd := scanners.Finding{Rule: RuleCustomOp, Severity: scanners.Medium, Global: c.Custom, Offset: c.Offset,
			ATLAS: scanners.ATLASModifyArchitecture, Member: member,
			Message: fmt.Sprintf("custom op %q: the application must register native code for it (used %d times)",
				c.Custom, m.Ops[c.Custom])}
		if op, ok := strings.CutPrefix(c.Custom, flexPrefix); ok && op != "" {
			fd.Rule, fd.Global = RuleFlexOp, op
			fd.Message = fmt.Sprintf("Flex op %q runs TensorFlow op %s through the Flex delegate (used %d times)",
				c.Custom, op, m.Ops[c.Custom])
			switch tensorflow.OpRisk(op) {
			case tensorflow.Dangerous, tensorflow.Checkpoint:
				fd.Severity, fd.ATLAS = scanners.Critical, scanners.ATLASEmbedMalware
				fd.Message += ", which " + tensorflow.OpEffect(op)
			case tensorflow.Asset:
				fd.Message += ", which " + tensorflow.OpEffect(op) + " named by a tensor"
			case tensorflow.Custom:
				fd.Message += ", which is not a standard TensorFlow op"
			case tensorflow.Standard:
			}
		}
		out = append(out, fd)
	}
	return out
}
