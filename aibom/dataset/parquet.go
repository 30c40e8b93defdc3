package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// ErrParquet is wrapped by every error about a malformed Parquet file.
var ErrParquet = errors.New("dataset: malformed parquet")

// ErrEncrypted is returned for a Parquet file whose footer is encrypted
// ("PARE"): its format is known, nothing else is.
var ErrEncrypted = errors.New("dataset: parquet footer is encrypted")

// ParquetMeta is what the footer of a Parquet file says.
type ParquetMeta struct {
	// Rows is num_rows of the FileMetaData.
	Rows int64
	// Columns are the leaf columns, nested names joined with ".".
	Columns []Column
	// ColumnCount counts every leaf column, also those beyond
	// Limits.MaxColumns that Columns leaves out.
	ColumnCount int
	// RowGroups counts the row groups.
	RowGroups int
	// Codecs names the compression codecs the column chunks use, sorted.
	Codecs []string
	// CreatedBy is the writer ("parquet-cpp-arrow version 15.0.0").
	CreatedBy string
}

// Parquet physical types, converted types and codecs, by their Thrift enum
// value.
var (
	parquetTypes  = []string{"boolean", "int32", "int64", "int96", "float", "double", "binary", "fixed_len_byte_array"}
	parquetCodecs = []string{"uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd", "lz4_raw"}
)

// ParseParquet reads the footer of the Parquet file r of size bytes: the
// last 8 bytes are the footer length (u32 LE) and "PAR1"; the footer is a
// Thrift compact FileMetaData. Nothing but the footer is read, and a footer
// longer than lim.FooterBytes is refused.
func ParseParquet(r io.ReaderAt, size int64, lim Limits) (*ParquetMeta, error) {
	lim = lim.orDefault()
	if size < 12 {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrParquet, size)
	}
	tail, err := safeio.ReadAt(r, size, size-8, 8, 8)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParquet, err)
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return nil, ErrEncrypted
	default:
		return nil, fmt.Errorf("%w: no PAR1 magic at offset %d", ErrParquet, size-4)
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	if n > size-12 {
		return nil, fmt.Errorf("%w: footer of %d bytes in a %d-byte file", ErrParquet, n, size)
	}
	footer, err := safeio.ReadAt(r, size, size-8-n, n, lim.FooterBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: footer at offset %d: %w", ErrParquet, size-8-n, err)
	}
	m, err := parseFileMetaData(footer, lim)
	if err != nil {
		return nil, fmt.Errorf("%w: footer at offset %d: %w", ErrParquet, size-8-n, err)
	}
	return m, nil
}

// maxSchemaElements bounds the schema elements kept (columns beyond are
// neither listed nor counted).
const maxSchemaElements = 1 << 17

// schemaElement is the part of a Parquet SchemaElement that names a column.
type schemaElement struct {
	name        string
	typ         int32 // -1 for groups
	converted   int32 // -1 when unset
	logicalStr  bool  // LogicalType is STRING
	numChildren int32
}

// parseFileMetaData decodes FileMetaData: 2 schema, 3 num_rows,
// 4 row_groups, 6 created_by; other fields are skipped.
func parseFileMetaData(b []byte, lim Limits) (*ParquetMeta, error) {
	t := &thrift{b: b}
	m := &ParquetMeta{}
	var schema []schemaElement
	codecs := map[string]bool{}
	t.structFields(0, func(id int16, typ byte) bool {
		switch {
		case id == 2 && typ == tList:
			schema = parseSchema(t)
		case id == 3 && typ == tI64:
			m.Rows = t.zigzag()
		case id == 4 && typ == tList:
			m.RowGroups = parseRowGroups(t, codecs)
		case id == 6 && typ == tBinary:
			m.CreatedBy = clean(t.binary(), 256)
		default:
			return false
		}
		return true
	})
	if t.err != nil {
		return nil, t.err
	}
	if m.Rows < 0 {
		return nil, fmt.Errorf("negative num_rows %d", m.Rows)
	}
	m.Columns, m.ColumnCount = leafColumns(schema, lim.MaxColumns)
	m.Codecs = sortedKeys(codecs)
	return m, nil
}

