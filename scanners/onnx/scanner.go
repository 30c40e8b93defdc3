package onnx

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Scanner reads ONNX models and reports external data that escapes the
// model folder, operators that load native or Python code, and the tensor
// files the model needs.
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

// Name returns "onnx".
func (s *Scanner) Name() string { return format }

// maxIRVersion is the highest ir_version Match accepts (ONNX 1.18 writes
// 11); room is left for future versions.
const maxIRVersion = 64

// matchFields is how many top-level fields Match walks at most.
const matchFields = 64

// Match reports whether f starts like a ModelProto: its top-level fields
// are ModelProto fields with the right wire types, ir_version is between 1
// and 64, and a graph or opset_import field is present. Match walks the
// top-level fields through f.R (skipping the graph's bytes) so a writer
// that puts ir_version after the graph still matches; a field that runs
// past the end of the file stops the walk and counts as seen, so that a
// truncated model is reported as an invalid ONNX file.
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	if len(head) < 2 || head[0]&7 > 5 {
		return false
	}
	c := newCursor(f.R, f.Size)
	c.buf = make([]byte, 64)
	p := &parser{c: c}
	var ir, body bool
	off := int64(0)
	for range matchFields {
		if off >= f.Size || (ir && body) {
			break
		}
		fd, after, err := p.next(off, f.Size)
		var fe *scanners.FormatError
		if err != nil && errors.As(err, &fe) && fd.typ == protowire.BytesType && fd.num > 0 {
			// A length past the end: the field counts, the walk stops.
			body = body || fd.num == modelGraph || fd.num == modelOpsetImport
			break
		}
		if err != nil || !modelField(fd) {
			return false
		}
		switch fd.num {
		case modelIRVersion:
			ir = fd.val >= 1 && fd.val <= maxIRVersion
		case modelGraph, modelOpsetImport:
			body = true
		default:
		}
		off = after
	}
	return ir && body
}

// modelField reports whether f is a ModelProto field with its wire type.
func modelField(f field) bool {
	switch f.num {
	case modelIRVersion, modelModelVersion:
		return f.typ == protowire.VarintType
	case modelProducerName, modelProducerVer, modelDomain, modelDocString, modelGraph, modelOpsetImport,
		modelMetadataProps, modelTrainingInfo, modelFunctions, 26, 30:
		return f.typ == protowire.BytesType
	default:
		return false
	}
}

// Scan parses f and returns its findings, with the *scanners.FormatError
// of Parse (Member set) when f is malformed: the findings made before the
// error are returned with it.
// The Result's Meta is the parsed metadata (nil when f could not be parsed).
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{}, err
	}
	m, err := parseContext(ctx, f.R, f.Size, s.lim)
	var out []scanners.Finding
	if m != nil {
		out = m.Findings("")
	}
	if err != nil || m == nil {
		return scanners.Result{Findings: out}, err
	}
	return scanners.Result{Meta: m, Findings: out}, nil
}

// Findings returns the model's findings, ordered by offset, with Member set
// to member.
func (m *Model) Findings(member string) []scanners.Finding {
	var out []scanners.Finding
	add := func(rule string, sev scanners.Severity, off int64, global, atlas, msg string, args ...any) {
		out = append(out, scanners.Finding{Rule: rule, Severity: sev, Message: fmt.Sprintf(msg, args...),
			Global: global, Offset: off, ATLAS: atlas, Member: member})
	}
	st := m.state
	for loc, h := range st.hits {
		rule, what := RuleExternalTraversal, "external-data location"
		switch {
		case loc == ortMemAddr:
			rule = RuleExternalMemAddr
		case h.sev < scanners.Critical:
			rule = RuleExternalData
		}
		if h.ref.epctx {
			what = "EPContext cache file"
		}
		add(rule, h.sev, h.ref.off, clip(loc, 1024), scanners.ATLASUnsafeArtifact,
			"%s %q %s (%d reference(s))", what, clip(loc, 256), h.why, h.count)
	}
	for _, e := range m.External {
		if e.flagged {
			continue
		}
		what := "tensor data"
		if e.EPContext {
			what = "a precompiled execution-provider context"
		}
		add(RuleExternalData, scanners.Info, e.Offset, e.Location, scanners.ATLASUnsafeArtifact,
			"%d reference(s) to %s in %q, inside the model folder", e.Tensors, what, e.Location)
	}
	if n := st.hitDropped + st.extDropped; n > 0 {
		add(RuleExternalData, scanners.High, 0, "", scanners.ATLASUnsafeArtifact,
			"%d more distinct external-data locations were not checked one by one", n)
	}
	for k, u := range st.ops {
		m.opFinding(add, k, u)
	}
	if st.opsDropped > 0 {
		add(RuleCustomOpDomain, scanners.Medium, 0, "", scanners.ATLASModifyArchitecture,
			"%d more distinct non-standard operators were not listed", st.opsDropped)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Offset != out[j].Offset {
			return out[i].Offset < out[j].Offset
		}
		return out[i].Global < out[j].Global
	})
	return out
}

// opFinding reports one non-standard operator.
func (m *Model) opFinding(add func(string, scanners.Severity, int64, string, string, string, ...any), k opKey, u *opUse) {
	global := k.domain + "::" + k.op
	if k.domain == "" {
		global = k.op
	}
	switch {
	case pythonOps[k.op]:
		detail := ""
		if u.detail != "" {
			detail = " (" + u.detail + ")"
		}
		add(RulePythonOp, scanners.High, u.off, global, scanners.ATLASEmbedMalware,
			"operator %s runs Python code in the loading process%s; %d node(s)", global, detail, u.count)
	case contribDomains[k.domain]:
		add(RuleContribOp, scanners.Info, u.off, global, scanners.ATLASModifyArchitecture,
			"onnxruntime contrib operator %s; %d node(s)", global, u.count)
	default:
		extra := ""
		if k.domain == "ai.onnx.contrib" || k.domain == "com.microsoft.extensions" {
			extra = " (onnxruntime-extensions, which can also host Python functions)"
		}
		add(RuleCustomOpDomain, scanners.Medium, u.off, global, scanners.ATLASModifyArchitecture,
			"operator %s from custom domain %q needs a custom-op library, native code loaded for the model%s; %d node(s)",
			global, k.domain, extra, u.count)
	}
}
