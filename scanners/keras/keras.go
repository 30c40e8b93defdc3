// Package keras scans Keras models in both of their file forms without
// loading them: the Keras 3 ".keras" archive (a zip holding config.json,
// metadata.json and model.weights.h5) and the legacy HDF5 ".h5" file of
// Keras 2 and tf.keras (the model JSON in the root group's "model_config"
// attribute), read by a bounded pure-Go HDF5 reader.
//
// Keras rebuilds a model from its JSON config: Lambda layers carry
// marshalled Python bytecode, and "module"/"class_name" pairs make the
// loader import and call arbitrary Python (CVE-2025-1550 and its
// successors). The config is walked to any depth and every such reference
// is reported; the rest of a .keras archive is handed to the full scanner
// set, so a pickle hidden in it is found too.
package keras

import (
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// format is the name of the format in reports.
const format = "keras"

// Rule IDs of the findings this package reports.
const (
	// RuleLambda: a Lambda layer or a serialized lambda ("__lambda__",
	// "function_type": "lambda"): marshalled Python bytecode that runs at
	// load or inference time (CVE-2024-3660). Critical.
	RuleLambda = "KERAS-LAMBDA"
	// RuleUnsafeModule: a "module" outside Keras and TensorFlow that the
	// loader imports and takes a callable from (CVE-2025-1550). Critical.
	RuleUnsafeModule = "KERAS-UNSAFE-MODULE"
	// RuleDangerousCallable: a Keras or TensorFlow function that loads
	// other models, downloads or writes files, or turns safe mode off
	// (CVE-2025-8747, CVE-2025-9906). Critical.
	RuleDangerousCallable = "KERAS-DANGEROUS-CALLABLE"
	// RuleCustomObject: a custom class or function registered outside
	// Keras; it loads only with the user's code, which then runs. Medium.
	RuleCustomObject = "KERAS-CUSTOM-OBJECT"
	// RuleUnreadable: attributes of the HDF5 root group that this reader
	// cannot read (dense storage, shared messages, unknown types); a model
	// config could hide there. Medium.
	RuleUnreadable = "KERAS-H5-UNREADABLE"
	// RuleNoConfig: an HDF5 file without a model_config attribute (a
	// weights-only file), or a .keras archive without config.json. Info.
	RuleNoConfig = "KERAS-NO-CONFIG"
)

// Limits bounds what Parse reads.
type Limits struct {
	// MaxConfig is the largest JSON document read (config.json,
	// metadata.json, the model_config attribute), in bytes.
	MaxConfig int64
	// MaxDepth bounds JSON nesting.
	MaxDepth int
	// MaxNodes bounds the number of JSON values in one document.
	MaxNodes int
	// MaxMessages bounds the header messages read from one object header,
	// continuation blocks included.
	MaxMessages int
	// MaxChunks bounds the blocks of one object header (continuations).
	MaxChunks int
	// MaxUserBlock is how far into the file the HDF5 signature is looked
	// for (it may follow a user block of 512, 1024, 2048, ... bytes).
	MaxUserBlock int64
	// MaxHeapObjects bounds the objects walked in one global heap
	// collection.
	MaxHeapObjects int
	// Zip bounds the .keras archive.
	Zip zip.Limits
}

// DefaultLimits returns limits for real models: 64 MiB of JSON nested 512
// deep with 4 million values, 65,536 header messages in 64 blocks.
func DefaultLimits() Limits {
	return Limits{
		MaxConfig:      64 << 20,
		MaxDepth:       512,
		MaxNodes:       4 << 20,
		MaxMessages:    1 << 16,
		MaxChunks:      64,
		MaxUserBlock:   1 << 40,
		MaxHeapObjects: 1 << 20,
		Zip:            zip.DefaultLimits(),
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxConfig <= 0 {
		l.MaxConfig = d.MaxConfig
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxMessages <= 0 {
		l.MaxMessages = d.MaxMessages
	}
	if l.MaxChunks <= 0 {
		l.MaxChunks = d.MaxChunks
	}
	if l.MaxUserBlock <= 0 {
		l.MaxUserBlock = d.MaxUserBlock
	}
	if l.MaxHeapObjects <= 0 {
		l.MaxHeapObjects = d.MaxHeapObjects
	}
	return l
}

// Container values of Model.Container.
const (
	// ContainerKeras3 is the .keras zip archive.
	ContainerKeras3 = "keras-v3"
	// ContainerHDF5 is the legacy HDF5 file.
	ContainerHDF5 = "hdf5"
)

// Model is what a Keras file declares: the metadata a BOM needs and the
// findings of the config analysis.
type Model struct {
	// Container is ContainerKeras3 or ContainerHDF5.
	Container string
	// HasConfig is true when a model config was found and parsed.
	HasConfig bool
	// KerasVersion and Backend are from metadata.json or the HDF5 root
	// attributes keras_version and backend.
	KerasVersion, Backend string
	// ModelClass is the class_name of the top-level object ("Sequential",
	// "Functional", "Model", ...).
	ModelClass string
	// ModelName is the top-level config's "name".
	ModelName string
	// LayerCount counts layers at every depth (nested models and wrapped
	// layers included).
	LayerCount int
	// LayerTypes counts layers by class_name.
	LayerTypes map[string]int
	// Inputs are the declared input shapes as JSON text ("[null, 8]").
	Inputs []string
	// Outputs names the output layers of functional models.
	Outputs []string
	// LambdaLayers names the Lambda layers.
	LambdaLayers []string
	// CustomObjects names the custom (non-Keras) classes and functions.
	CustomObjects []string
	// Findings are the results of the analysis. Offsets are byte offsets
	// in the file for HDF5 and in the member for .keras archives; Member
	// is the archive member ("config.json") or empty.
	Findings []scanners.Finding
}
