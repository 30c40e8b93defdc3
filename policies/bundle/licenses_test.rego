package aibom.licenses_test

import data.aibom.licenses

bom(licenses) := {"bomFormat": "CycloneDX", "metadata": {"component": {"type": "machine-learning-model", "name": "m", "licenses": licenses}}}

rules(set) := {v.rule | some v in set}

test_any_license_by_default if {
	count(licenses.deny) == 0 with input as {"bom": bom([{"license": {"name": "llama3"}}])}
}

test_allow_list_by_id_or_name_without_case if {
	count(licenses.deny) == 0 with input as {"bom": bom([{"license": {"id": "Apache-2.0"}}, {"license": {"name": "MIT"}}])}
		with data.aibom.params.allowed_licenses as ["apache-2.0", "mit"]
	some v in licenses.deny with input as {"bom": bom([{"license": {"name": "llama3"}}])}
		with data.aibom.params.allowed_licenses as ["apache-2.0", "mit"]
	v == {"rule": "LICENSE-NOT-ALLOWED", "msg": "m is licensed llama3, which is not allowed (allowed: apache-2.0, mit)"}
}

test_expression_needs_every_license_allowed if {
	inp := {"bom": bom([{"expression": "(Apache-2.0 OR GPL-3.0-only)"}])}
	rules(licenses.deny) == {"LICENSE-NOT-ALLOWED"} with input as inp with data.aibom.params.allowed_licenses as ["apache-2.0"]
	count(licenses.deny) == 0 with input as inp with data.aibom.params.allowed_licenses as ["apache-2.0", "gpl-3.0-only"]
}

test_denied_license if {
	rules(licenses.deny) == {"LICENSE-DENIED"} with input as {"bom": bom([{"license": {"id": "CC-BY-NC-4.0"}}])}
		with data.aibom.params.denied_licenses as ["cc-by-nc-4.0"]
}

test_undeclared_warns_then_denies if {
	inp := {"bom": bom([])}
	count(licenses.deny) == 0 with input as inp
	rules(licenses.warn) == {"LICENSE-UNDECLARED"} with input as inp
	rules(licenses.deny) == {"LICENSE-UNDECLARED"} with input as inp with data.aibom.params.require_license as true
	rules(licenses.deny) == {"LICENSE-UNDECLARED"} with input as inp with data.aibom.params.allowed_licenses as ["mit"]
}

test_sub_models_are_checked if {
	b := object.union(bom([{"license": {"id": "MIT"}}]), {"components": [{"type": "machine-learning-model", "name": "adapter", "licenses": [{"license": {"id": "GPL-3.0-only"}}]}]})
	some v in licenses.deny with input as {"bom": b} with data.aibom.params.allowed_licenses as ["mit"]
	startswith(v.msg, "adapter is licensed gpl-3.0-only")
}

test_no_bom_nothing_to_check if {
	count(licenses.deny) == 0 with input as {} with data.aibom.params.allowed_licenses as ["mit"]
}
