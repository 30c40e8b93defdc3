package modelcard

import (
	"math"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// outOfScopePrefix marks out-of-scope uses among technical limitations, for
// which CycloneDX has no field of their own.
const outOfScopePrefix = "Out-of-scope use: "

// unknownProvider describes the placeholder energy provider.
const unknownProvider = "Unknown: the model card's co2_eq_emissions names no energy provider or energy; " +
	"the 0 kWh values are placeholders that the CycloneDX schema requires."

func (c *Card) considerations() *cdx.MLModelCardConsiderations {
	s := c.Sections
	con := &cdx.MLModelCardConsiderations{
		Users:                       strs(s.Users),
		UseCases:                    strs(s.IntendedUses),
		EnvironmentalConsiderations: c.environment(),
	}
	techLimits := append([]string(nil), s.Limitations...)
	for _, o := range s.OutOfScope {
		first, _, _ := strings.Cut(o, "\n")
		if label, _, ok := boldLabel(first); !ok || classify(label) != kindOutOfScope {
			o = outOfScopePrefix + o // unless it starts with its own "**Out-of-scope**" label
		}
		techLimits = append(techLimits, o)
	}
	con.TechnicalLimitations = strs(techLimits)
	if len(s.Bias) > 0 {
		mitigation := strings.Join(s.Recommendations, "\n\n")
		eth := make([]cdx.MLModelCardEthicalConsideration, len(s.Bias))
		for i, b := range s.Bias {
			eth[i] = cdx.MLModelCardEthicalConsideration{Name: b, MitigationStrategy: mitigation}
		}
		con.EthicalConsiderations = &eth
	}
	if *con == (cdx.MLModelCardConsiderations{}) {
		return nil
	}
	return con
}

func strs(s []string) *[]string {
	if len(s) == 0 {
		return nil
	}
	return &s
}

// environment maps co2_eq_emissions. When the card gives a number, the CO2
// goes into an energy consumption entry (co2CostEquivalent, in tCO2eq). The
// schema requires there what a model card does not say: at least an
// activityEnergyCost and an energyProviders list. An empty list is not
// enough: cyclonedx-go's EncodeVersion deep-copies the BOM with gob, which
// turns an empty list into nil, encoded as the schema-invalid null. So the
// entry names one provider of unknown organization and energy source, with
// 0 kWh placeholders described as such in its description and in the
// property aibom:co2:activity_energy_cost.
func (c *Card) environment() *cdx.MLModelCardEnvironmentalConsiderations {
	e := c.CO2
	if e == nil {
		return nil
	}
	var props []cdx.Property
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: "aibom:co2:" + name, Value: value})
		}
	}
	if e.HasGrams {
		add("emissions_g", strconv.FormatFloat(e.Grams, 'g', -1, 64))
	}
	add("source", e.Source)
	add("training_type", e.TrainingType)
	add("geographical_location", e.GeographicalLocation)
	add("hardware_used", e.HardwareUsed)
	env := &cdx.MLModelCardEnvironmentalConsiderations{}
	tonnes := e.Grams / 1e6
	if !e.HasGrams || tonnes > math.MaxFloat32 { // float32 in cyclonedx-go: +Inf does not encode
		if len(props) == 0 {
			return nil
		}
		env.Properties = &props
		return env
	}
	add("activity_energy_cost", "unknown: the model card gives no energy; 0 kWh is a placeholder the schema requires")
	providers := []cdx.MLModelEnergyProvider{{
		Description:    unknownProvider,
		Organization:   &cdx.OrganizationalEntity{Name: "unknown"},
		EnergySource:   cdx.MLModelEnergySourceUnknown,
		EnergyProvided: &cdx.MLModelEnergyMeasure{Value: 0, Unit: cdx.MLModelEnergyUnitKWH},
	}}
	env.EnergyConsumptions = &[]cdx.MLModelEnergyConsumption{{
		Activity:           activity(e.TrainingType),
		EnergyProviders:    &providers,
		ActivityEnergyCost: cdx.MLModelEnergyMeasure{Value: 0, Unit: cdx.MLModelEnergyUnitKWH},
		CO2CostEquivalent:  &cdx.MLModelCO2Measure{Value: float32(tonnes), Unit: cdx.MLModelCO2UnitTCO2Eq},
		Properties:         &props,
	}}
	return env
}

// activity maps a card's training_type to a CycloneDX lifecycle activity.
func activity(trainingType string) cdx.MLModelEnergyConsumptionActivity {
	t := strings.ToLower(trainingType)
	switch {
	case strings.Contains(t, "fine"):
		return cdx.MLModelEnergyConsumptionActivityFineTuning
	case t == "" || strings.Contains(t, "train"):
		return cdx.MLModelEnergyConsumptionActivityTraining
	default:
		return cdx.MLModelEnergyConsumptionActivityOther
	}
}
