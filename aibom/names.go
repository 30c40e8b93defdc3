package aibom

import "strconv"

// BOM references: each component's bom-ref is one of these prefixes and its
// name. Build them with fileRef and friends, never by hand.
const (
	refFile     = "file:"
	refModel    = "model:"
	refAncestor = "ancestor:"
	refTool     = "tool:aibom"
)

// fileRef is the bom-ref of the file component at path.
func fileRef(path string) string { return refFile + path }

// Property names aibom writes and reads back (spdx, bom diff). Format
// packages name their own (scanners.Description).
const (
	propSourceKind      = "aibom:source:kind"
	propFileRole        = "aibom:file:role"
	propFileSize        = "aibom:file:size"
	propFileFormat      = "aibom:file:format"
	propScanVerdict     = "aibom:scan:verdict"
	propTensorPrefix    = "aibom:tensor:"
	propOffset          = "aibom:offset"
	propGlobal          = "aibom:global"
	propATLAS           = "aibom:atlas"
	propMember          = "aibom:member"
	propIndexShards     = "aibom:index:shards"
	propIndexTensors    = "aibom:index:tensors"
	propIndexTotalSize  = "aibom:index:total_size"
	propWeightsIndex    = "aibom:weights:index" //nolint:gosec // a property name, not a credential
	propModelParameters = "aibom:model:parameters"
	propLineageRelation = "aibom:lineage:relation"
	propLineageSource   = "aibom:lineage:source"
)

func itoa(n int) string { return strconv.Itoa(n) }
