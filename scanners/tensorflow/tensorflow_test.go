package tensorflow

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// got summarises findings as "RULE severity Global".
func got(fs []scanners.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Severity.String()+" "+f.Global)
	}
	return out
}

func TestRules(t *testing.T) {
	t.Parallel()
	y := []string{"MatMul"}
	cases := []struct {
		name string
		g    graph
		want []string
	}{
		{"tf1 saver is clean", tf1Graph(y), nil},
		{"tf2 saver is clean", tf2Graph(nil), nil},
		{"ReadFile in main graph", tf1Graph(y, nodeDef("rf", "ReadFile", nil)),
			[]string{"TF-DANGEROUS-OP critical ReadFile"}},
		{"PyFunc in serving function", tf2Graph([][]byte{nodeDef("p", "PyFunc", nil)}),
			[]string{"TF-DANGEROUS-OP critical PyFunc"}},
		{"WriteFile in uncalled function", tf2Graph(nil, funcDef("dropper", nodeDef("w", "WriteFile", nil))),
			[]string{"TF-DANGEROUS-OP critical WriteFile"}},
		{"SaveV2 in serving function", tf2Graph([][]byte{nodeDef("s", "SaveV2", nil)}),
			[]string{"TF-DANGEROUS-OP critical SaveV2"}},
		{"SaveV2 in function called from serving", tf2Graph(
			[][]byte{nodeDef("c", "PartitionedCall", nil, attrFunc("inner"))},
			funcDef("inner", nodeDef("s", "SaveV2", nil))),
			[]string{"TF-DANGEROUS-OP critical SaveV2"}},
		{"RestoreV2 in uncalled function", tf2Graph(nil, funcDef("stray", nodeDef("r", "RestoreV2", nil))),
			[]string{"TF-DANGEROUS-OP critical RestoreV2"}},
		{"SaveV2 under save/ wired into serving", tf1Graph([]string{"MatMul", "^save/SaveV2_1"},
			nodeDef("save/SaveV2_1", "SaveV2", nil)), []string{"TF-DANGEROUS-OP critical SaveV2"}},
		{"SaveV2 under save_1/ unreachable", tf1Graph(y, nodeDef("save_1/SaveV2", "SaveV2", nil)), nil},
		{"SaveV2 outside save scope", tf1Graph(y, nodeDef("writer", "SaveV2", nil)),
			[]string{"TF-DANGEROUS-OP critical SaveV2"}},
		{"SaveV2 in restore fan-in", func() graph {
			g := tf1Graph(y, nodeDef("save/SaveV2_2", "SaveV2", nil))
			g.nodes[9] = nodeDef("save/restore_all", "NoOp", []string{"^save/Assign", "^save/SaveV2_2"})
			return g
		}(), []string{"TF-DANGEROUS-OP critical SaveV2"}},
		{"MergeV2Checkpoints in main op", func() graph {
			g := tf1Graph(y, nodeDef("save/Merge", "MergeV2Checkpoints", nil))
			g.initOps = []string{"save/Merge"}
			return g
		}(), []string{"TF-DANGEROUS-OP critical MergeV2Checkpoints"}},
		{"custom op reported once", tf1Graph(y, nodeDef("c1", "MyOp", nil), nodeDef("c2", "MyOp", nil)),
			[]string{"TF-CUSTOM-OP medium MyOp"}},
		{"asset op", tf1Graph(y, nodeDef("t", "InitializeTableFromTextFileV2", nil)),
			[]string{"TF-ASSET-OP info InitializeTableFromTextFileV2"}},
		{"debug_urls", tf1Graph(y, nodeDef("d", "DebugIdentity", nil, attrList("debug_urls", "file:///tmp/x"))),
			[]string{"TF-DANGEROUS-OP critical DebugIdentity"}},
		{"empty debug_urls", tf1Graph(y, nodeDef("d", "DebugIdentity", nil, attrList("debug_urls"))), nil},
		{"descriptor_source file", tf1Graph(y, nodeDef("d", "DecodeProtoV2", nil,
			attrStr("descriptor_source", "/etc/descriptors"))), []string{"TF-DANGEROUS-OP critical DecodeProtoV2"}},
		{"descriptor_source local", tf1Graph(y, nodeDef("d", "DecodeProtoV2", nil,
			attrStr("descriptor_source", "local://"))), nil},
		{"PrintV2 to file", tf1Graph(y, nodeDef("p", "PrintV2", nil, attrStr("output_stream", "file:///tmp/log"))),
			[]string{"TF-DANGEROUS-OP critical PrintV2"}},
		{"PrintV2 to stderr", tf1Graph(y, nodeDef("p", "PrintV2", nil, attrStr("output_stream", "stderr"))), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, savedModel(c.g.metaGraph()))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got(fs)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, fs)
			}
			for _, f := range fs {
				if f.Offset <= 0 || f.ATLAS == "" || f.Message == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	good := savedModel(tf1Graph([]string{"MatMul"}).metaGraph())
	deep := []byte{}
	for range 60 {
		deep = bf(10, bf(2, s(1, "a"), bf(2, deep)))
	}
	deepModel := savedModel(bf(2, bf(1, nodeDef("n", "Const", nil, bf(5, s(1, "v"), bf(2, deep))))))
	cases := []struct {
		name string
		in   []byte
		lim  Limits
		msg  string
		off  int64
	}{
		{"empty", nil, Limits{}, "empty file", 0},
		{"no meta graphs", vf(1, 1), Limits{}, "no meta graphs", 0},
		{"field number 0", []byte{0x00, 0x01}, Limits{}, "bad field tag", 0},
		{"truncated varint", []byte{0x08, 0x80}, Limits{}, "bad varint", 1},
		{"length past end", good[:len(good)-1], Limits{}, "exceeds the", 2},
		{"fixed64 past end", []byte{0x09, 1, 2}, Limits{}, "past the end", 1},
		{"unknown wire type", []byte{0x0e}, Limits{}, "unknown wire type", 0},
		{"stray end group", []byte{0x0c}, Limits{}, "without a start", 0},
		{"unclosed group", []byte{0x0b, 0x08, 0x01}, Limits{}, "not closed", 3},
		{"group closed by other", []byte{0x0b, 0x14}, Limits{}, "closed by", 1},
		{"too deep", deepModel, Limits{}, "nested more than 100", -1},
		{"too many nodes", good, Limits{MaxNodes: 3}, "more than 3 nodes", -1},
		{"too many inputs", good, Limits{MaxInputs: 2}, "more than 2 node inputs", -1},
		{"too many meta graphs", savedModel(tf1Graph(nil).metaGraph(), tf1Graph(nil).metaGraph()),
			Limits{MaxMetaGraphs: 1}, "more than 1 meta graphs", -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse(bytes.NewReader(c.in), int64(len(c.in)), c.lim)
			if m != nil {
				t.Fatalf("Parse = %v, %v; want no model with its error", m, err)
			}
			scantest.WantFormatError(t, err, "tensorflow", c.msg, c.off)
		})
	}
}

