package aibom.verdicts_test

import data.aibom.verdicts

file(name, verdict) := {"type": "file", "name": name, "properties": [
	{"name": "aibom:file:role", "value": "weights"},
	{"name": "aibom:scan:verdict", "value": verdict},
]}

bom(files) := {"bomFormat": "CycloneDX", "components": files}

rules(set) := {v.rule | some v in set}

test_clean_and_unscanned_pass if {
	count(verdicts.deny) == 0 with input as {"bom": bom([file("a.safetensors", "clean"), file("README.md", "unscanned")])}
}

test_malicious_in_bom if {
	some v in verdicts.deny with input as {"bom": bom([file("model.pkl", "malicious")])}
	v == {"rule": "MALICIOUS-FILE", "msg": "model.pkl: verdict malicious"}
}

test_malicious_in_scan_report if {
	scan := {"files": [{"path": "x/model.bin", "verdict": "malicious"}]}
	rules(verdicts.deny) == {"MALICIOUS-FILE"} with input as {"scan": scan}
}

test_same_file_in_bom_and_scan_reported_once if {
	scan := {"files": [{"path": "model.pkl", "verdict": "malicious"}]}
	count(verdicts.deny) == 1 with input as {"bom": bom([file("model.pkl", "malicious")]), "scan": scan}
}

test_suspicious_and_invalid_fail_by_default if {
	rules(verdicts.deny) == {"SUSPICIOUS-FILE", "INVALID-FILE"} with input as {"bom": bom([file("a.pkl", "suspicious"), file("b.safetensors", "invalid")])}
}

test_fail_on_malicious_lets_suspicious_through if {
	inp := {"bom": bom([file("a.pkl", "suspicious"), file("b.safetensors", "invalid"), file("c.pkl", "malicious")])}
	rules(verdicts.deny) == {"MALICIOUS-FILE"} with input as inp with data.aibom.params.fail_on as "malicious"
	rules(verdicts.deny) == {"MALICIOUS-FILE", "INVALID-FILE"} with input as inp with data.aibom.params.fail_on as "invalid"
}

test_fail_on_unscanned if {
	rules(verdicts.deny) == {"UNSCANNED-FILE"} with input as {"bom": bom([file("README.md", "unscanned")])}
		with data.aibom.params.fail_on as "unscanned"
}

test_bad_fail_on_is_a_configuration_error_and_the_default_applies if {
	rules(verdicts.deny) == {"FAIL-ON-INVALID", "SUSPICIOUS-FILE"} with input as {"bom": bom([file("a.pkl", "suspicious")])}
		with data.aibom.params.fail_on as "nothing"
}

test_unknown_or_missing_verdict_denies if {
	no_verdict := {"type": "file", "name": "w.bin", "properties": []}
	rules(verdicts.deny) == {"UNKNOWN-VERDICT"} with input as {"bom": bom([file("a.pkl", "fine"), no_verdict])}
}

test_files_nested_in_a_component if {
	nested := {"type": "machine-learning-model", "name": "adapter", "components": [file("adapter/x.pkl", "malicious")]}
	rules(verdicts.deny) == {"MALICIOUS-FILE"} with input as {"bom": bom([nested])}
}
