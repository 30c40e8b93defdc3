# Only allowed weight formats. params.allowed_formats is a list of
# {"namespaces": [glob, ...], "formats": [...]}; the first entry whose
# namespaces match the admission namespace applies (an entry without
# namespaces applies everywhere, including outside admission). By default,
# namespaces prod, prod-*, production and production-* allow only
# safetensors and GGUF weights; other namespaces allow any format.
package aibom.formats

import data.aibom.lib

applies(e) if not "namespaces" in object.keys(e)

applies(e) if lib.ns_match(e.namespaces)

entries := [e | some e in lib.arr(lib.param("allowed_formats", [])); is_object(e); applies(e)]

deny contains v if {
	count(entries) > 0
	allowed := {lower(x) | some x in lib.arr(entries[0].formats)}
	some f in lib.weight_files
	not f.format in allowed
	msg := sprintf("%s is %s weights; %s allows only %s", [f.name, f.format, where, concat(", ", sort(allowed))])
	v := lib.violation("FORMAT-NOT-ALLOWED", msg)
}

default where := "every namespace"

where := sprintf("namespace %q", [lib.namespace]) if lib.namespace != ""
