package keras

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// want is one expected finding.
type want struct {
	rule   string
	sev    scanners.Severity
	global string // substring of Global or Message
}

const k3Dense = `{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 8,
 "activation": %s, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}},
 "registered_name": null, "build_config": {"input_shape": [null, 4]}}`

func seq(layers ...string) string {
	return `{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "input_layer"}, "registered_name": null}` +
		func() string {
			s := ""
			for _, l := range layers {
				s += ", " + l
			}
			return s
		}() + `]}, "registered_name": null, "build_config": {"input_shape": [null, 4]}}`
}

func dense(activation string) string { return strings.Replace(k3Dense, "%s", activation, 1) }

const lambdaB64 = "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA"

func ruleCases() []struct {
	name   string
	config string
	want   []want
} {
	k2Lambda := `{"class_name": "Lambda", "config": {"name": "lam", "function": ["` + lambdaB64 + `", null, null], "function_type": "lambda", "module": "__main__", "output_shape_type": "raw"}}`
	return []struct {
		name   string
		config string
		want   []want
	}{
		{"benign keras 3", seq(dense(`"relu"`)), nil},
		{"benign keras 2", `{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1, "activation": "relu"}}]}}`, nil},
		{"keras 3 lambda", seq(`{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lam", "function": {"class_name": "__lambda__", "config": {"code": "` + lambdaB64 + `", "defaults": null, "closure": null}}}, "registered_name": null}`),
			[]want{{RuleLambda, scanners.Critical, `"lam"`}}},
		{"keras 2 lambda", `{"class_name": "Sequential", "config": {"layers": [` + k2Lambda + `]}}`, []want{{RuleLambda, scanners.Critical, `"lam"`}}},
		{"lambda in wrapper in model", `{"class_name": "Functional", "config": {"layers": [{"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Functional", "config": {"layers": [` + k2Lambda + `]}}}}]}}`,
			[]want{{RuleLambda, scanners.Critical, `"lam"`}}},
		{"function_type lambda outside a Lambda layer", `{"class_name": "X", "config": {"name": "odd", "function_type": "lambda", "function": "AAAA"}}`,
			[]want{{RuleLambda, scanners.Critical, "odd"}}},
		{"output_shape lambda", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l", "function": "relu", "function_type": "function", "output_shape": ["AAAA", null, null], "output_shape_type": "lambda"}}]}}`,
			[]want{{RuleLambda, scanners.High, "relu"}, {RuleLambda, scanners.Critical, "bytecode"}}},
		{"generic __lambda__", seq(dense(`{"class_name": "__lambda__", "config": {"value": ["AAAA", null, null]}}`)), []want{{RuleLambda, scanners.Critical, "serialized lambda"}}},
		{"os.system class", seq(dense(`{"module": "os", "class_name": "system", "config": {}, "registered_name": null}`)),
			[]want{{RuleUnsafeModule, scanners.Critical, "os.system"}}},
		{"subprocess function", seq(dense(`{"module": "subprocess", "class_name": "function", "config": "Popen", "registered_name": "function"}`)),
			[]want{{RuleUnsafeModule, scanners.Critical, "subprocess.Popen"}}},
		{"registered name does not excuse os", seq(dense(`{"module": "os", "class_name": "function", "config": "system", "registered_name": "Custom>system"}`)),
			[]want{{RuleUnsafeModule, scanners.Critical, "os.system"}}},
		{"unknown module without registration", seq(dense(`{"module": "evil_pkg", "class_name": "Thing", "config": {}}`)),
			[]want{{RuleUnsafeModule, scanners.Critical, "evil_pkg.Thing"}}},
		{"keras load_model", seq(dense(`{"module": "keras.models", "class_name": "function", "config": "load_model", "registered_name": "function"}`)),
			[]want{{RuleDangerousCallable, scanners.Critical, "keras.models.load_model"}}},
		{"tensorflow gfile", seq(dense(`{"module": "tensorflow.io.gfile", "class_name": "function", "config": "GFile"}`)),
			[]want{{RuleDangerousCallable, scanners.Critical, "tensorflow.io.gfile.GFile"}}},
		{"keras prefix is not keras", seq(dense(`{"module": "kerasevil", "class_name": "X", "config": {}}`)),
			[]want{{RuleUnsafeModule, scanners.Critical, "kerasevil.X"}}},
		{"custom object", seq(`{"module": "my_pkg.layers", "class_name": "MyLayer", "config": {"name": "m"}, "registered_name": "MyPkg>MyLayer"}`),
			[]want{{RuleCustomObject, scanners.Medium, "my_pkg.layers.MyLayer"}}},
		{"custom function from __main__", seq(dense(`{"module": "__main__", "class_name": "function", "config": "my_act", "registered_name": "my_act"}`)),
			[]want{{RuleCustomObject, scanners.Medium, "__main__.my_act"}}},
		{"keras 2 registered class", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Pkg>Layer", "config": {}}]}}`,
			[]want{{RuleCustomObject, scanners.Medium, "Pkg>Layer"}}},
		{"keras 2 lambda globals module", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"module": "os"}}]}}`,
			[]want{{RuleUnsafeModule, scanners.Critical, "os"}}},
		{"duplicate keys: both values checked", `{"class_name": "Sequential", "config": {"layers": [], "layers": [` + k2Lambda + `]}, "config": {"layers": []}}`,
			[]want{{RuleLambda, scanners.Critical, "lam"}}},
		{"NaN is accepted as Python does", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"clip": NaN, "x": -Infinity, "activation": {"module": "os", "class_name": "system"}}}]}}`,
			[]want{{RuleUnsafeModule, scanners.Critical, "os.system"}}},
	}
}

