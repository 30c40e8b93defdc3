package dataset

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// formatOf names a data file's format by its name; "" is not a data file.
func formatOf(p string) string {
	base := strings.ToLower(path.Base(p))
	for suffix, f := range map[string]string{".gz": "gzip", ".zst": "zstd", ".bz2": "bzip2", ".xz": "xz"} {
		if inner := strings.TrimSuffix(base, suffix); inner != base {
			if formatOf(inner) == "" {
				return ""
			}
			return f
		}
	}
	switch path.Ext(base) {
	case ".parquet":
		return "parquet"
	case ".arrow":
		return "arrow"
	case ".csv":
		return "csv"
	case ".tsv":
		return "tsv"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".json":
		return "json"
	case ".txt":
		return "text"
	}
	return ""
}

// textLike formats are classified from their first bytes.
func textLike(format string) bool {
	switch format {
	case "csv", "tsv", "jsonl", "json", "text":
		return true
	}
	return false
}

// inspect reads what f's format says and returns the sample to classify
// (at most budget bytes).
func inspect(ctx context.Context, f *File, lim Limits, budget int64) []byte {
	f.Rows = -1
	if err := ctx.Err(); err != nil {
		f.Err, f.NotSampled = err, "canceled"
		return nil
	}
	fh, err := f.ReaderAt(ctx)
	if err != nil {
		f.Err, f.NotSampled = err, "unreadable"
		return nil
	}
	defer fh.Close()
	sampleN := min(lim.SampleBytes, budget, f.Size)
	switch {
	case f.Format == "parquet":
		return inspectParquet(fh, f, lim, sampleN)
	case f.Format == "arrow":
		return inspectArrow(fh, f, lim, sampleN)
	case textLike(f.Format):
		return inspectText(ctx, io.NewSectionReader(fh, 0, f.Size), f, lim, sampleN)
	default:
		f.NotSampled = "compressed (" + f.Format + ")"
		return nil
	}
}

func inspectParquet(r io.ReaderAt, f *File, lim Limits, sampleN int64) []byte {
	m, err := ParseParquet(r, f.Size, lim)
	switch {
	case errors.Is(err, ErrEncrypted):
		f.NotSampled = "encrypted"
		return nil
	case err != nil:
		// Not what its name says: classify its raw bytes.
		f.Err = err
	default:
		f.Rows, f.Columns, f.ColumnCount = m.Rows, m.Columns, m.ColumnCount
		if len(m.Codecs) > 0 && (len(m.Codecs) > 1 || m.Codecs[0] != "uncompressed") {
			f.NotSampled = "compressed (" + strings.Join(m.Codecs, ",") + ")"
			return nil
		}
	}
	return readSample(r, f, sampleN)
}

func inspectArrow(r io.ReaderAt, f *File, lim Limits, sampleN int64) []byte {
	m, err := ParseArrow(r, f.Size, lim)
	if err != nil {
		f.Err = err
	} else {
		f.Format = m.Format
		f.Rows, f.Columns, f.ColumnCount = m.Rows, m.Columns, m.ColumnCount
		if m.Compressed {
			f.NotSampled = "compressed record batches"
			return nil
		}
	}
	return readSample(r, f, sampleN)
}

func readSample(r io.ReaderAt, f *File, n int64) []byte {
	if n <= 0 {
		if f.Size > 0 {
			f.NotSampled = "dataset sample budget spent"
		}
		return nil
	}
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, 0)
	if got == 0 && err != nil {
		f.Err, f.NotSampled = err, "unreadable"
		return nil
	}
	f.SampledBytes = int64(got)
	return buf[:got]
}

// inspectText counts lines over a streamed read (when the file is at most
// lim.CountBytes) and keeps its first sampleN bytes.
func inspectText(ctx context.Context, r io.Reader, f *File, lim Limits, sampleN int64) []byte {
	head := max(sampleN, min(f.Size, 64<<10))
	sample := make([]byte, 0, head)
	count := f.Size <= lim.CountBytes
	var lines, total int64
	var last byte
	quoted := false
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		if room := head - int64(len(sample)); room > 0 {
			sample = append(sample, chunk[:min(int64(n), room)]...)
		}
		total += int64(n)
		if n > 0 {
			lines += int64(bytes.Count(chunk, []byte{'\n'}))
			quoted = quoted || bytes.IndexByte(chunk, '"') >= 0
			last = chunk[len(chunk)-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Err = fmt.Errorf("reading at byte %d: %w", total, err)
			count = false
			break
		}
		if !count && int64(len(sample)) >= head {
			break
		}
		if cerr := ctx.Err(); cerr != nil {
			f.Err, count = cerr, false
			break
		}
	}
	if count && len(sample) > 0 {
		if last != '\n' {
			lines++
		}
		f.Rows = lines
	}
	textColumns(f, sample, quoted)
	if sampleN <= 0 {
		if f.Size > 0 {
			f.NotSampled = "dataset sample budget spent"
		}
		return nil
	}
	s := sample[:min(int64(len(sample)), sampleN)]
	f.SampledBytes = int64(len(s))
	return s
}

// textColumns reads the header of CSV/TSV and the keys of the first JSON
// Lines object, and adjusts the row count for the header.
func textColumns(f *File, head []byte, quoted bool) {
	switch f.Format {
	case "csv", "tsv":
		r := csv.NewReader(bytes.NewReader(head))
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		if f.Format == "tsv" {
			r.Comma = '\t'
		}
		rec, err := r.Read()
		if err != nil {
			return
		}
		f.ColumnCount = len(rec)
		f.RowsApproximate = f.Rows >= 0 && quoted
		var rows [][]string
		for len(rows) < 20 {
			row, err := r.Read()
			if err != nil {
				break
			}
			rows = append(rows, row)
		}
		if len(rows) > 0 && r.InputOffset() >= int64(len(head)) {
			rows = rows[:len(rows)-1] // the sample may cut the last one short
		}
		if !isHeader(rec, rows) {
			return // data, not names: never put into the BOM
		}
		cols := make([]Column, 0, min(len(rec), 1000))
		for _, name := range rec[:min(len(rec), 1000)] {
			c := clean([]byte(name), 256)
			if len(Classify([]byte(c))) > 0 {
				return // what goes into the BOM is checked, not only the input
			}
			cols = append(cols, Column{Name: c})
		}
		f.Columns = cols
		if f.Rows > 0 {
			f.Rows-- // the header
		}
	case "jsonl":
		line := head
		if k := bytes.IndexByte(line, '\n'); k >= 0 {
			line = line[:k]
		}
		f.Columns, f.ColumnCount = jsonKeys(line)
	}
}

// jsonKeys returns the top-level keys of a JSON object, in order, with the
// JSON type of each value.
func jsonKeys(line []byte) ([]Column, int) {
	d := json.NewDecoder(bytes.NewReader(line))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, 0
	}
	var cols []Column
	n := 0
	for d.More() {
		k, err := d.Token()
		key, ok := k.(string)
		if err != nil || !ok {
			break
		}
		var v json.RawMessage
		if d.Decode(&v) != nil {
			break
		}
		n++
		name := clean([]byte(key), 256)
		if len(Classify([]byte(key))) > 0 || len(Classify([]byte(name))) > 0 {
			continue // a key that is a secret or personal data is a value
		}
		if len(cols) < 1000 {
			cols = append(cols, Column{Name: name, Type: jsonType(v)})
		}
	}
	return cols, n
}

func jsonType(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}
