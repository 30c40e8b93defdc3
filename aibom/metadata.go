package aibom

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
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
	// dependsOn holds the files this one ties together (an index's
	// shards), as bom-refs.
	dependsOn []string
}

// describe gives a weight file's header metadata from what its scanner
// parsed during the scan, so the file is not read again. When the runner's
// scanner did not hand its parse over (a custom scanner set), the header
// is read here. Formats without a header give nothing; a header that
// cannot be read gives an error (the scan has already reported the file).
func describe(f source.File, res scanners.FileResult) (*weightInfo, error) {
	meta := res.Metadata
	if meta == nil {
		var err error
		if meta, err = parseHeader(f, res.Format); err != nil || meta == nil {
			return nil, err
		}
	}
	switch m := meta.(type) {
	case *safetensors.Header:
		return fromSafetensors(m), nil
	case *onnx.Model:
		return fromONNX(m), nil
	case *gguf.File:
		return fromGGUF(m), nil
	case *keras.Model:
		return fromKeras(m), nil
	case *tensorflow.SavedModel:
		return fromTF(m), nil
	case *tflite.Model:
		return fromTFLite(m), nil
	}
	return nil, nil
}

// parseHeader reads the header of a file in a format with one.
func parseHeader(f source.File, format string) (any, error) {
	var parse func(fh io.ReaderAt, size int64) (any, error)
	switch format {
	case "safetensors":
		parse = func(fh io.ReaderAt, n int64) (any, error) {
			return safetensors.Parse(fh, n, safetensors.DefaultLimits())
		}
	case "onnx":
		parse = func(fh io.ReaderAt, n int64) (any, error) { return onnx.Parse(fh, n, onnx.DefaultLimits()) }
	case "gguf":
		parse = func(fh io.ReaderAt, n int64) (any, error) { return gguf.Parse(fh, n, gguf.DefaultLimits()) }
	case "keras":
		parse = func(fh io.ReaderAt, n int64) (any, error) { return keras.Parse(fh, n, keras.DefaultLimits()) }
	case "tensorflow":
		parse = func(fh io.ReaderAt, n int64) (any, error) { return tensorflow.Parse(fh, n, tensorflow.DefaultLimits()) }
	case "tflite":
		parse = func(fh io.ReaderAt, n int64) (any, error) { return tflite.Parse(fh, n, tflite.DefaultLimits()) }
	default:
		return nil, nil
	}
	fh, err := f.ReaderAt(context.Background())
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return parse(fh, f.Size)
}

func fromSafetensors(h *safetensors.Header) *weightInfo {
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
	return wi
}

func fromONNX(m *onnx.Model) *weightInfo {
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
	return wi
}

func fromGGUF(g *gguf.File) *weightInfo {
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
	return wi
}

// propList collects non-empty properties.
type propList []cdx.Property

func (p *propList) add(name, value string) {
	if value != "" && value != "0" {
		*p = append(*p, cdx.Property{Name: name, Value: value})
	}
}

func fromKeras(m *keras.Model) *weightInfo {
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
	return &weightInfo{props: p}
}

func fromTF(sm *tensorflow.SavedModel) *weightInfo {
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
	return &weightInfo{props: p}
}

func tensors(ts []tensorflow.TensorInfo) string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s:%s%v", t.Key, t.Dtype, t.Shape))
	}
	return "[" + strings.Join(out, " ") + "]"
}

func fromTFLite(m *tflite.Model) *weightInfo {
	var p propList
	p.add("aibom:tflite:version", fmt.Sprint(m.Version))
	p.add("aibom:tflite:description", m.Description)
	p.add("aibom:tflite:subgraphs", fmt.Sprint(len(m.Subgraphs)))
	p.add("aibom:tflite:operator_codes", fmt.Sprint(len(m.OpCodes)))
	return &weightInfo{props: p}
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
