package bomschema

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const valid = `{"bomFormat":"CycloneDX","specVersion":"%s","version":1,
"components":[{"type":"machine-learning-model","name":"m","bom-ref":"m",
"modelCard":{"modelParameters":{"task":"text-generation","datasets":[{"ref":"dataset:hf/x"}]}}},
{"type":"cryptographic-asset","name":"aes","cryptoProperties":{"assetType":"algorithm","algorithmProperties":{"primitive":"ae"}}}]}`
	const energyNull = `{"bomFormat":"CycloneDX","specVersion":"%s","version":1,
"components":[{"type":"machine-learning-model","name":"m","modelCard":{"considerations":{"environmentalConsiderations":
{"energyConsumptions":[{"activity":"training","energyProviders":null,"activityEnergyCost":{"value":0,"unit":"kWh"}}]}}}}]}`
	for _, v := range Versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			if err := Validate([]byte(strings.ReplaceAll(valid, "%s", v)), v); err != nil {
				t.Errorf("valid document: %v", err)
			}
			err := Validate([]byte(strings.ReplaceAll(energyNull, "%s", v)), v)
			if err == nil || !strings.Contains(err.Error(), "energyProviders") {
				t.Errorf("energyProviders:null: got %v, want a violation naming energyProviders", err)
			}
			if err := Validate([]byte(`{"bomFormat":"SPDX"}`), v); err == nil {
				t.Error("wrong bomFormat validated")
			}
			if err := Validate([]byte(`{`), v); err == nil {
				t.Error("truncated JSON validated")
			}
		})
	}
}

func TestValidateUnknownVersion(t *testing.T) {
	t.Parallel()
	if err := Validate([]byte(`{}`), "1.5"); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("got %v, want ErrUnknownVersion", err)
	}
}
