package onnx

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs.
const (
	// RuleExternalData (info) notes a tensor whose data lives in a file
	// inside the model folder; medium or high when the location is empty
	// or too long to check.
	RuleExternalData = "ONNX-EXTERNAL-DATA"
	// RuleExternalTraversal (critical): an external-data location or
	// EPContext cache path that escapes the model folder or names a device
	// or special file. Global is the location.
	RuleExternalTraversal = "ONNX-EXTERNAL-DATA-TRAVERSAL"
	// RuleExternalMemAddr (critical): the location "*/_ORT_MEM_ADDR_/*",
	// with which onnxruntime reads tensor data from the memory address in
	// "offset".
	RuleExternalMemAddr = "ONNX-EXTERNAL-DATA-MEMADDR"
	// RuleCustomOpDomain (medium): an operator from a domain that neither
	// ONNX nor onnxruntime defines, nor a local function; running it needs
	// a custom-op library, native code loaded for the model.
	RuleCustomOpDomain = "ONNX-CUSTOM-OP-DOMAIN"
	// RuleContribOp (info): an onnxruntime contrib operator
	// (com.microsoft and its sibling domains), built into onnxruntime.
	RuleContribOp = "ONNX-CONTRIB-OP"
	// RulePythonOp (high): an operator that runs Python code in the
	// loading process (PyOp, PyFunc, PythonOp, PythonOpGrad).
	RulePythonOp = "ONNX-PYTHON-OP"
)

// standardDomains are the ONNX operator-set domains.
var standardDomains = map[string]bool{
	"": true, "ai.onnx": true, "ai.onnx.ml": true, "ai.onnx.preview.training": true,
	"ai.onnx.training": true, "ai.onnx.preview": true,
}

// contribDomains are domains whose operators onnxruntime itself implements.
var contribDomains = map[string]bool{
	"com.microsoft": true, "com.microsoft.nchwc": true, "com.microsoft.experimental": true,
	"com.microsoft.dml": true, "com.ms.internal.nhwc": true, "org.pytorch.aten": true,
}

// pythonOps are operator types that call into Python: onnxruntime's
// language-interop PyOp, onnxruntime-extensions' Python custom operators
// and ORTModule's PythonOp.
var pythonOps = map[string]bool{"PyOp": true, "PyFunc": true, "PythonOp": true, "PythonOpGrad": true}

// maxFlagged caps the distinct flagged locations and operators kept; more
// are counted.
const maxFlagged = 4096

type opKey struct{ domain, op string }

type opUse struct {
	count  int64
	off    int64
	detail string
}

// extRef is one location found in a tensor or node.
type extRef struct {
	loc     string
	clipped bool
	off     int64
	epctx   bool
}

// pathHit is a flagged (above info) location.
type pathHit struct {
	ref   extRef
	sev   scanners.Severity
	why   string
	count int64
}

// scan is what Parse keeps for the rules.
type scan struct {
	funcs      map[opKey]bool
	ops        map[opKey]*opUse
	opsDropped int64
	ext        map[string]int // location -> index in Model.External
	hits       map[string]*pathHit
	extDropped int64
	hitDropped int64
	// opsCap caps the distinct operator kinds in Model.ops.
	opsCap int
}

func newModel(lim Limits) *Model {
	return &Model{ops: map[string]int64{}, state: &scan{opsCap: min(lim.MaxRecords, 10_000),
		funcs: map[opKey]bool{}, ops: map[opKey]*opUse{}, ext: map[string]int{}, hits: map[string]*pathHit{},
	}}
}

// addNode counts a node and keeps what the rules need.
func (m *Model) addNode(n *nodeInfo) {
	m.Nodes++
	name := n.opType
	if n.domain != "" && n.domain != "ai.onnx" {
		name = n.domain + "::" + n.opType
	}
	if _, ok := m.ops[name]; ok || len(m.ops) < m.state.opsCap {
		m.ops[name]++
	} else {
		m.opsOther++
	}
	st := m.state
	if !standardDomains[n.domain] || pythonOps[n.opType] {
		k := opKey{n.domain, n.opType}
		if u, ok := st.ops[k]; ok {
			u.count++
		} else if len(st.ops) < maxFlagged {
			st.ops[k] = &opUse{count: 1, off: n.off, detail: attrDetail(n.attrs)}
		} else {
			st.opsDropped++
		}
	}
	if n.opType == "EPContext" {
		m.epContext(n)
	}
}

// epContext records the cache file of an EPContext node with embed_mode 0.
func (m *Model) epContext(n *nodeInfo) {
	embed := int64(1)
	var path *attr
	for i := range n.attrs {
		switch a := &n.attrs[i]; a.name {
		case "embed_mode":
			if a.hasI {
				embed = a.i
			}
		case "ep_cache_context":
			if a.hasS {
				path = a
			}
		}
	}
	if embed == 0 && path != nil {
		m.addExternal(extRef{loc: path.s, clipped: path.clipS, off: path.off, epctx: true})
	}
}

// attrDetail describes the attributes that say what a Python operator runs.
func attrDetail(as []attr) string {
	var parts []string
	for _, a := range as {
		if a.hasS && a.name != "ep_cache_context" {
			parts = append(parts, fmt.Sprintf("%s=%q", a.name, clip(a.s, 128)))
		}
	}
	return strings.Join(parts, ", ")
}

// addExternal records one external-data location.
func (m *Model) addExternal(r extRef) {
	st := m.state
	sev, why := classifyPath(r.loc, r.clipped)
	if r.loc == ortMemAddr {
		sev, why = scanners.Critical, "is onnxruntime's in-memory marker: \"offset\" is read as a memory address"
	}
	if i, ok := st.ext[r.loc]; ok {
		m.External[i].Tensors++
	} else if len(m.External) < maxFlagged {
		st.ext[r.loc] = len(m.External)
		m.External = append(m.External, ExternalFile{Location: clip(r.loc, maxName*4), Tensors: 1, Offset: r.off,
			EPContext: r.epctx, flagged: sev > scanners.Info})
	} else {
		st.extDropped++
	}
	if sev == scanners.Info {
		return
	}
	if h, ok := st.hits[r.loc]; ok {
		h.count++
	} else if len(st.hits) < maxFlagged {
		st.hits[r.loc] = &pathHit{ref: r, sev: sev, why: why, count: 1}
	} else {
		st.hitDropped++
	}
}

// addInitializer counts an initializer and records it within limit.
func (m *Model) addInitializer(t Initializer, limit int) {
	m.InitializerCount++
	if m.Params+t.Params < m.Params {
		m.Params = math.MaxUint64
	} else {
		m.Params += t.Params
	}
	if len(m.Initializers) < limit {
		m.Initializers = append(m.Initializers, t)
	}
}

// finish drops operators that local functions define and lists the custom
// domains.
func (m *Model) finish() {
	doms := map[string]bool{}
	for k := range m.state.ops {
		if m.state.funcs[k] {
			delete(m.state.ops, k)
			continue
		}
		if !standardDomains[k.domain] && !contribDomains[k.domain] {
			doms[k.domain] = true
		}
	}
	m.CustomDomains = m.CustomDomains[:0]
	for d := range doms {
		m.CustomDomains = append(m.CustomDomains, d)
	}
	sort.Strings(m.CustomDomains)
}
