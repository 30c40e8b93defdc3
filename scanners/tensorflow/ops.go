package tensorflow

import (
	_ "embed" // standard_ops.txt
	"strings"
	"sync"
)

// Risk classifies a TensorFlow op name.
type Risk int

// Risks, from harmless to dangerous.
const (
	// Standard is an op of TensorFlow's standard set that touches nothing
	// outside the process.
	Standard Risk = iota
	// Custom is an op TensorFlow does not ship: it needs a native op
	// library.
	Custom
	// Asset reads a file named by a tensor, normally an asset of the model
	// (a vocabulary table).
	Asset
	// Checkpoint reads or writes checkpoint files: normal in a saver
	// sub-graph only.
	Checkpoint
	// Dangerous reads or writes files, reaches the network or runs Python.
	Dangerous
)

// dangerous maps the ops that act outside the process to what they do.
var dangerous = map[string]string{ //nolint:gosec // G101: op names, not credentials
	"PyFunc": "calls a Python function", "PyFuncStateless": "calls a Python function",
	"EagerPyFunc": "calls a Python function",
	"ReadFile":    "reads a file", "WriteFile": "writes a file", "MatchingFiles": "lists files",
	"ImmutableConst":  "memory-maps a file",
	"WholeFileReader": "reads whole files", "WholeFileReaderV2": "reads whole files",
	"TextLineReader": "reads a text file", "TextLineReaderV2": "reads a text file",
	"FixedLengthRecordReader": "reads a file", "FixedLengthRecordReaderV2": "reads a file",
	"TFRecordReader": "reads a TFRecord file", "TFRecordReaderV2": "reads a TFRecord file",
	"LMDBReader":      "reads an LMDB database",
	"TextLineDataset": "reads a text file", "TFRecordDataset": "reads a TFRecord file",
	"TFRecordDatasetV2": "reads a TFRecord file", "FixedLengthRecordDataset": "reads a file",
	"FixedLengthRecordDatasetV2": "reads a file", "LMDBDataset": "reads an LMDB database",
	"ExperimentalLMDBDataset": "reads an LMDB database", "CSVDataset": "reads a CSV file",
	"CSVDatasetV2": "reads a CSV file", "ExperimentalCSVDataset": "reads a CSV file",
	"SqlDataset": "queries a SQLite database", "ExperimentalSqlDataset": "queries a SQLite database",
	"LoadDataset": "reads a saved dataset", "SaveDataset": "writes a dataset to files",
	"SaveDatasetV2": "writes a dataset to files", "DatasetToTFRecord": "writes a TFRecord file",
	"ExperimentalDatasetToTFRecord": "writes a TFRecord file", "SnapshotDataset": "writes dataset snapshots",
	"SnapshotDatasetV2": "writes dataset snapshots", "SnapshotDatasetReader": "reads dataset snapshots",
	"SnapshotNestedDatasetReader": "reads dataset snapshots", "DistributedSave": "writes a dataset to files",
	"CreateSummaryFileWriter": "writes event files", "CreateSummaryDbWriter": "writes a SQLite database",
	"LoadAndRemapMatrix": "reads a checkpoint", "GenerateVocabRemapping": "reads vocabulary files",
	"DataServiceDataset": "connects to a tf.data service", "DataServiceDatasetV2": "connects to a tf.data service",
	"DataServiceDatasetV3": "connects to a tf.data service", "DataServiceDatasetV4": "connects to a tf.data service",
	"RegisterDataset": "connects to a tf.data service", "RegisterDatasetV2": "connects to a tf.data service",
	"Rpc": "makes RPC calls", "TryRpc": "makes RPC calls", "RpcClient": "connects to an RPC server",
	"RpcCall": "makes RPC calls", "RpcServer": "starts an RPC server", "RpcServerStart": "starts an RPC server",
	"RpcServerRegister": "serves RPC calls", "GcsConfigureCredentials": "sets cloud storage credentials",
	"GcsConfigureBlockCache": "configures cloud storage access", "BigQueryReader": "reads from BigQuery",
}

// checkpoint lists the ops of TensorFlow savers; writes are the ones that
// write or delete files.
var checkpoint = map[string]bool{
	"Save": true, "SaveV2": true, "SaveSlices": true, "MergeV2Checkpoints": true,
	"Restore": false, "RestoreV2": false, "RestoreSlice": false, "ShardedFilename": false,
	"ShardedFilespec": false, "DTensorRestoreV2": false,
}

// asset lists the ops that read a file named by an input tensor, normally
// an asset shipped with the model.
var asset = map[string]string{
	"InitializeTableFromTextFile":   "initialises a lookup table from a text file",
	"InitializeTableFromTextFileV2": "initialises a lookup table from a text file",
	"InitializeTableFromDataset":    "initialises a lookup table from a dataset",
}

//go:embed standard_ops.txt
var standardText string

// standard is built on first use, not at start-up (every aibom command
// links this package).
var standard = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(standardText, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, op := range strings.Fields(line) {
			m[op] = true
		}
	}
	return m
})

// OpRisk classifies a TensorFlow op name. It is shared with the TFLite
// scanner, which meets TensorFlow ops as Flex ops.
func OpRisk(op string) Risk {
	switch {
	case dangerous[op] != "":
		return Dangerous
	case isCheckpoint(op):
		return Checkpoint
	case asset[op] != "":
		return Asset
	case standard()[op]:
		return Standard
	}
	return Custom
}

// OpEffect says what a Dangerous, Checkpoint or Asset op does; "" for
// others.
func OpEffect(op string) string {
	if s := dangerous[op]; s != "" {
		return s
	}
	if w, ok := checkpoint[op]; ok {
		if w {
			return "writes checkpoint files"
		}
		return "reads checkpoint files"
	}
	return asset[op]
}

func isCheckpoint(op string) bool {
	_, ok := checkpoint[op]
	return ok
}

// writesCheckpoint reports whether a checkpoint op writes or deletes files.
func writesCheckpoint(op string) bool { return checkpoint[op] }
