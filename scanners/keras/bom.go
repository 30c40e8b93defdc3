package keras

import (
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Describe implements scanners.Meta: container, versions, model class,
// layers, inputs and outputs, and the Lambda layers and custom objects.
func (m *Model) Describe() scanners.Description {
	var d scanners.Description
	d.Add("aibom:keras:container", m.Container)
	d.Add("aibom:keras:version", m.KerasVersion)
	d.Add("aibom:keras:backend", m.Backend)
	d.Add("aibom:keras:model_class", m.ModelClass)
	d.Add("aibom:keras:layers", fmt.Sprint(m.LayerCount))
	d.Add("aibom:keras:inputs", strings.Join(m.Inputs, " "))
	d.Add("aibom:keras:outputs", strings.Join(m.Outputs, ","))
	d.Add("aibom:keras:lambda_layers", strings.Join(m.LambdaLayers, ","))
	d.Add("aibom:keras:custom_objects", strings.Join(m.CustomObjects, ","))
	return d
}
