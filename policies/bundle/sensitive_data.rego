# A dataset flagged with sensitive data (sensitiveData, a pii or secrets
# classification, aibom:pii:* counts) needs an explicit exception in
# params.sensitive_data_exceptions: {"dataset": name, bom-ref or
# aibom:dataset:path, "reason": why (required), and optionally "digests":
# [...] and "namespaces": [glob, ...] it is limited to and "expires" (RFC
# 3339)}.
package aibom.sensitive_data

import data.aibom.lib

flagged contains d if {
	some d in lib.components
	d.type == "data"
	sensitive(d)
}

sensitive(d) if {
	some e in lib.arr(object.get(d, "data", []))
	count(lib.arr(object.get(e, "sensitiveData", []))) > 0
}

sensitive(d) if {
	some e in lib.arr(object.get(d, "data", []))
	c := lower(object.get(e, "classification", ""))
	regex.match(`pii|secret|sensitive|personal`, c)
}

sensitive(d) if {
	some p in lib.arr(object.get(d, "properties", []))
	startswith(p.name, "aibom:pii:")
}

names(d) := {n | some n in [object.get(d, "name", ""), object.get(d, "bom-ref", ""), lib.prop(d, "aibom:dataset:path", "")]; n != ""}

exceptions := lib.arr(lib.param("sensitive_data_exceptions", []))

excepted(d) if {
	some x in exceptions
	object.get(x, "dataset", "") in names(d)
	in_force(x)
}

in_force(x) if {
	trim_space(object.get(x, "reason", "")) != ""
	digest_ok(x)
	namespace_ok(x)
	not expired(x)
}

digest_ok(x) if not "digests" in object.keys(x)

digest_ok(x) if input.digest in lib.arr(x.digests)

namespace_ok(x) if not "namespaces" in object.keys(x)

namespace_ok(x) if lib.ns_match(x.namespaces)

expired(x) if time.parse_rfc3339_ns(x.expires) <= time.now_ns()

# An expiry that does not parse is no expiry date: the exception is void.
expired(x) if {
	"expires" in object.keys(x)
	not time.parse_rfc3339_ns(x.expires)
}

deny contains v if {
	some d in flagged
	not excepted(d)
	what := [s | some e in lib.arr(object.get(d, "data", [])); some s in lib.arr(object.get(e, "sensitiveData", []))]
	msg := sprintf("dataset %s holds sensitive data (%s) and has no exception in params.sensitive_data_exceptions", [object.get(d, "name", object.get(d, "bom-ref", "(unnamed)")), concat(", ", what)])
	v := lib.violation("SENSITIVE-DATA", msg)
}

warn contains v if {
	some i, x in exceptions
	not valid_exception(x)
	v := lib.violation("SENSITIVE-EXCEPTION-INVALID", sprintf("params.sensitive_data_exceptions[%d] has no dataset or no reason: it is ignored", [i]))
}

valid_exception(x) if {
	object.get(x, "dataset", "") != ""
	trim_space(object.get(x, "reason", "")) != ""
}