func TestPartialFindings(t *testing.T) {
	t.Parallel()
	g := tf1Graph([]string{"MatMul"}, nodeDef("rf", "ReadFile", nil))
	in := savedModel(g.metaGraph(), []byte("broken"))
	in = append(in, 0x0e)
	fs, err := scan(t, in)
	if err == nil || len(fs) != 1 || fs[0].Global != "ReadFile" {
		t.Fatalf("findings %v, error %v; want ReadFile and an error", fs, err)
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"tf1", "tf2"} {
		b, err := os.ReadFile("testdata/" + name + ".pb")
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(bytes.NewReader(b), int64(len(b)), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		mg := m.MetaGraphs[0]
		if m.SchemaVersion != 1 || mg.TFVersion != "2.15.0" || !cmp.Equal(mg.Tags, []string{"serve"}) {
			t.Errorf("%s: header %d %q %v", name, m.SchemaVersion, mg.TFVersion, mg.Tags)
		}
		sig := mg.Signatures[0]
		want := TensorInfo{Key: "x", Dtype: "FLOAT", Shape: []int64{-1, 4}}
		want.Name = map[string]string{"tf1": "x:0", "tf2": "serving_default_x:0"}[name]
		if sig.Key != "serving_default" || sig.Method != "tensorflow/serving/predict" || !cmp.Equal(sig.Inputs, []TensorInfo{want}) {
			t.Errorf("%s: signature %+v", name, sig)
		}
		if mg.Ops["MatMul"] != 1 || mg.Ops["SaveV2"] != 1 || mg.Ops["RestoreV2"] != 1 {
			t.Errorf("%s: ops %v", name, mg.Ops)
		}
		if name == "tf2" && (len(mg.Functions) != 4 || mg.ObjectNodes != 3 || mg.ConcreteFunctions != 1) {
			t.Errorf("tf2: %d functions, %d objects, %d concrete", len(mg.Functions), mg.ObjectNodes, mg.ConcreteFunctions)
		}
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	good := savedModel(tf1Graph(nil).metaGraph())
	cases := []struct {
		name string
		in   []byte
		want bool
	}{
		{"saved model", good, true},
		{"no schema version", good[2:], true},
		{"truncated", good[:20], true},
		{"onnx", append(vf(1, 8), s(2, "pytorch")...), false},
		{"empty meta graph", append(vf(1, 1), bf(2)...), false},
		{"pickle", []byte("\x80\x04\x95"), false},
		{"graphdef", bf(1, nodeDef("a", "Const", nil)), false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		if got := New().Match(scanners.File{Size: int64(len(c.in))}, c.in); got != c.want {
			t.Errorf("%s: Match = %v", c.name, got)
		}
	}
}

func TestOpRisk(t *testing.T) {
	t.Parallel()
	want := map[string]Risk{"ReadFile": Dangerous, "SaveV2": Checkpoint, "MatMul": Standard, "Relu": Standard,
		"StatefulPartitionedCall": Standard, "InitializeTableFromTextFileV2": Asset, "Addons>GeluGrad": Custom}
	for op, r := range want {
		if OpRisk(op) != r {
			t.Errorf("OpRisk(%s) = %d, want %d", op, OpRisk(op), r)
		}
	}
	for op := range dangerous {
		if standard()[op] || isCheckpoint(op) {
			t.Errorf("%s is listed twice", op)
		}
	}
	for op := range checkpoint {
		if standard()[op] {
			t.Errorf("%s is both standard and a checkpoint op", op)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	var nodes [][]byte
	for i := range 5000 {
		nodes = append(nodes, nodeDef("n"+strings.Repeat("x", i%7), "MatMul", []string{"a", "b:1"}, attrFunc("g")))
	}
	in := savedModel(tf1Graph(nil, nodes...).metaGraph())
	r := bytes.NewReader(in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(r, int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
