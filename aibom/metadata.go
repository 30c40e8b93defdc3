package aibom

import (
	"fmt"
	"os"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners/gguf"
	"github.com/seed-43c89ce6/aibom/scanners/keras"
	"github.com/seed-43c89ce6/aibom/scanners/onnx"
	"github.com/seed-43c89ce6/aibom/scanners/safetensors"
	"github.com/seed-43c89ce6/aibom/scanners/tensorflow"
	"github.com/seed-43c89ce6/aibom/scanners/tflite"
)

// weightInfo is what a weight file's header says, for the BOM.
type weightInfo struct {
	// props describe the file.
	props []cdx.Property
	// params counts parameters by dtype.
	params map[string]uint64
	// tensors is the per-tensor inventory ("name", "dtype [shape]").
	tensors [][2]string
	// baseModels and datasets are what the file's metadata names (GGUF).
	baseModels, datasets []string
}

// describe reads the header of a weight file in a known format. Formats
// without a describer give nothing; a header that cannot be read gives an
// error (the scan has already reported the file as invalid).
func describe(f source.File, format string) (*weightInfo, error) {
	switch format {
	case "safetensors", "onnx", "gguf", "keras", "tensorflow", "tflite":
	default:
		return nil, nil
	}
	fh, err := os.Open(f.Abs)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	switch format {
	case "onnx":
		return describeONNX(fh, f.Size)
	case "gguf":
		return describeGGUF(fh, f.Size)
	case "keras":
		return describeKeras(fh, f.Size)
	case "tensorflow":
		return describeTF(fh, f.Size)
	case "tflite":
		return describeTFLite(fh, f.Size)
	}
	h, err := safetensors.Parse(fh, f.Size, safetensors.DefaultLimits())
	if err != nil {
		return nil, err
	}
	wi := &weightInfo{params: map[string]uint64{}}
	for dt, n := range h.Params {
		wi.params[string(dt)] += n
	}
	wi.props = append(wi.props,
		cdx.Property{Name: "aibom:weights:parameters", Value: fmt.Sprint(h.TotalParams)},
		cdx.Property{Name: "aibom:weights:tensors", Value: fmt.Sprint(len(h.Tensors))})
	for _, t := range h.Tensors {
		wi.tensors = append(wi.tensors, [2]string{t.Name, fmt.Sprintf("%s %v", t.Dtype, t.Shape)})
	}
	return wi, nil
}

func describeONNX(fh *os.File, size int64) (*weightInfo, error) {
	m, err := onnx.Parse(fh, size, onnx.DefaultLimits())
	if err != nil {
		return nil, err
	}
	wi := &weightInfo{params: map[string]uint64{"onnx": m.Params}}
	var opsets []string
	for _, o := range m.Opsets {
		d := o.Domain
		if d == "" {
			d = "ai.onnx"
		}
		opsets = append(opsets, fmt.Sprintf("%s:%d", d, o.Version))
	}
	wi.props = append(wi.props,
		cdx.Property{Name: "aibom:weights:parameters", Value: fmt.Sprint(m.Params)},
		cdx.Property{Name: "aibom:onnx:ir_version", Value: fmt.Sprint(m.IRVersion)},
		cdx.Property{Name: "aibom:onnx:opsets", Value: strings.Join(opsets, ",")},
		cdx.Property{Name: "aibom:onnx:producer", Value: strings.TrimSpace(m.ProducerName + " " + m.ProducerVersion)},
		cdx.Property{Name: "aibom:onnx:nodes", Value: fmt.Sprint(m.Nodes)})
	return wi, nil
}

func describeGGUF(fh *os.File, size int64) (*weightInfo, error) {
	g, err := gguf.Parse(fh, size, gguf.DefaultLimits())
	if err != nil {
		return nil, err
	}
	quant := g.FileTypeName
	if quant == "" {
		quant = "gguf"
	}
	wi := &weightInfo{params: map[string]uint64{quant: g.ParameterCount}}
	var p propList
	add := p.add
	add("aibom:weights:parameters", fmt.Sprint(g.ParameterCount))
	add("aibom:weights:tensors", fmt.Sprint(len(g.Tensors)))
	add("aibom:gguf:version", fmt.Sprint(g.Version))
	add("aibom:gguf:architecture", g.Architecture)
	add("aibom:gguf:name", g.Name)
	add("aibom:gguf:license", g.License)
	add("aibom:gguf:file_type", g.FileTypeName)
	add("aibom:gguf:context_length", fmt.Sprint(g.ContextLength))
	add("aibom:gguf:tokenizer", g.TokenizerModel)
	for _, t := range g.ChatTemplates {
		name := t.Name
		if name == "" {
			name = "default"
		}
		add("aibom:gguf:chat_template:"+name+":sha256", t.SHA256)
	}
	wi.props = p
	for _, t := range g.Tensors {
		wi.tensors = append(wi.tensors, [2]string{t.Name, fmt.Sprintf("%s %v", t.Type, t.Shape)})
	}
	for _, b := range g.BaseModels {
		wi.baseModels = append(wi.baseModels, sourceName(b))
	}
	for _, d := range g.Datasets {
		wi.datasets = append(wi.datasets, sourceName(d))
	}
	return wi, nil
}

