package onnx

import (
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Describe implements scanners.Meta: parameters, IR version, opsets,
// producer and node count.
func (m *Model) Describe() scanners.Description {
	var opsets []string
	for _, o := range m.Opsets {
		d := o.Domain
		if d == "" {
			d = "ai.onnx"
		}
		opsets = append(opsets, fmt.Sprintf("%s:%d", d, o.Version))
	}
	return scanners.Description{Params: map[string]uint64{"onnx": m.Params}, Properties: []scanners.Property{
		{Name: "aibom:weights:parameters", Value: fmt.Sprint(m.Params)},
		{Name: "aibom:onnx:ir_version", Value: fmt.Sprint(m.IRVersion)},
		{Name: "aibom:onnx:opsets", Value: strings.Join(opsets, ",")},
		{Name: "aibom:onnx:producer", Value: strings.TrimSpace(m.ProducerName + " " + m.ProducerVersion)},
		{Name: "aibom:onnx:nodes", Value: fmt.Sprint(m.Nodes)},
	}}
}
