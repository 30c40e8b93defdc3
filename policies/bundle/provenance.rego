# The model's lineage (pedigree.ancestors: the base models) and its datasets
# (data components, or the model card's datasets) are declared. Missing ones
# warn; they deny with params.require_lineage / params.require_datasets.
package aibom.provenance

import data.aibom.lib

lineage_declared if count(lib.arr(object.get(lib.model, ["pedigree", "ancestors"], []))) > 0

datasets_declared if {
	some c in lib.components
	c.type == "data"
}

datasets_declared if count(lib.arr(object.get(lib.model, ["modelCard", "modelParameters", "datasets"], []))) > 0

missing contains v if {
	lib.bom != {}
	not lineage_declared
	v := lib.violation("LINEAGE-UNDECLARED", "the AI-BOM declares no base model (pedigree.ancestors)")
}

missing contains v if {
	lib.bom != {}
	not datasets_declared
	v := lib.violation("DATASETS-UNDECLARED", "the AI-BOM declares no dataset")
}

strict := {
	"LINEAGE-UNDECLARED": lib.param("require_lineage", false) == true,
	"DATASETS-UNDECLARED": lib.param("require_datasets", false) == true,
}

deny contains v if {
	some v in missing
	strict[v.rule]
}

warn contains v if {
	some v in missing
	not strict[v.rule]
}
