package tensorflow

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs.
const (
	// RuleDangerousOp is an op that reads or writes files, reaches the
	// network or runs Python, or a checkpoint op outside the saver.
	RuleDangerousOp = "TF-DANGEROUS-OP"
	// RuleCustomOp is an op outside TensorFlow's standard set.
	RuleCustomOp = "TF-CUSTOM-OP"
	// RuleAssetOp is an op that reads a file named by a tensor (an asset).
	RuleAssetOp = "TF-ASSET-OP"
)

// maxFindings caps the findings of one file.
const maxFindings = 1000

// saverScope matches the name scopes tf.compat.v1.train.Saver uses.
var saverScope = regexp.MustCompile(`^save(_[0-9]+)?/`)

// graphSets says, for the main graph's nodes and for the functions, which
// run when a signature is served, which run at load time (the restore op)
// and which belong to the saver.
type graphSets struct {
	serveNodes, loadNodes, saverNodes []bool
	serveFuncs, loadFuncs, saverFuncs []bool
	scope                             string
}

// analyze returns the findings for m.
func analyze(m *SavedModel, member string) []scanners.Finding {
	var out []scanners.Finding
	for _, mg := range m.MetaGraphs {
		out = append(out, mg.findings(member)...)
		if len(out) >= maxFindings {
			return out[:maxFindings]
		}
	}
	return out
}

func (mg *MetaGraph) findings(member string) []scanners.Finding {
	g := mg.sets()
	var out []scanners.Finding
	custom := map[string]int{}
	add := func(n *Node, fn, i int, where string) {
		for _, fd := range g.check(n, fn, i, where) {
			fd.Member = member
			out = append(out, fd)
		}
		if OpRisk(n.Op) == Custom {
			if custom[n.Op]++; custom[n.Op] == 1 {
				out = append(out, scanners.Finding{Rule: RuleCustomOp, Severity: scanners.Medium, Global: n.Op,
					Offset: n.Offset, ATLAS: scanners.ATLASModifyArchitecture, Member: member,
					Message: fmt.Sprintf("op %q (node %q in %s) is not a standard TensorFlow op: loading the model "+
						"needs a native op library", n.Op, n.Name, where)})
			}
		}
	}
	for i := range mg.Nodes {
		add(&mg.Nodes[i], -1, i, "the main graph")
	}
	for j := range mg.Functions {
		fn := &mg.Functions[j]
		where := fmt.Sprintf("function %q", fn.Name)
		for i := range fn.Nodes {
			add(&fn.Nodes[i], j, i, where)
		}
	}
	return out
}

// check returns the findings for node n, the i-th of function fn or, when
// fn is -1, of the main graph.
func (g *graphSets) check(n *Node, fn, i int, where string) []scanners.Finding {
	var out []scanners.Finding
	crit := func(why string) {
		out = append(out, scanners.Finding{Rule: RuleDangerousOp, Severity: scanners.Critical, Global: n.Op,
			Offset: n.Offset, ATLAS: scanners.ATLASEmbedMalware,
			Message: fmt.Sprintf("op %s in node %q of %s %s", n.Op, n.Name, where, why)})
	}
	switch OpRisk(n.Op) {
	case Dangerous:
		crit(OpEffect(n.Op))
	case Checkpoint:
		if why := g.checkpointMisuse(n, fn, i); why != "" {
			crit(OpEffect(n.Op) + " " + why)
		}
	case Asset:
		out = append(out, scanners.Finding{Rule: RuleAssetOp, Severity: scanners.Info, Global: n.Op,
			Offset: n.Offset, ATLAS: scanners.ATLASUnsafeArtifact,
			Message: fmt.Sprintf("op %s in node %q of %s %s named by a tensor (normally a model asset)",
				n.Op, n.Name, where, OpEffect(n.Op))})
	case Standard, Custom:
	}
	for _, a := range n.Risky {
		if why := riskyAttr(a); why != "" {
			crit(why)
		}
	}
	return out
}

// riskyAttr says why attribute value a ("key=value") is dangerous, or "".
func riskyAttr(a string) string {
	key, val, _ := strings.Cut(a, "=")
	switch key {
	case "debug_urls":
		if val != "" {
			return fmt.Sprintf("sends tensors to debug URL %q", val)
		}
	case "descriptor_source":
		if val != "" && val != "local://" && !strings.HasPrefix(val, "bytes://") {
			return fmt.Sprintf("reads protobuf descriptors from %q", val)
		}
	case "output_stream":
		if strings.HasPrefix(val, "file://") {
			return fmt.Sprintf("prints to file %q", val)
		}
	}
	return ""
}

// checkpointMisuse says why checkpoint op n, the i-th node of function fn
// (-1: main graph), is out of place, or "".
func (g *graphSets) checkpointMisuse(n *Node, fn, i int) string {
	var serve, load, saver bool
	if fn < 0 {
		serve, load = g.serveNodes[i], g.loadNodes[i]
		saver = g.saverNodes[i] || saverScope.MatchString(n.Name) || (g.scope != "" && strings.HasPrefix(n.Name, g.scope))
	} else {
		serve, load, saver = g.serveFuncs[fn], g.loadFuncs[fn], g.saverFuncs[fn]
	}
	switch {
	case serve:
		return "and runs when a signature is served"
	case load && writesCheckpoint(n.Op):
		return "and runs when the model is loaded (restore op or main op fan-in)"
	case !saver:
		return "outside the saver sub-graph"
	}
	return ""
}
