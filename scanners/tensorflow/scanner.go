package tensorflow

import (
	"context"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Scanner reports the dangerous and custom ops of SavedModel files.
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

// Name returns "tensorflow".
func (s *Scanner) Name() string { return format }

// Match reports whether head starts like a SavedModel protobuf: an optional
// saved_model_schema_version (field 1, varint), then a meta_graphs field
// (2, length-delimited, not empty) whose first field is one of
// MetaGraphDef's messages (fields 1-7, length-delimited). Whether the
// lengths fit the file is for Scan to check, so that a truncated model is
// reported invalid rather than left unrecognised.
func (s *Scanner) Match(_ scanners.File, head []byte) bool {
	num, typ, n := protowire.ConsumeTag(head)
	if n < 0 {
		return false
	}
	b := head[n:]
	if num == 1 && typ == protowire.VarintType {
		v, m := protowire.ConsumeVarint(b)
		if m < 0 || v > 1<<16 {
			return false
		}
		b = b[m:]
		if num, typ, n = protowire.ConsumeTag(b); n < 0 {
			return false
		}
		b = b[n:]
	}
	if num != 2 || typ != protowire.BytesType {
		return false
	}
	l, m := protowire.ConsumeVarint(b)
	if m < 0 || l < 2 {
		return false
	}
	num, typ, n = protowire.ConsumeTag(b[m:])
	return n > 0 && num >= 1 && num <= 7 && typ == protowire.BytesType
}

// Scan parses f and reports its ops. Findings made before a parse error are
// returned with it.
// The Result's Meta is the parsed metadata (nil when f could not be parsed).
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{}, err
	}
	m, err := parse(ctx, f.R, f.Size, s.lim)
	fs := analyze(m, "")
	if err != nil || m == nil {
		return scanners.Result{Findings: fs}, err
	}
	return scanners.Result{Meta: m, Findings: fs}, nil
}
