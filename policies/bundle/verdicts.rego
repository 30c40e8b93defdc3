# No file may have a malicious verdict; with params.fail_on (default
# "suspicious", as aibom scan --fail-on) none may be suspicious or invalid
# either. Verdicts come from the AI-BOM's files (aibom:scan:verdict) and from
# the scan report; a verdict aibom does not know denies.
package aibom.verdicts

import data.aibom.lib

rank := {"clean": 0, "unscanned": 1, "suspicious": 2, "invalid": 3, "malicious": 4}

rules := {
	"unscanned": "UNSCANNED-FILE",
	"suspicious": "SUSPICIOUS-FILE",
	"invalid": "INVALID-FILE",
	"malicious": "MALICIOUS-FILE",
}

fail_on := lib.param("fail_on", "suspicious")

# An unknown fail_on is a configuration error, and the default applies.
default threshold := 2

threshold := rank[fail_on] if fail_on in {"unscanned", "suspicious", "invalid", "malicious"}

deny contains v if {
	not fail_on in {"unscanned", "suspicious", "invalid", "malicious"}
	msg := sprintf("params.fail_on is %v: want unscanned, suspicious, invalid or malicious", [fail_on])
	v := lib.violation("FAIL-ON-INVALID", msg)
}

verdicts contains [f.name, f.verdict] if {
	some f in lib.files
}

verdicts contains [object.get(f, "path", ""), object.get(f, "verdict", "")] if {
	some f in lib.arr(object.get(lib.scan, "files", []))
}

deny contains v if {
	some [path, verdict] in verdicts
	rank[verdict] >= threshold
	v := lib.violation(rules[verdict], sprintf("%s: verdict %s", [path, verdict]))
}

deny contains v if {
	some [path, verdict] in verdicts
	not verdict in object.keys(rank)
	v := lib.violation("UNKNOWN-VERDICT", sprintf("%s: unknown verdict %q", [path, verdict]))
}
