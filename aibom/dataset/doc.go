// Package dataset finds local datasets among the files of a source, reads
// what their formats say cheaply (row counts, column names and types), and
// classifies a bounded sample of their contents for sensitive data, which it
// reports as counts per category, never as values.
//
// # What is a local dataset
//
// Detect applies these rules, in this order, to the files it is given
// (paths relative to the source root, "/"-separated):
//
//  1. A folder holding a README.md whose YAML front matter has at least one
//     key that only dataset cards use (configs, dataset_info, task_categories,
//     task_ids, size_categories, source_datasets, annotations_creators,
//     language_creators, multilinguality, pretty_name, paperswithcode_id,
//     train-eval-index, viewer) is a dataset. license and language alone do
//     not count: model cards have them too.
//  2. A folder holding dataset_info.json or state.json next to .arrow files
//     (what datasets' save_to_disk writes) is a dataset.
//  3. Data files not inside a folder of rule 1 or 2 are grouped by the
//     nearest ancestor folder named data, dataset or datasets (the dataset
//     is that folder's parent when it is named data, the folder itself
//     otherwise), else by their own folder.
//  4. A group of rule 3 whose folder also holds model weights (.safetensors,
//     .gguf, .onnx, .pt, .pth, .bin, .h5, .keras, .ckpt, .pkl, .joblib,
//     .npy, .npz, .tflite, .pb) directly is not a dataset: those files are
//     the model's (e.g. evaluation results), not training data.
//
// A data file inside a dataset belongs to the innermost one. Data files are
// .parquet, .arrow, .csv, .tsv, .jsonl and .ndjson anywhere; .json and .txt
// only inside a folder of rule 1 or 2 or under a data folder, and never the
// well-known configuration and tokenizer names. Compressed data files
// (.gz, .zst, .bz2, .xz) are listed with their format but not read.
//
// # What is read
//
//   - Parquet: only the footer (ParseParquet): rows, leaf columns with their
//     types, row groups and compression codecs.
//   - Arrow IPC (file or stream, as datasets writes them): the schema message
//     and the length of every record batch, skipping the bodies
//     (ParseArrow).
//   - CSV/TSV: the header row from the sample; rows by counting newlines over
//     a streamed read of at most Limits.CountBytes (the count is marked
//     approximate when the file contains a double quote, since quoted
//     fields may hold newlines).
//   - JSON Lines: rows by counting lines the same way; the keys of the first
//     object and the JSON types of their values.
//
// # Sensitive data
//
// The first Limits.SampleBytes of every text-like file (CSV, TSV, JSON
// Lines, JSON, text) are classified by Classify, up to
// Limits.DatasetSampleBytes per dataset. Parquet files are sampled only when
// every column chunk is uncompressed (their raw bytes then hold the values
// verbatim); Arrow files are always uncompressed in datasets' layout and
// their raw bytes are sampled. Compressed files and compressed Parquet are
// not sampled, and the dataset says so.
package dataset
