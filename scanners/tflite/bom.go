package tflite

import (
	"fmt"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Describe implements scanners.Meta: schema version, description and the
// subgraph and operator code counts.
func (m *Model) Describe() scanners.Description {
	var d scanners.Description
	d.Add("aibom:tflite:version", fmt.Sprint(m.Version))
	d.Add("aibom:tflite:description", m.Description)
	d.Add("aibom:tflite:subgraphs", fmt.Sprint(len(m.Subgraphs)))
	d.Add("aibom:tflite:operator_codes", fmt.Sprint(len(m.OpCodes)))
	return d
}