func parseSchema(t *thrift) []schemaElement {
	n, elem := t.listHeader()
	if elem != tStruct {
		t.fail("schema is not a list of structs")
		return nil
	}
	var out []schemaElement // grows with what was read, not with n
	for i := 0; i < n && t.err == nil; i++ {
		if len(out) == maxSchemaElements {
			t.skip(tStruct, 1, true)
			continue
		}
		e := schemaElement{typ: -1, converted: -1}
		t.structFields(1, func(id int16, typ byte) bool {
			switch {
			case id == 1 && typ == tI32:
				e.typ = t.i32()
			case id == 4 && typ == tBinary:
				e.name = clean(t.binary(), 256)
			case id == 5 && typ == tI32:
				e.numChildren = t.i32()
			case id == 6 && typ == tI32:
				e.converted = t.i32()
			case id == 10 && typ == tStruct:
				// LogicalType is a union; field 1 is STRING.
				t.structFields(2, func(id int16, _ byte) bool {
					e.logicalStr = e.logicalStr || id == 1
					return false
				})
			default:
				return false
			}
			return true
		})
		out = append(out, e)
	}
	return out
}

// parseRowGroups counts row groups and collects the codecs of their column
// chunks (RowGroup 1 columns → ColumnChunk 3 meta_data → ColumnMetaData 4
// codec).
func parseRowGroups(t *thrift, codecs map[string]bool) int {
	n, elem := t.listHeader()
	if elem != tStruct {
		t.fail("row_groups is not a list of structs")
		return 0
	}
	for i := 0; i < n && t.err == nil; i++ {
		t.structFields(1, func(id int16, typ byte) bool {
			if id != 1 || typ != tList {
				return false
			}
			cn, celem := t.listHeader()
			if celem != tStruct {
				t.fail("columns is not a list of structs")
				return true
			}
			for j := 0; j < cn && t.err == nil; j++ {
				t.structFields(2, func(id int16, typ byte) bool {
					if id != 3 || typ != tStruct {
						return false
					}
					t.structFields(3, func(id int16, typ byte) bool {
						if id != 4 || typ != tI32 {
							return false
						}
						codecs[knownName(parquetCodecs, t.i32())] = true
						return true
					})
					return true
				})
			}
			return true
		})
	}
	return n
}

// leafColumns walks the flattened schema tree (element 0 is the root) and
// returns at most maxCols leaf columns with dotted paths, and the count of
// all leaves.
func leafColumns(schema []schemaElement, maxCols int) ([]Column, int) {
	if len(schema) == 0 {
		return nil, 0
	}
	var cols []Column
	count := 0
	i := 1
	var walk func(prefix string, children int32, depth int)
	walk = func(prefix string, children int32, depth int) {
		for c := int32(0); c < children && i < len(schema); c++ {
			e := schema[i]
			i++
			name := e.name
			if prefix != "" {
				name = prefix + "." + name
			}
			if e.numChildren > 0 && depth < maxThriftDepth {
				walk(name, e.numChildren, depth+1)
				continue
			}
			count++
			if len(cols) < maxCols {
				cols = append(cols, Column{Name: name, Type: parquetType(e)})
			}
		}
	}
	walk("", schema[0].numChildren, 0)
	return cols, count
}

func parquetType(e schemaElement) string {
	if e.typ == 6 && (e.logicalStr || e.converted == 0) {
		return "string"
	}
	return knownName(parquetTypes, e.typ)
}

// knownName names an enum value, with every value out of range "unknown"
// (so that a hostile file cannot make many distinct names).
func knownName(names []string, v int32) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return "unknown"
}

// clean returns b as a printable string of at most n bytes.
func clean(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, string(b))
}
