package dataset

import (
	"sort"

	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// Limits bound the work done on untrusted files. A zero field takes its
// default.
type Limits struct {
	// SampleBytes is how much of the start of each file is classified
	// (default 1 MiB).
	SampleBytes int64
	// DatasetSampleBytes is how much is classified per dataset in all
	// (default 8 MiB).
	DatasetSampleBytes int64
	// CountBytes is the largest text file whose lines are counted
	// (default 1 GiB); larger files get no row count.
	CountBytes int64
	// FooterBytes is the largest Parquet footer or Arrow schema message
	// read (default 16 MiB).
	FooterBytes int64
	// CardBytes is the largest README.md read (default 1 MiB).
	CardBytes int64
	// MaxColumns is how many columns are recorded per file (default 1000).
	MaxColumns int
	// MaxBatches is how many Arrow record batches are walked (default
	// 1,000,000).
	MaxBatches int
}

func (l Limits) orDefault() Limits {
	set := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.SampleBytes, 1<<20)
	set(&l.DatasetSampleBytes, 8<<20)
	set(&l.CountBytes, 1<<30)
	set(&l.FooterBytes, 16<<20)
	set(&l.CardBytes, 1<<20)
	if l.MaxColumns <= 0 {
		l.MaxColumns = 1000
	}
	if l.MaxBatches <= 0 {
		l.MaxBatches = 1_000_000
	}
	return l
}

// Column is a column of a data file or of a dataset card's features.
type Column struct {
	Name string
	// Type is the format's own type name: Parquet "int64"/"string"/...,
	// Arrow "utf8"/"int"/..., JSON "string"/"number"/..., the card's
	// dtype; empty for CSV.
	Type string
}

// File is one data file of a dataset and what was learned from it.
type File struct {
	source.File
	// Format is parquet, arrow, arrow-stream, csv, tsv, jsonl, json, text,
	// or the compression (gzip, zstd, bzip2, xz) of a compressed file.
	Format string
	// Rows is the number of rows, or -1 when unknown.
	Rows int64
	// RowsApproximate is set when Rows is a line count that quoted fields
	// with newlines or blank lines may skew.
	RowsApproximate bool
	// Columns are the columns in file order, at most Limits.MaxColumns.
	Columns []Column
	// ColumnCount counts all columns (Columns may be truncated).
	ColumnCount int
	// SampledBytes is how many bytes were classified.
	SampledBytes int64
	// NotSampled says why the file was not classified ("" if it was).
	NotSampled string
	// Err is what went wrong reading the file; the rest is still valid.
	Err error
}

// Dataset is a local dataset folder.
type Dataset struct {
	// Path is the folder relative to the source root ("." for the root).
	Path string
	// Name is the card's pretty_name, else the folder's name.
	Name string
	// Card is the dataset card's front matter, nil without a card.
	Card *Card
	// CardErr is what went wrong reading the card.
	CardErr error
	// Files are the data files, sorted by path. The caller hashes them.
	Files []File
	// Sensitive counts the sensitive data found in the sample.
	Sensitive Counts
	// SampledBytes is how many bytes were classified in all.
	SampledBytes int64
}

// Counts is the number of matches per sensitive-data category.
type Counts map[Category]int

// Categories returns the categories with a count above zero, sorted.
func (c Counts) Categories() []Category {
	var out []Category
	for k, v := range c {
		if v > 0 {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Add adds the counts of o to c.
func (c Counts) Add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// Option configures Detect.
type Option func(*options)

type options struct {
	limits   Limits
	rootName string
	declared []Declared
}

// Declared is a dataset a project manifest (a KitOps Kitfile) names by
// path: a folder or a single file, relative to the source root.
type Declared struct {
	Path string
	Name string
}

// WithDeclared makes each declared path a dataset of its own, whatever
// the folder rules would say: the data files under it belong to it.
func WithDeclared(d []Declared) Option { return func(o *options) { o.declared = d } }

// WithLimits sets the limits (zero fields keep their defaults).
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithRootName names a dataset found at the source root (default
// "dataset"), when its card has no pretty_name.
func WithRootName(name string) Option { return func(o *options) { o.rootName = name } }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
