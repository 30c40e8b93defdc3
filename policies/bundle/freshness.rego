# The newest valid, trusted attestation of each kind params.require names
# (bom, scan) must be younger than params.max_attestation_age (a Go duration,
# default "2160h", 90 days; "" turns the check off). An attestation with no
# signing time, or one signed more than five minutes in the future, denies.
package aibom.freshness

import data.aibom.lib

max_age := lib.param("max_attestation_age", "2160h")

skew_ns := (5 * 60) * 1000000000

kinds := {k | some k in lib.required; k in {"bom", "scan"}} if max_age != ""

deny contains v if {
	max_age != ""
	not time.parse_duration_ns(max_age)
	v := lib.violation("MAX-AGE-INVALID", sprintf("params.max_attestation_age is %v: want a duration such as 720h", [max_age]))
}

trusted_valid(k) := [a | some a in lib.valid_attestations(k); lib.trusted(object.get(a, "signer", {}))]

times(k) := [t | some a in trusted_valid(k); t := time.parse_rfc3339_ns(a.signedAt)]

deny contains v if {
	some k in kinds
	count(trusted_valid(k)) > 0
	count(times(k)) == 0
	v := lib.violation("ATTESTATION-UNDATED", sprintf("the %s attestation has no signing time", [k]))
}

deny contains v if {
	some k in kinds
	newest := max(times(k))
	age := time.now_ns() - newest
	age > time.parse_duration_ns(max_age)
	msg := sprintf("the newest %s attestation was signed %s, %d hours ago; the limit is %s", [k, time.format(newest), round(age / 3600000000000), max_age])
	v := lib.violation("ATTESTATION-TOO-OLD", msg)
}

deny contains v if {
	some k in kinds
	newest := max(times(k))
	newest - time.now_ns() > skew_ns
	msg := sprintf("the %s attestation claims to be signed in the future (%s)", [k, time.format(newest)])
	v := lib.violation("ATTESTATION-FROM-FUTURE", msg)
}
