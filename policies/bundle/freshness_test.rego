package aibom.freshness_test

import data.aibom.freshness

key := {"keyFingerprint": "sha256:aa11"}

# 2026-12-07T00:00:00Z
now := 1796601600000000000

att(kind, at) := {"kind": kind, "valid": true, "signer": key, "signedAt": at}

rules(set) := {v.rule | some v in set}

test_recent_attestation_passes if {
	count(freshness.deny) == 0 with input as {"attestations": [att("bom", "2026-11-30T10:00:00Z")]} with time.now_ns as now
}

test_old_attestation_denied if {
	some v in freshness.deny with input as {"attestations": [att("bom", "2026-01-01T00:00:00Z")]} with time.now_ns as now
	v.rule == "ATTESTATION-TOO-OLD"
	contains(v.msg, "the limit is 2160h")
}

test_newest_of_several_counts if {
	atts := [att("bom", "2025-01-01T00:00:00Z"), att("bom", "2026-12-01T00:00:00Z")]
	count(freshness.deny) == 0 with input as {"attestations": atts} with time.now_ns as now
}

test_untrusted_or_invalid_attestations_do_not_count if {
	fresh_untrusted := object.union(att("bom", "2026-12-06T00:00:00Z"), {"signer": {"keyFingerprint": "sha256:bb22"}})
	fresh_invalid := object.union(att("bom", "2026-12-06T00:00:00Z"), {"valid": false})
	atts := [att("bom", "2025-01-01T00:00:00Z"), fresh_untrusted, fresh_invalid]
	rules(freshness.deny) == {"ATTESTATION-TOO-OLD"} with input as {"attestations": atts} with time.now_ns as now
		with data.aibom.params.trusted_identities as [key]
}

test_configurable_age if {
	inp := {"attestations": [att("bom", "2026-11-30T00:00:00Z")]}
	rules(freshness.deny) == {"ATTESTATION-TOO-OLD"} with input as inp with time.now_ns as now with data.aibom.params.max_attestation_age as "24h"
	count(freshness.deny) == 0 with input as inp with time.now_ns as now with data.aibom.params.max_attestation_age as ""
}

test_undated_denied if {
	undated := {"kind": "bom", "valid": true, "signer": key}
	rules(freshness.deny) == {"ATTESTATION-UNDATED"} with input as {"attestations": [undated]} with time.now_ns as now
}

test_future_denied if {
	rules(freshness.deny) == {"ATTESTATION-FROM-FUTURE"} with input as {"attestations": [att("bom", "2027-01-01T00:00:00Z")]} with time.now_ns as now
}

test_scan_checked_when_required if {
	inp := {"attestations": [att("bom", "2026-12-01T00:00:00Z"), att("scan", "2025-12-01T00:00:00Z")]}
	count(freshness.deny) == 0 with input as inp with time.now_ns as now
	rules(freshness.deny) == {"ATTESTATION-TOO-OLD"} with input as inp with time.now_ns as now with data.aibom.params.require as ["bom", "scan"]
}

test_bad_duration_is_a_configuration_error if {
	rules(freshness.deny) == {"MAX-AGE-INVALID"} with input as {"attestations": [att("bom", "2026-12-01T00:00:00Z")]}
		with time.now_ns as now with data.aibom.params.max_attestation_age as "90 days"
}
