package aibom.formats_test

import data.aibom.formats

weights(name, format) := {"type": "file", "name": name, "properties": [
	{"name": "aibom:file:role", "value": "weights"},
	{"name": "aibom:file:format", "value": format},
]}

config := {"type": "file", "name": "config.json", "properties": [
	{"name": "aibom:file:role", "value": "config"},
	{"name": "aibom:file:format", "value": "unknown"},
]}

bom := {"bomFormat": "CycloneDX", "components": [
	weights("model.safetensors", "safetensors"),
	weights("model.gguf", "gguf"),
	weights("pytorch_model.bin", "pytorch"),
	config,
]}

inp(ns) := {"bom": bom, "context": {"namespace": ns}}

rules(set) := {v.rule | some v in set}

test_production_allows_only_safetensors_and_gguf if {
	some v in formats.deny with input as inp("prod-eu")
	v.rule == "FORMAT-NOT-ALLOWED"
	contains(v.msg, "pytorch_model.bin is pytorch weights")
	count(formats.deny) == 1 with input as inp("production")
}

test_other_namespaces_and_no_context_allow_any if {
	count(formats.deny) == 0 with input as inp("dev")
	count(formats.deny) == 0 with input as {"bom": bom}
}

test_first_matching_entry_wins if {
	allowed := [
		{"namespaces": ["ml-*"], "formats": ["safetensors", "pytorch", "gguf"]},
		{"formats": ["safetensors"]},
	]
	count(formats.deny) == 0 with input as inp("ml-train") with data.aibom.params.allowed_formats as allowed
	count(formats.deny) == 2 with input as inp("default") with data.aibom.params.allowed_formats as allowed
	count(formats.deny) == 2 with input as {"bom": bom} with data.aibom.params.allowed_formats as allowed
}

test_from_scan_report_without_bom if {
	scan := {"files": [
		{"path": "m.pkl", "format": "pickle"},
		{"path": "README.md", "format": "unknown"},
		{"path": "tokenizer_config.json", "format": "chat-template"},
		{"path": "m.safetensors", "format": "safetensors"},
	]}
	rules(formats.deny) == {"FORMAT-NOT-ALLOWED"} with input as {"scan": scan, "context": {"namespace": "prod"}}
	count(formats.deny) == 1 with input as {"scan": scan, "context": {"namespace": "prod"}}
}
