package aibom

import (
	"bytes"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// TestXMLEncoding: what cyclonedx-go writes against the XSD is corrected
// (dataset refs, several technical limitations, exponent decimals), the
// BOM given is not changed, and the result validates.
func TestXMLEncoding(t *testing.T) {
	t.Parallel()
	lim := []string{"first limitation", "second limitation"}
	model := cdx.Component{
		Type: cdx.ComponentTypeMachineLearningModel, Name: "m", BOMRef: "model:m",
		ModelCard: &cdx.MLModelCard{
			ModelParameters: &cdx.MLModelParameters{Datasets: &[]cdx.MLDatasetChoice{{Ref: "dataset:hf/squad"}}},
			Considerations: &cdx.MLModelCardConsiderations{
				TechnicalLimitations: &lim,
				EnvironmentalConsiderations: &cdx.MLModelCardEnvironmentalConsiderations{
					EnergyConsumptions: &[]cdx.MLModelEnergyConsumption{{
						Activity: cdx.MLModelEnergyConsumptionActivityTraining,
						EnergyProviders: &[]cdx.MLModelEnergyProvider{{
							Organization: &cdx.OrganizationalEntity{Name: "unknown"}, EnergySource: cdx.MLModelEnergySourceUnknown,
							EnergyProvided: &cdx.MLModelEnergyMeasure{Unit: cdx.MLModelEnergyUnitKWH},
						}},
						ActivityEnergyCost: cdx.MLModelEnergyMeasure{Value: 1.86e-08, Unit: cdx.MLModelEnergyUnitKWH},
					}},
				},
			},
		},
	}
	sub := model
	sub.BOMRef, sub.Name = "model:sub", "sub"
	data := cdx.Component{Type: cdx.ComponentTypeData, Name: "squad", BOMRef: "dataset:hf/squad",
		Data: &[]cdx.ComponentData{{Type: cdx.ComponentDataTypeDataset, Name: "squad"}}}
	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{Component: &model}
	bom.Components = &[]cdx.Component{sub, data}
	for _, v := range []string{"1.6", "1.7"} {
		sv, _ := ParseSpecVersion(v)
		doc := encode(t, bom, CycloneDXXML, sv)
		validateXML(t, doc, v)
		s := string(doc)
		if strings.Contains(s, "<dataset>") || strings.Count(s, "<ref>dataset:hf/squad</ref>") != 2 {
			t.Errorf("dataset refs not rewritten:\n%s", s)
		}
		if strings.Count(s, "first limitation&#xA;&#xA;second limitation") != 2 || strings.Count(s, "<technicalLimitation>") != 2 {
			t.Errorf("limitations not joined:\n%s", s)
		}
		if !strings.Contains(s, "<value>0.0000000186</value>") {
			t.Errorf("energy value not decimal:\n%s", s)
		}
	}
	if len(*model.ModelCard.Considerations.TechnicalLimitations) != 2 || len(*(*bom.Components)[0].ModelCard.Considerations.TechnicalLimitations) != 2 {
		t.Error("encoding changed the BOM")
	}
	// JSON keeps the list.
	if j := encode(t, bom, CycloneDXJSON, cdx.SpecVersion1_6); !bytes.Contains(j, []byte(`"second limitation"`)) {
		t.Error("JSON lost a limitation")
	}
}
