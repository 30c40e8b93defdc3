package safetensors

import (
	"fmt"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Describe implements scanners.Meta: parameter and tensor counts and the
// tensor inventory.
func (h *Header) Describe() scanners.Description {
	d := scanners.Description{Params: map[string]uint64{}, Properties: []scanners.Property{
		{Name: "aibom:weights:parameters", Value: fmt.Sprint(h.TotalParams)},
		{Name: "aibom:weights:tensors", Value: fmt.Sprint(len(h.Tensors))},
	}}
	for dt, n := range h.Params {
		d.Params[string(dt)] += n
	}
	for _, t := range h.Tensors {
		d.Tensors = append(d.Tensors, scanners.Tensor{Name: t.Name, Type: fmt.Sprintf("%s %v", t.Dtype, t.Shape)})
	}
	return d
}
