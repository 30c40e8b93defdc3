package safetensors

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// RuleMetadataFormat is the rule of the informational finding for a
// __metadata__ "format" that names no known framework.
const RuleMetadataFormat = "SAFETENSORS-METADATA-FORMAT"

// knownFormats are the __metadata__ "format" values that frameworks write.
var knownFormats = map[string]bool{
	"pt": true, "tf": true, "flax": true, "np": true, "numpy": true,
	"mlx": true, "paddle": true, "jax": true,
}

// Scanner validates safetensors files. A safetensors loader executes nothing
// in the file, so valid files have no findings (whatever bytes their data
// buffer holds: a pickle there is never unpickled); invalid ones get an
// error.
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

// Name returns "safetensors".
func (s *Scanner) Name() string { return format }

// Match reports whether f starts like a safetensors file: a header length
// that is not 0, within the limit and within the file, followed by '{'.
// JSON whitespace before the '{' is matched too: the reference loader accepts
// it though the specification does not, so Scan reports such a file as
// invalid rather than leaving it unrecognised.
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	// Decide by the shape of the start: a length followed by a JSON object.
	// Whether the length fits the file is for Scan to check, so that a
	// lying length is reported as invalid instead of being skipped; but a
	// length that does not fit must then be followed by a real JSON object
	// start ('{' and a key or '}') and must not be printable text, so that
	// other binary or text files whose ninth byte happens to be '{' (a
	// gettext .mo file, {"data":{...}) are left to the other scanners.
	if len(head) <= lengthSize+1 || f.Size <= lengthSize {
		return false
	}
	n := binary.LittleEndian.Uint64(head)
	if n == 0 {
		return false
	}
	i := skipSpace(head, lengthSize)
	if i >= len(head) || head[i] != '{' {
		return false
	}
	if n <= uint64(f.Size-lengthSize) {
		return true
	}
	j := skipSpace(head, i+1)
	return !printable(head[:lengthSize]) && j < len(head) && (head[j] == '"' || head[j] == '}')
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(" \t\n\r", b[i]) >= 0 {
		i++
	}
	return i
}

// Scan validates f. It returns no findings for a valid file, except an
// informational one when __metadata__ names an unknown "format"; the
// *scanners.FormatError of Parse, with Member set, for an invalid one; and
// ctx.Err() if ctx is done before the header is read.
// The Result's Meta is the parsed metadata (nil when f could not be parsed).
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{}, err
	}
	h, err := parseContext(ctx, f.R, f.Size, s.lim)
	if err != nil {
		return scanners.Result{}, err
	}
	return scanners.Result{Meta: h, Findings: h.findings("")}, nil
}

func (h *Header) findings(member string) []scanners.Finding {
	v, ok := h.Metadata["format"]
	if !ok || knownFormats[v] {
		return nil
	}
	msg := fmt.Sprintf("__metadata__ \"format\" is %q, which names no known framework", v)
	if l := strings.ToLower(v); strings.Contains(l, "pickle") || strings.Contains(l, "pkl") {
		msg += "; safetensors loaders never unpickle, but custom code reading this metadata might"
	}
	return []scanners.Finding{{
		Rule:     RuleMetadataFormat,
		Severity: scanners.Info,
		Message:  msg,
		Offset:   h.formatOffset,
		Member:   member,
		ATLAS:    scanners.ATLASUnsafeArtifact,
	}}
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
