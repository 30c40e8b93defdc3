package aibom.attestations_test

import data.aibom.attestations

key := {"keyFingerprint": "sha256:aa11"}

bom_att := {"kind": "bom", "predicateType": "https://cyclonedx.org/bom", "valid": true, "signer": key}

scan_att := {"kind": "scan", "predicateType": "https://aibom.dev/scan/v1", "valid": true, "signer": key}

bom := {"bomFormat": "CycloneDX", "specVersion": "1.6"}

scan := {"files": [], "summary": {"worst": "clean"}}

rules(set) := {v.rule | some v in set}

test_bom_attestation_present if {
	count(attestations.deny) == 0 with input as {"attestations": [bom_att], "bom": bom}
}

test_bom_attestation_missing if {
	rules(attestations.deny) == {"BOM-ATTESTATION-REQUIRED"} with input as {"attestations": []}
}

test_invalid_bom_attestation_does_not_count_and_is_reported if {
	bad := object.union(bom_att, {"valid": false, "problem": "subject is sha256:ff, not the digest"})
	rules(attestations.deny) == {"BOM-ATTESTATION-REQUIRED"} with input as {"attestations": [bad], "bom": bom}
	some w in attestations.warn with input as {"attestations": [bad], "bom": bom}
	w.rule == "ATTESTATION-INVALID"
	contains(w.msg, "subject is sha256:ff")
}

test_untrusted_bom_signer if {
	rules(attestations.deny) == {"BOM-ATTESTATION-UNTRUSTED"} with input as {"attestations": [bom_att], "bom": bom}
		with data.aibom.params.trusted_identities as [{"keyFingerprint": "sha256:bb22"}]
}

test_verified_but_bom_missing if {
	rules(attestations.deny) == {"BOM-MISSING"} with input as {"attestations": [bom_att]}
}

test_bom_must_be_cyclonedx if {
	rules(attestations.deny) == {"BOM-NOT-CYCLONEDX"} with input as {"attestations": [bom_att], "bom": {"spdxVersion": "SPDX-2.3"}}
}

test_scan_only_when_required if {
	count(attestations.deny) == 0 with input as {"attestations": [bom_att], "bom": bom}
	rules(attestations.deny) == {"SCAN-ATTESTATION-REQUIRED"} with input as {"attestations": [bom_att], "bom": bom}
		with data.aibom.params.require as ["signature", "bom", "scan"]
	count(attestations.deny) == 0 with input as {"attestations": [bom_att, scan_att], "bom": bom, "scan": scan}
		with data.aibom.params.require as ["signature", "bom", "scan"]
}

test_unknown_requirement if {
	rules(attestations.deny) == {"REQUIRE-UNKNOWN"} with input as {"attestations": [bom_att], "bom": bom}
		with data.aibom.params.require as ["bom", "sbom"]
}

test_signature_kind_is_not_a_bom_attestation if {
	sig := {"kind": "signature", "valid": true, "signer": key}
	rules(attestations.deny) == {"BOM-ATTESTATION-REQUIRED"} with input as {"attestations": [sig], "bom": bom}
}

test_model_signing_only_when_required if {
	oms := {"kind": "model-signing", "valid": true, "signer": key}
	count(attestations.deny) == 0 with input as {"attestations": [bom_att], "bom": bom}
	rules(attestations.deny) == {"MODEL-SIGNING-ATTESTATION-REQUIRED"} with input as {"attestations": [bom_att], "bom": bom}
		with data.aibom.params.require as ["signature", "bom", "model-signing"]
	count(attestations.deny) == 0 with input as {"attestations": [bom_att, oms], "bom": bom}
		with data.aibom.params.require as ["signature", "bom", "model-signing"]
	invalid := {"kind": "model-signing", "valid": false, "signer": key}
	rules(attestations.deny) == {"MODEL-SIGNING-ATTESTATION-REQUIRED"} with input as {"attestations": [bom_att, invalid], "bom": bom}
		with data.aibom.params.require as ["signature", "bom", "model-signing"]
}
