# Helpers shared by aibom's default policies: parameters, the AI-BOM's
# components and properties, trusted identities.
package aibom.lib

# params are the policy parameters (data.aibom.params).
default params := {}

params := data.aibom.params if is_object(data.aibom.params)

# param is one parameter, or def when it is not set.
param(name, def) := object.get(params, name, def)

# arr is x when it is an array, [] otherwise (a missing or null field).
arr(x) := x if {
	is_array(x)
} else := []

# violation is what a deny or warn rule holds.
violation(rule, msg) := {"rule": rule, "msg": msg}

# required is the set of evidence the artifact must carry:
# signature, bom, scan (as aibom verify --require).
required := {k | some k in arr(param("require", ["signature", "bom"]))}

default bom := {}

bom := input.bom if is_object(input.bom)

default scan := {}

scan := input.scan if is_object(input.scan)

default namespace := ""

namespace := input.context.namespace if is_string(input.context.namespace)

# model is the BOM's described model (metadata.component).
model := object.get(bom, ["metadata", "component"], {})

_top := arr(object.get(bom, "components", []))

# components are the BOM's components, and those one level down.
components := array.concat(_top, [k | some c in _top; some k in arr(object.get(c, "components", []))])

# props are the values of the properties called name of component c.
props(c, name) := [p.value | some p in c.properties; p.name == name]

# prop is the first value of property name of c, or def.
prop(c, name, def) := v if {
	v := props(c, name)[0]
} else := def

# files are the BOM's file components, with the properties policies read.
# A file that gives one of them two different values is a conflict: the
# evaluation fails, and a failed evaluation denies.
files := [f |
	some c in components
	c.type == "file"
	ps := {p.name: p.value | some p in c.properties; _file_props[p.name]}
	f := {
		"name": object.get(c, "name", ""),
		"role": object.get(ps, "aibom:file:role", ""),
		"format": lower(object.get(ps, "aibom:file:format", "unknown")),
		"verdict": object.get(ps, "aibom:scan:verdict", ""),
	}
]

_file_props := {"aibom:file:role", "aibom:file:format", "aibom:scan:verdict"}

# weight_files are the weight files with their format: from the BOM, or
# from the scan report when there is no BOM.
weight_files := [f | some f in files; f.role == "weights"] if bom != {}

weight_files := [{"name": object.get(f, "path", ""), "format": lower(object.get(f, "format", "unknown"))} |
	some f in arr(object.get(scan, "files", []))
	not object.get(f, "format", "unknown") in {"unknown", "chat-template"}
	not endswith(object.get(f, "path", ""), ".json")
] if bom == {}

# ns_match is true when the namespace matches one of the glob patterns.
ns_match(patterns) if {
	some p in arr(patterns)
	glob.match(p, [], namespace)
}

# valid_attestations are the attestations of kind that verified.
valid_attestations(kind) := [a |
	some a in arr(object.get(input, "attestations", []))
	a.kind == kind
	a.valid == true
]

# describe names a signer for messages.
describe(s) := sprintf("key %s", [s.keyFingerprint]) if {
	object.get(s, "keyFingerprint", "") != ""
} else := sprintf("%s (issuer %s)", [object.get(s, "subject", ""), object.get(s, "issuer", "")])

trusted_identities := arr(param("trusted_identities", []))

# trusted is true when signer s is one of params.trusted_identities, or when
# that list is empty (then every signer the verifier accepted is trusted).
trusted(_) if count(trusted_identities) == 0

trusted(s) if {
	some t in trusted_identities
	identity_matches(t, s)
}

identity_matches(t, s) if {
	identity_rule_ok(t)
	object.get(t, "keyFingerprint", "") != ""
	lower(t.keyFingerprint) == lower(object.get(s, "keyFingerprint", ""))
}

identity_matches(t, s) if {
	identity_rule_ok(t)
	object.get(t, "subject", "") != ""
	t.subject == object.get(s, "subject", "")
	t.issuer == object.get(s, "issuer", "")
}

identity_matches(t, s) if {
	identity_rule_ok(t)
	object.get(t, "subjectRegExp", "") != ""
	regex.match(sprintf("^(?:%s)$", [t.subjectRegExp]), object.get(s, "subject", ""))
	t.issuer == object.get(s, "issuer", "")
}

# identity_rule_ok: a key fingerprint alone, or a subject (exact or a
# regular expression matched against the whole identity) with its issuer.
# An empty identity or issuer never means "any".
identity_rule_ok(t) if {
	object.get(t, "keyFingerprint", "") != ""
	object.get(t, "subject", "") == ""
	object.get(t, "subjectRegExp", "") == ""
}

identity_rule_ok(t) if {
	object.get(t, "keyFingerprint", "") == ""
	object.get(t, "issuer", "") != ""
	object.get(t, "subject", "") != ""
	object.get(t, "subjectRegExp", "") == ""
}

identity_rule_ok(t) if {
	object.get(t, "keyFingerprint", "") == ""
	object.get(t, "issuer", "") != ""
	object.get(t, "subject", "") == ""
	regex.is_valid(sprintf("^(?:%s)$", [object.get(t, "subjectRegExp", "")]))
	object.get(t, "subjectRegExp", "") != ""
}
