package aibom.signature_test

import data.aibom.signature

key := {"keyFingerprint": "sha256:aa11"}

ci := {"subject": "https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main", "issuer": "https://token.actions.githubusercontent.com"}

rules(set) := {v.rule | some v in set}

test_unsigned_denied if {
	rules(signature.deny) == {"SIGNATURE-REQUIRED"} with input as {"digest": "sha256:00", "signers": []}
}

test_missing_signers_field_denied if {
	rules(signature.deny) == {"SIGNATURE-REQUIRED"} with input as {"digest": "sha256:00"}
}

test_any_verified_signer_when_no_identities_configured if {
	count(signature.deny) == 0 with input as {"signers": [key]}
}

test_key_fingerprint_matches_without_case if {
	count(signature.deny) == 0 with input as {"signers": [key]}
		with data.aibom.params.trusted_identities as [{"keyFingerprint": "SHA256:AA11"}]
}

test_other_key_untrusted if {
	rules(signature.deny) == {"SIGNATURE-UNTRUSTED"} with input as {"signers": [{"keyFingerprint": "sha256:bb22"}]}
		with data.aibom.params.trusted_identities as [{"keyFingerprint": "sha256:aa11"}]
}

test_one_trusted_signer_among_others_suffices if {
	count(signature.deny) == 0 with input as {"signers": [{"keyFingerprint": "sha256:bb22"}, ci]}
		with data.aibom.params.trusted_identities as [{"subject": ci.subject, "issuer": ci.issuer}]
}

test_subject_needs_the_same_issuer if {
	rules(signature.deny) == {"SIGNATURE-UNTRUSTED"} with input as {"signers": [object.union(ci, {"issuer": "https://evil.example"})]}
		with data.aibom.params.trusted_identities as [{"subject": ci.subject, "issuer": ci.issuer}]
}

test_subject_regexp_is_anchored if {
	trusted := [{"subjectRegExp": "https://github.com/acme/.*", "issuer": ci.issuer}]
	count(signature.deny) == 0 with input as {"signers": [ci]} with data.aibom.params.trusted_identities as trusted
	evil := object.union(ci, {"subject": "https://evil.example/?https://github.com/acme/x"})
	rules(signature.deny) == {"SIGNATURE-UNTRUSTED"} with input as {"signers": [evil]} with data.aibom.params.trusted_identities as trusted
}

test_empty_issuer_is_a_configuration_error_not_any if {
	trusted := [{"subject": ci.subject, "issuer": ""}]
	rules(signature.deny) == {"SIGNATURE-UNTRUSTED", "TRUSTED-IDENTITY-INVALID"} with input as {"signers": [ci]}
		with data.aibom.params.trusted_identities as trusted
}

test_bad_regexp_is_a_configuration_error if {
	trusted := [{"subjectRegExp": "(", "issuer": ci.issuer}]
	rules(signature.deny) == {"SIGNATURE-UNTRUSTED", "TRUSTED-IDENTITY-INVALID"} with input as {"signers": [ci]}
		with data.aibom.params.trusted_identities as trusted
}

test_not_required if {
	count(signature.deny) == 0 with input as {"signers": []} with data.aibom.params.require as ["bom"]
}

test_an_attestation_is_not_a_signature if {
	att := {"kind": "bom", "valid": true, "signer": key, "predicateType": "https://cyclonedx.org/bom"}
	rules(signature.deny) == {"SIGNATURE-REQUIRED"} with input as {"signers": [], "attestations": [att]}
}
