package onnx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// hit is a finding reduced to what the rule tests check.
type hit struct {
	Rule     string
	Severity scanners.Severity
	Global   string
}

func hits(fs []scanners.Finding) []hit {
	var out []hit
	for _, f := range fs {
		out = append(out, hit{f.Rule, f.Severity, f.Global})
	}
	return out
}

func withGraph(nodes ...msg) []byte { return model(graph(nodes, tensor("W", 8, 2))) }

func TestRules(t *testing.T) {
	t.Parallel()
	crit, info := scanners.Critical, scanners.Info
	sub := func(n msg) msg { return node("", "If", attrGraph("then_branch", graph([]msg{n}))) }
	loop := func(n msg) msg { return node("", "Loop", attrGraph("body", graph([]msg{sub(n)}))) }
	extModel := func(loc string) []byte { return model(graph(nil, extTensor("W", loc))) }
	epctx := func(embed int64, path string) []byte {
		return withGraph(node("com.microsoft", "EPContext", attrInt("embed_mode", embed), attrStr("ep_cache_context", path)))
	}
	tests := []struct {
		name string
		in   []byte
		want []hit
	}{
		{"benign", benignModel(), nil},
		{"external data beside the model", extModel("weights.bin"), []hit{{RuleExternalData, info, "weights.bin"}}},
		{"external data in a subfolder", extModel("data/w.bin"), []hit{{RuleExternalData, info, "data/w.bin"}}},
		{"dot-dot traversal", extModel("../../../../etc/passwd"), []hit{{RuleExternalTraversal, crit, "../../../../etc/passwd"}}},
		{"dot-dot that comes back", extModel("sub/../w.bin"), []hit{{RuleExternalTraversal, crit, "sub/../w.bin"}}},
		{"absolute", extModel("/etc/shadow"), []hit{{RuleExternalTraversal, crit, "/etc/shadow"}}},
		{"proc", extModel("/proc/self/mem"), []hit{{RuleExternalTraversal, crit, "/proc/self/mem"}}},
		{"dev", extModel("/dev/zero"), []hit{{RuleExternalTraversal, crit, "/dev/zero"}}},
		{"backslash dot-dot", extModel(`..\..\secret`), []hit{{RuleExternalTraversal, crit, `..\..\secret`}}},
		{"windows drive", extModel(`C:\Windows\win.ini`), []hit{{RuleExternalTraversal, crit, `C:\Windows\win.ini`}}},
		{"UNC", extModel(`\\host\share\w.bin`), []hit{{RuleExternalTraversal, crit, `\\host\share\w.bin`}}},
		{"windows device", extModel("nul.bin"), []hit{{RuleExternalTraversal, crit, "nul.bin"}}},
		{"trailing-dot climb", extModel(".../w.bin"), []hit{{RuleExternalTraversal, crit, ".../w.bin"}}},
		{"NUL byte", extModel("w.bin\x00../../x"), []hit{{RuleExternalTraversal, crit, "w.bin\x00../../x"}}},
		{"alternate data stream", extModel("w.bin:hidden"), []hit{{RuleExternalData, scanners.High, "w.bin:hidden"}}},
		{"empty location", extModel(""), []hit{{RuleExternalData, scanners.Medium, ""}}},
		{"ORT memory address", extModel(ortMemAddr), []hit{{RuleExternalMemAddr, crit, ortMemAddr}}},
		{"external data in an attribute tensor", withGraph(node("", "Constant",
			msg(nil).str(attrName, "value").sub(attrT, extTensor("c", "/etc/passwd")))),
			[]hit{{RuleExternalTraversal, crit, "/etc/passwd"}}},
		{"external data in a sparse initializer", model(graph(nil).sub(graphSparseInit,
			msg(nil).sub(sparseValues, extTensor("v", "../v.bin")).varint(sparseDims, 4))),
			[]hit{{RuleExternalTraversal, crit, "../v.bin"}}},
		{"external data in a training graph", model(graph(nil), func(m msg) msg {
			return m.sub(modelTrainingInfo, msg(nil).sub(2, graph(nil, extTensor("t", "/etc/hosts"))))
		}), []hit{{RuleExternalTraversal, crit, "/etc/hosts"}}},
		{"custom domain", withGraph(node("com.example", "Evil")), []hit{{RuleCustomOpDomain, scanners.Medium, "com.example::Evil"}}},
		{"custom op in If", withGraph(sub(node("com.example", "Evil"))), []hit{{RuleCustomOpDomain, scanners.Medium, "com.example::Evil"}}},
		{"custom op in Loop in If", withGraph(loop(node("com.example", "Evil"))), []hit{{RuleCustomOpDomain, scanners.Medium, "com.example::Evil"}}},
		{"custom op in a function", model(graph(nil), func(m msg) msg {
			return m.sub(modelFunctions, msg(nil).str(fnName, "F").str(fnDomain, "f").sub(fnNode, node("com.example", "Evil")))
		}), []hit{{RuleCustomOpDomain, scanners.Medium, "com.example::Evil"}}},
		{"local function", model(graph([]msg{node("f", "F")}), func(m msg) msg {
			return m.sub(modelFunctions, msg(nil).str(fnName, "F").str(fnDomain, "f").sub(fnNode, node("", "Relu")))
		}), nil},
		{"standard domains", withGraph(node("ai.onnx", "Relu"), node("ai.onnx.ml", "TreeEnsembleClassifier")), nil},
		{"contrib op", withGraph(node("com.microsoft", "FusedMatMul")), []hit{{RuleContribOp, info, "com.microsoft::FusedMatMul"}}},
		{"PyOp", withGraph(node("ai.onnx.contrib", "PyOp", attrStr("module", "os"))), []hit{{RulePythonOp, scanners.High, "ai.onnx.contrib::PyOp"}}},
		{"PythonOp", withGraph(node("com.microsoft", "PythonOp")), []hit{{RulePythonOp, scanners.High, "com.microsoft::PythonOp"}}},
		{"EPContext embedded", epctx(1, "blob"), []hit{{RuleContribOp, info, "com.microsoft::EPContext"}}},
		{"EPContext file beside", epctx(0, "ctx.bin"), []hit{{RuleContribOp, info, "com.microsoft::EPContext"}, {RuleExternalData, info, "ctx.bin"}}},
		{"EPContext traversal", epctx(0, "../../ctx.bin"), []hit{{RuleContribOp, info, "com.microsoft::EPContext"}, {RuleExternalTraversal, crit, "../../ctx.bin"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := fileOf(tc.in)
			if !New().Match(f, head(tc.in)) {
				t.Fatal("Match rejected the model")
			}
			fs, err := scanners.FindingsOf(New().Scan(context.Background(), f))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, hits(fs)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestFindingsBeforeError(t *testing.T) {
	t.Parallel()
	in := model(graph([]msg{node("com.example", "Evil")}, extTensor("W", "/etc/passwd")))
	in = appendLen(in, modelFunctions, 1000)
	fs, err := scantest.ScanAs(context.Background(), New(), scanners.File{Member: "a!b", Size: int64(len(in)), R: fileOf(in).R})
	fe := scanners.FormatErrors(err)
	if len(fe) != 1 || fe[0].Member != "a!b" || fe[0].Offset != int64(len(in)-2) {
		t.Fatalf("error %v, want one FormatError for member a!b at %d", err, len(in)-2)
	}
	if scanners.VerdictOf(fs, err) != scanners.Malicious || len(fs) != 2 || fs[0].Member != "a!b" {
		t.Errorf("findings %v", hits(fs))
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"benign", benignModel(), true},
		{"graph before ir_version", msg(nil).sub(modelGraph, graph(nil)).varint(modelIRVersion, 9), true},
		{"opset only", msg(nil).varint(modelIRVersion, 3).sub(modelOpsetImport, msg(nil).varint(2, 9)), true},
		{"graph past EOF", append(msg(nil).varint(modelIRVersion, 8), 0x3a, 0xff, 0x7f), true},
		{"no ir_version", msg(nil).sub(modelGraph, graph(nil)), false},
		{"ir_version 0", msg(nil).varint(modelIRVersion, 0).sub(modelGraph, graph(nil)), false},
		{"ir_version 1000", msg(nil).varint(modelIRVersion, 1000).sub(modelGraph, graph(nil)), false},
		{"no graph", msg(nil).varint(modelIRVersion, 8).str(modelProducerName, "x"), false},
		{"unknown field", msg(nil).varint(modelIRVersion, 8).varint(99, 1).sub(modelGraph, graph(nil)), false},
		{"graph as varint", msg(nil).varint(modelIRVersion, 8).varint(modelGraph, 1), false},
		{"producer past EOF", append(msg(nil).varint(modelIRVersion, 8), 0x12, 0x7f), false},
		{"empty", nil, false},
		{"text", []byte("\x08\x08hello world"), false},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), false},
		{"pickle", []byte("\x80\x04\x95\x10\x00\x00\x00"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := New().Match(fileOf(tc.in), head(tc.in)); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFixtures scans the committed real models (testdata/models/onnx,
// made by gen.py with python3-onnx) and checks them against expected.json.
func TestFixtures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "testdata", "models", "onnx")
	want := scantest.ReadExpected(t, filepath.Join(dir, "expected.json"))
	for p, w := range want {
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(p)))
		if err != nil {
			t.Fatal(err)
		}
		f := fileOf(b)
		matched := New().Match(f, head(b))
		if matched != (w.Format == format) {
			t.Errorf("%s: Match = %v, want format %s", p, matched, w.Format)
			continue
		}
		if !matched {
			continue
		}
		fs, err := scanners.FindingsOf(New().Scan(context.Background(), f))
		if v := scanners.VerdictOf(fs, err).String(); v != w.Verdict {
			t.Errorf("%s: verdict %s, want %s; findings %v, error %v", p, v, w.Verdict, hits(fs), err)
		}
		for _, g := range w.Globals {
			found := false
			for _, x := range fs {
				found = found || x.Global == g || strings.Contains(x.Message, g)
			}
			if !found {
				t.Errorf("%s: %q not reported; findings %v", p, g, hits(fs))
			}
		}
	}
}