// propList collects non-empty properties.
type propList []cdx.Property

func (p *propList) add(name, value string) {
	if value != "" && value != "0" {
		*p = append(*p, cdx.Property{Name: name, Value: value})
	}
}

func describeKeras(fh *os.File, size int64) (*weightInfo, error) {
	m, err := keras.Parse(fh, size, keras.DefaultLimits())
	if err != nil {
		return nil, err
	}
	var p propList
	p.add("aibom:keras:container", m.Container)
	p.add("aibom:keras:version", m.KerasVersion)
	p.add("aibom:keras:backend", m.Backend)
	p.add("aibom:keras:model_class", m.ModelClass)
	p.add("aibom:keras:layers", fmt.Sprint(m.LayerCount))
	p.add("aibom:keras:inputs", strings.Join(m.Inputs, " "))
	p.add("aibom:keras:outputs", strings.Join(m.Outputs, ","))
	p.add("aibom:keras:lambda_layers", strings.Join(m.LambdaLayers, ","))
	p.add("aibom:keras:custom_objects", strings.Join(m.CustomObjects, ","))
	return &weightInfo{props: p}, nil
}

func describeTF(fh *os.File, size int64) (*weightInfo, error) {
	sm, err := tensorflow.Parse(fh, size, tensorflow.DefaultLimits())
	if err != nil {
		return nil, err
	}
	var p propList
	for i, mg := range sm.MetaGraphs {
		pre := fmt.Sprintf("aibom:tensorflow:metagraph:%d:", i)
		p.add(pre+"tags", strings.Join(mg.Tags, ","))
		p.add(pre+"tf_version", mg.TFVersion)
		p.add(pre+"nodes", fmt.Sprint(len(mg.Nodes)))
		p.add(pre+"functions", fmt.Sprint(len(mg.Functions)))
		for _, sig := range mg.Signatures {
			p.add(pre+"signature:"+sig.Key, fmt.Sprintf("%s inputs=%s outputs=%s", sig.Method, tensors(sig.Inputs), tensors(sig.Outputs)))
		}
	}
	return &weightInfo{props: p}, nil
}

func tensors(ts []tensorflow.TensorInfo) string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s:%s%v", t.Key, t.Dtype, t.Shape))
	}
	return "[" + strings.Join(out, " ") + "]"
}

func describeTFLite(fh *os.File, size int64) (*weightInfo, error) {
	m, err := tflite.Parse(fh, size, tflite.DefaultLimits())
	if err != nil {
		return nil, err
	}
	var p propList
	p.add("aibom:tflite:version", fmt.Sprint(m.Version))
	p.add("aibom:tflite:description", m.Description)
	p.add("aibom:tflite:subgraphs", fmt.Sprint(len(m.Subgraphs)))
	p.add("aibom:tflite:operator_codes", fmt.Sprint(len(m.OpCodes)))
	return &weightInfo{props: p}, nil
}

// sourceName names a GGUF base model or dataset: its repository, else its
// organization/name, else its name.
func sourceName(s gguf.Source) string {
	switch {
	case s.RepoURL != "":
		return strings.TrimPrefix(strings.TrimPrefix(s.RepoURL, "https://huggingface.co/"), "https://hf.co/")
	case s.Organization != "" && s.Name != "":
		return s.Organization + "/" + s.Name
	}
	return s.Name
}

// modelTotals sums the parameters of all weight files by dtype.
func modelTotals(infos []*weightInfo) []cdx.Property {
	by := map[string]uint64{}
	var total uint64
	for _, wi := range infos {
		if wi == nil {
			continue
		}
		for dt, n := range wi.params {
			by[dt] += n
			total += n
		}
	}
	if total == 0 {
		return nil
	}
	props := []cdx.Property{{Name: "aibom:model:parameters", Value: fmt.Sprint(total)}}
	dts := make([]string, 0, len(by))
	for dt := range by {
		dts = append(dts, dt)
	}
	sort.Strings(dts)
	for _, dt := range dts {
		props = append(props, cdx.Property{Name: "aibom:model:parameters:" + dt, Value: fmt.Sprint(by[dt])})
	}
	return props
}