// TestRules runs every config through both containers.
func TestRules(t *testing.T) {
	t.Parallel()
	for _, c := range ruleCases() {
		for _, container := range []string{"keras", "h5-vlen", "h5-fixed"} {
			t.Run(c.name+"/"+container, func(t *testing.T) {
				t.Parallel()
				var in []byte
				switch container {
				case "keras":
					in = kerasZip(t, c.config)
				case "h5-vlen":
					in = h5Model(c.config, true)
				default:
					in = h5Model(c.config, false)
				}
				m, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
				if err != nil {
					t.Fatal(err)
				}
				checkFindings(t, m.Findings, c.want)
				for _, f := range m.Findings {
					if f.Offset < 0 || (container != "keras" && f.Offset >= int64(len(in))) {
						t.Errorf("finding %s at offset %d outside the input", f.Rule, f.Offset)
					}
				}
			})
		}
	}
}

func checkFindings(t *testing.T, got []scanners.Finding, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d: %+v", len(got), len(want), got)
	}
	for _, w := range want {
		ok := false
		for _, f := range got {
			if f.Rule == w.rule && f.Severity == w.sev && (strings.Contains(f.Global, w.global) || strings.Contains(f.Message, w.global)) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("no %s %s finding naming %q in %+v", w.sev, w.rule, w.global, got)
		}
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	config := `{"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "net", "layers": [
 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3, 4], "name": "in"}},
 {"module": "keras.layers", "class_name": "Bidirectional", "config": {"name": "bi", "layer": {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm"}}}},
 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "out"}}],
 "input_layers": [["in", 0, 0]], "output_layers": [["out", 0, 0]]}, "registered_name": "Functional"}`
	in := kerasZip(t, config)
	m, err := Parse(bytes.NewReader(in), int64(len(in)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Container != ContainerKeras3 || !m.HasConfig || m.KerasVersion != "3.6.0" || m.ModelClass != "Functional" || m.ModelName != "net" {
		t.Errorf("model %+v", m)
	}
	if m.LayerCount != 4 || m.LayerTypes["LSTM"] != 1 || m.LayerTypes["Bidirectional"] != 1 {
		t.Errorf("layers %d %v", m.LayerCount, m.LayerTypes)
	}
	if len(m.Inputs) != 1 || m.Inputs[0] != "[null, 3, 4]" || len(m.Outputs) != 1 || m.Outputs[0] != "out" {
		t.Errorf("inputs %v outputs %v", m.Inputs, m.Outputs)
	}
	h := h5Model(`{"class_name": "Sequential", "config": {"name": "s", "layers": [], "build_input_shape": [null, 7]}}`, true)
	m, err = Parse(bytes.NewReader(h), int64(len(h)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Container != ContainerHDF5 || m.KerasVersion != "2.13.1" || m.Backend != "tensorflow" || len(m.Inputs) != 1 || m.Inputs[0] != "[null, 7]" {
		t.Errorf("model %+v", m)
	}
}
