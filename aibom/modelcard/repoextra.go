package modelcard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// SentenceTransformers is what config_sentence_transformers.json and
// modules.json say: the library versions the model was saved with and
// its module pipeline.
type SentenceTransformers struct {
	// Versions maps a library ("sentence_transformers", "transformers",
	// "pytorch") to the version that saved the model.
	Versions map[string]string
	// Modules are the module types of modules.json, in order
	// ("sentence_transformers.models.Transformer", ...).
	Modules []string
}

// ParseSentenceTransformersConfig parses config_sentence_transformers.json.
func ParseSentenceTransformersConfig(r io.Reader, name string) (map[string]string, error) {
	obj, err := decodeObject(r, name, MaxSmallConfig)
	if err != nil {
		return nil, err
	}
	var vers jsonObject
	if json.Unmarshal(obj["__version__"], &vers) != nil {
		return nil, nil
	}
	out := map[string]string{}
	for k := range vers {
		if v := vers.str(k); v != "" && len(out) < maxListItems {
			out[truncate(k, maxScalarLen)] = v
		}
	}
	return out, nil
}

// ParseModules parses a sentence-transformers modules.json: a list of
// {"idx", "name", "path", "type"} objects. It returns the types in order.
func ParseModules(r io.Reader, name string) ([]string, error) {
	data, err := readLimited(r, name, MaxSmallConfig)
	if err != nil {
		return nil, err
	}
	var list []jsonObject
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, &SyntaxError{Name: name, Msg: "not a JSON list of modules: " + err.Error(), Err: err}
	}
	var out []string
	for _, m := range list[:min(len(list), maxListItems)] {
		if t := m.str("type"); t != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// TrainerState is what a transformers Trainer's trainer_state.json says
// about the training run.
type TrainerState struct {
	GlobalStep     int64
	Epoch          float64
	NumTrainEpochs int64
	BatchSize      int64 // train_batch_size
	TotalFLOs      float64
	BestMetric     *float64
	BestCheckpoint string
	// FinalLoss is the last training loss logged ("loss" or "train_loss").
	FinalLoss *float64
	// FinalEvalLoss is the last eval_loss logged.
	FinalEvalLoss *float64
}

// MaxTrainerState bounds trainer_state.json (its log history grows with
// the run).
const MaxTrainerState = 16 << 20

// ParseTrainerState parses a trainer_state.json.
func ParseTrainerState(r io.Reader, name string) (*TrainerState, error) {
	obj, err := decodeObject(r, name, MaxTrainerState)
	if err != nil {
		return nil, err
	}
	ts := &TrainerState{GlobalStep: obj.int("global_step"), NumTrainEpochs: obj.int("num_train_epochs"),
		BatchSize: obj.int("train_batch_size"), BestMetric: obj.floatPtr("best_metric"),
		BestCheckpoint: obj.str("best_model_checkpoint")}
	ts.Epoch, _ = obj.float("epoch")
	ts.TotalFLOs, _ = obj.float("total_flos")
	var logs []jsonObject
	_ = json.Unmarshal(obj["log_history"], &logs) // absent or malformed: no losses
	for _, l := range logs {
		for _, k := range []string{"loss", "train_loss"} {
			if v := l.floatPtr(k); v != nil {
				ts.FinalLoss = v
			}
		}
		if v := l.floatPtr("eval_loss"); v != nil {
			ts.FinalEvalLoss = v
		}
	}
	return ts, nil
}

// Modelfile is what an Ollama Modelfile says: the model it builds from,
// its adapters, parameters, system prompt, template and license.
type Modelfile struct {
	From       string
	Adapters   []string
	Parameters map[string][]string // PARAMETER name value, by name, in order
	System     string
	Template   string
	License    string
}

// MaxModelfile bounds a Modelfile.
const MaxModelfile = 1 << 20

// ParseModelfile parses an Ollama Modelfile: one instruction per line
// (FROM, ADAPTER, PARAMETER, TEMPLATE, SYSTEM, LICENSE, MESSAGE), values
// optionally in """triple quotes""" spanning lines. Unknown instructions
// are an error naming the line.
func ParseModelfile(r io.Reader, name string) (*Modelfile, error) {
	data, err := readLimited(r, name, MaxModelfile)
	if err != nil {
		return nil, err
	}
	mf := &Modelfile{Parameters: map[string][]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxModelfile+1)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		instr, val, _ := strings.Cut(text, " ")
		val = strings.TrimSpace(val)
		if strings.HasPrefix(val, `"""`) {
			val, line = tripleQuoted(sc, strings.TrimPrefix(val, `"""`), line)
		} else {
			val = unquote(val)
		}
		if err := mf.set(strings.ToUpper(instr), val); err != nil {
			return mf, &SyntaxError{Name: name, Line: line, Msg: err.Error()}
		}
	}
	return mf, nil
}

// tripleQuoted reads a """-quoted value that started with first, up to
// the closing """ (or the end of the file).
func tripleQuoted(sc *bufio.Scanner, first string, line int) (string, int) {
	if v, _, ok := strings.Cut(first, `"""`); ok {
		return v, line
	}
	parts := []string{first}
	for sc.Scan() {
		line++
		if v, _, ok := strings.Cut(sc.Text(), `"""`); ok {
			parts = append(parts, v)
			break
		}
		parts = append(parts, sc.Text())
	}
	return truncate(strings.Join(parts, "\n"), MaxSectionLen), line
}

func unquote(v string) string {
	if s, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
		return s
	}
	return v
}

func (mf *Modelfile) set(instr, val string) error {
	val = truncate(val, MaxSectionLen)
	switch instr {
	case "FROM":
		mf.From = val
	case "ADAPTER":
		mf.Adapters = append(mf.Adapters, val)
	case "PARAMETER":
		k, v, _ := strings.Cut(val, " ")
		if len(mf.Parameters) < maxListItems {
			mf.Parameters[k] = append(mf.Parameters[k], unquote(strings.TrimSpace(v)))
		}
	case "SYSTEM":
		mf.System = val
	case "TEMPLATE":
		mf.Template = val
	case "LICENSE":
		mf.License = val
	case "MESSAGE", "REQUIRES":
	default:
		return fmt.Errorf("unknown instruction %q", instr)
	}
	return nil
}

// ParameterNames returns the Modelfile's parameter names, sorted.
func (mf *Modelfile) ParameterNames() []string {
	out := make([]string, 0, len(mf.Parameters))
	for k := range mf.Parameters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CardTitle returns the text of a model card's first level-one ATX
// heading ("# Title") after its front matter, or "".
func CardTitle(r io.Reader, name string) (string, error) {
	data, err := readLimited(r, name, MaxCardSize)
	if err != nil {
		return "", err
	}
	lines := strings.Split(string(data), "\n")
	start, fence := 0, false
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		for i := 1; i < len(lines); i++ {
			if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
				start = i + 1
				break
			}
		}
	}
	for _, l := range lines[start:] {
		t := strings.TrimRight(l, "\r \t")
		if strings.HasPrefix(strings.TrimSpace(t), "```") || strings.HasPrefix(strings.TrimSpace(t), "~~~") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(t, "# ") {
			return truncate(strings.TrimSpace(strings.Trim(strings.TrimSpace(t[2:]), "#")), maxScalarLen), nil
		}
	}
	return "", nil
}
