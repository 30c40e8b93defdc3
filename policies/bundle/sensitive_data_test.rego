package aibom.sensitive_data_test

import data.aibom.sensitive_data

pii := {
	"bom-ref": "dataset:local/finetune-data", "type": "data", "name": "Fake PII fixture",
	"properties": [{"name": "aibom:dataset:path", "value": "finetune-data"}, {"name": "aibom:pii:email", "value": "4"}],
	"data": [{"type": "dataset", "classification": "contains-pii-and-secrets", "sensitiveData": ["email: 4"]}],
}

clean := {"bom-ref": "dataset:hf/wikitext", "type": "data", "name": "wikitext", "data": [{"type": "dataset", "name": "wikitext"}]}

inp := {"digest": "sha256:00", "bom": {"bomFormat": "CycloneDX", "components": [pii, clean]}, "context": {"namespace": "research"}}

rules(set) := {v.rule | some v in set}

# 2026-12-07T00:00:00Z
now := 1796601600000000000

test_flagged_dataset_denied if {
	some v in sensitive_data.deny with input as inp
	v.rule == "SENSITIVE-DATA"
	contains(v.msg, "Fake PII fixture holds sensitive data (email: 4)")
	count(sensitive_data.deny) == 1 with input as inp
}

test_flagged_by_property_or_classification_alone if {
	by_prop := {"type": "data", "name": "a", "properties": [{"name": "aibom:pii:phone", "value": "1"}]}
	by_class := {"type": "data", "name": "b", "data": [{"classification": "PII"}]}
	count(sensitive_data.deny) == 2 with input as {"bom": {"components": [by_prop, by_class, clean]}}
}

test_exception_by_name_ref_or_path if {
	some name in ["Fake PII fixture", "dataset:local/finetune-data", "finetune-data"]
	count(sensitive_data.deny) == 0 with input as inp
		with data.aibom.params.sensitive_data_exceptions as [{"dataset": name, "reason": "synthetic data, DPO-123"}]
}

test_exception_needs_a_reason if {
	x := [{"dataset": "finetune-data", "reason": " "}]
	rules(sensitive_data.deny) == {"SENSITIVE-DATA"} with input as inp with data.aibom.params.sensitive_data_exceptions as x
	rules(sensitive_data.warn) == {"SENSITIVE-EXCEPTION-INVALID"} with input as inp with data.aibom.params.sensitive_data_exceptions as x
}

test_exception_limited_to_digests_and_namespaces if {
	x := [{"dataset": "finetune-data", "reason": "ok", "digests": ["sha256:00"], "namespaces": ["research*"]}]
	count(sensitive_data.deny) == 0 with input as inp with data.aibom.params.sensitive_data_exceptions as x
	other_digest := object.union(inp, {"digest": "sha256:11"})
	count(sensitive_data.deny) == 1 with input as other_digest with data.aibom.params.sensitive_data_exceptions as x
	other_ns := object.union(inp, {"context": {"namespace": "prod"}})
	count(sensitive_data.deny) == 1 with input as other_ns with data.aibom.params.sensitive_data_exceptions as x
}

test_exception_expires if {
	x := [{"dataset": "finetune-data", "reason": "ok", "expires": "2026-12-31T00:00:00Z"}]
	count(sensitive_data.deny) == 0 with input as inp with data.aibom.params.sensitive_data_exceptions as x with time.now_ns as now
	later := now + (((30 * 24) * 3600) * 1000000000)
	count(sensitive_data.deny) == 1 with input as inp with data.aibom.params.sensitive_data_exceptions as x with time.now_ns as later
}

test_unparseable_expiry_voids_the_exception if {
	x := [{"dataset": "finetune-data", "reason": "ok", "expires": "next year"}]
	count(sensitive_data.deny) == 1 with input as inp with data.aibom.params.sensitive_data_exceptions as x with time.now_ns as now
}
