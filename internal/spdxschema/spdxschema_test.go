package spdxschema

import (
	"strings"
	"testing"
)

const minimal = `{
  "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
  "@graph": [
    {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1", "created": "2024-01-01T00:00:00Z", "createdBy": ["urn:x#a"]},
    {"type": "SoftwareAgent", "spdxId": "urn:x#a", "creationInfo": "_:c", "name": "aibom"},
    {"type": "ai_AIPackage", "spdxId": "urn:x#m", "creationInfo": "_:c", "name": "m", "software_primaryPurpose": "model"}
  ]
}`

func TestValidate(t *testing.T) {
	if err := Validate([]byte(minimal)); err != nil {
		t.Fatalf("a minimal valid document: %v", err)
	}
	bad := map[string]string{
		"wrong context":      strings.Replace(minimal, "3.0.1/spdx-context", "3.0.0/spdx-context", 1),
		"no creationInfo":    strings.Replace(minimal, `"creationInfo": "_:c", "name": "m"`, `"name": "m"`, 1),
		"unknown purpose":    strings.Replace(minimal, `"software_primaryPurpose": "model"`, `"software_primaryPurpose": "weights"`, 1),
		"blank-node spdxId":  strings.Replace(minimal, `"spdxId": "urn:x#m"`, `"spdxId": "_:m"`, 1),
		"unknown property":   strings.Replace(minimal, `"name": "m"`, `"name": "m", "modelCard": {}`, 1),
		"dataset, no type":   strings.Replace(minimal, `"type": "ai_AIPackage"`, `"type": "dataset_DatasetPackage"`, 1),
		"local-time created": strings.Replace(minimal, `00:00:00Z`, `00:00:00+01:00`, 1),
	}
	for name, doc := range bad {
		if err := Validate([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
