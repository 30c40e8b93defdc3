# The model's licenses (metadata.component and every sub-model) must be
# allowed. params.allowed_licenses (SPDX IDs or license names, compared
# without case; empty: any) and params.denied_licenses. An undeclared license
# denies when an allow-list is set or params.require_license is true, and
# warns otherwise. A license expression counts as every license it names.
package aibom.licenses

import data.aibom.lib

allowed := {lower(x) | some x in lib.arr(lib.param("allowed_licenses", []))}

denied := {lower(x) | some x in lib.arr(lib.param("denied_licenses", []))}

models := array.concat([lib.model], [c | some c in lib.components; c.type == "machine-learning-model"]) if lib.bom != {}

ids(c) := {lower(id) |
	some l in lib.arr(object.get(c, "licenses", []))
	id := license_names(l)[_]
}

license_names(l) := {l.license.id} if object.get(l, ["license", "id"], "") != ""

else := {l.license.name} if object.get(l, ["license", "name"], "") != ""

else := {t |
	some t in regex.split(`[\s()]+`, object.get(l, "expression", ""))
	t != ""
	not upper(t) in {"AND", "OR", "WITH"}
}

strict if count(allowed) > 0

strict if lib.param("require_license", false) == true

label(m) := object.get(m, "name", object.get(m, "bom-ref", "the model"))

deny contains v if {
	count(allowed) > 0
	some m in models
	some id in ids(m)
	not id in allowed
	msg := sprintf("%s is licensed %s, which is not allowed (allowed: %s)", [label(m), id, concat(", ", sort(allowed))])
	v := lib.violation("LICENSE-NOT-ALLOWED", msg)
}

deny contains v if {
	some m in models
	some id in ids(m)
	id in denied
	msg := sprintf("%s is licensed %s, which is denied", [label(m), id])
	v := lib.violation("LICENSE-DENIED", msg)
}

undeclared contains label(m) if {
	some m in models
	count(ids(m)) == 0
}

deny contains v if {
	strict
	some m in undeclared
	v := lib.violation("LICENSE-UNDECLARED", sprintf("%s declares no license", [m]))
}

warn contains v if {
	not strict
	some m in undeclared
	v := lib.violation("LICENSE-UNDECLARED", sprintf("%s declares no license", [m]))
}
