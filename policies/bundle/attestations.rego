# The attestations named by params.require ("bom" by default, "scan" and
# "model-signing" when asked) must be present, valid, and signed by a
# trusted identity; the verified AI-BOM and scan report must be in the input.
package aibom.attestations

import data.aibom.lib

names := {"bom": "AI-BOM", "scan": "scan-report", "model-signing": "model-signing (OpenSSF Model Signing)"}

wanted contains k if {
	some k in lib.required
	k in {"bom", "scan", "model-signing"}
}

deny contains v if {
	some k in lib.required
	not k in {"signature", "bom", "scan", "model-signing"}
	msg := sprintf("params.require names %q: want signature, bom, scan or model-signing", [k])
	v := lib.violation("REQUIRE-UNKNOWN", msg)
}

deny contains v if {
	some k in wanted
	count(lib.valid_attestations(k)) == 0
	msg := sprintf("the digest has no valid %s attestation", [names[k]])
	v := lib.violation(sprintf("%s-ATTESTATION-REQUIRED", [upper(k)]), msg)
}

deny contains v if {
	some k in wanted
	atts := lib.valid_attestations(k)
	count(atts) > 0
	not trusted_kind(k)
	signers := [lib.describe(object.get(a, "signer", {})) | some a in atts]
	msg := sprintf("the %s attestation is signed by no trusted identity: %s", [names[k], concat(", ", signers)])
	v := lib.violation(sprintf("%s-ATTESTATION-UNTRUSTED", [upper(k)]), msg)
}

trusted_kind(k) if {
	some a in lib.valid_attestations(k)
	lib.trusted(object.get(a, "signer", {}))
}

deny contains v if {
	"bom" in wanted
	count(lib.valid_attestations("bom")) > 0
	lib.bom == {}
	v := lib.violation("BOM-MISSING", "the AI-BOM attestation verified, but its AI-BOM is not in the input")
}

deny contains v if {
	"bom" in wanted
	lib.bom != {}
	object.get(lib.bom, "bomFormat", "") != "CycloneDX"
	v := lib.violation("BOM-NOT-CYCLONEDX", "the AI-BOM is not a CycloneDX document (bomFormat)")
}

deny contains v if {
	"scan" in wanted
	count(lib.valid_attestations("scan")) > 0
	lib.scan == {}
	v := lib.violation("SCAN-MISSING", "the scan-report attestation verified, but its report is not in the input")
}

# A signature or attestation that did not verify decides nothing, but is
# reported, never hidden.
warn contains v if {
	some a in lib.arr(object.get(input, "attestations", []))
	a.valid != true
	msg := sprintf("an attached %s did not verify: %s", [object.get(a, "kind", "signature or attestation"), object.get(a, "problem", "no reason given")])
	v := lib.violation("ATTESTATION-INVALID", msg)
}
