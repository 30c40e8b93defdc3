# A signature of the digest itself by a trusted identity is required
# (when params.require names "signature", the default).
package aibom.signature

import data.aibom.lib

signers := lib.arr(object.get(input, "signers", []))

deny contains v if {
	"signature" in lib.required
	count(signers) == 0
	v := lib.violation("SIGNATURE-REQUIRED", "the digest has no valid signature")
}

deny contains v if {
	"signature" in lib.required
	count(signers) > 0
	not some_trusted
	names := [lib.describe(s) | some s in signers]
	msg := sprintf("the digest is signed, but by no trusted identity: %s", [concat(", ", names)])
	v := lib.violation("SIGNATURE-UNTRUSTED", msg)
}

some_trusted if {
	some s in signers
	lib.trusted(s)
}

# A trusted identity that cannot match anything is a configuration error.
deny contains v if {
	some i, t in lib.trusted_identities
	not lib.identity_rule_ok(t)
	msg := sprintf("params.trusted_identities[%d] needs keyFingerprint alone, or subject or a valid subjectRegExp with a non-empty issuer", [i])
	v := lib.violation("TRUSTED-IDENTITY-INVALID", msg)
}
