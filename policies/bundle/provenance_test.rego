package aibom.provenance_test

import data.aibom.provenance

model := {"type": "machine-learning-model", "name": "m"}

with_lineage := object.union(model, {"pedigree": {"ancestors": [{"type": "machine-learning-model", "name": "meta-llama/Meta-Llama-3-8B"}]}})

dataset := {"type": "data", "name": "wikitext", "data": [{"type": "dataset", "name": "wikitext"}]}

rules(set) := {v.rule | some v in set}

test_declared if {
	inp := {"bom": {"bomFormat": "CycloneDX", "metadata": {"component": with_lineage}, "components": [dataset]}}
	count(provenance.deny) == 0 with input as inp with data.aibom.params.require_lineage as true with data.aibom.params.require_datasets as true
	count(provenance.warn) == 0 with input as inp
}

test_datasets_from_the_model_card if {
	m := object.union(with_lineage, {"modelCard": {"modelParameters": {"datasets": [{"ref": "x"}]}}})
	count(provenance.warn) == 0 with input as {"bom": {"metadata": {"component": m}}}
}

test_undeclared_warns_by_default if {
	inp := {"bom": {"bomFormat": "CycloneDX", "metadata": {"component": model}}}
	count(provenance.deny) == 0 with input as inp
	rules(provenance.warn) == {"LINEAGE-UNDECLARED", "DATASETS-UNDECLARED"} with input as inp
}

test_required_denies if {
	inp := {"bom": {"bomFormat": "CycloneDX", "metadata": {"component": model}}}
	rules(provenance.deny) == {"LINEAGE-UNDECLARED"} with input as inp with data.aibom.params.require_lineage as true
	rules(provenance.warn) == {"DATASETS-UNDECLARED"} with input as inp with data.aibom.params.require_lineage as true
	rules(provenance.deny) == {"DATASETS-UNDECLARED"} with input as inp with data.aibom.params.require_datasets as true
}

test_no_bom_nothing_to_check if {
	count(provenance.deny) == 0 with input as {} with data.aibom.params.require_lineage as true
}
