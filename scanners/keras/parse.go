package keras

import (
	"errors"
	"io"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// Member names of a .keras archive.
const (
	configName   = "config.json"
	metadataName = "metadata.json"
	weightsName  = "model.weights.h5"
)

// Parse reads the Keras model in r: a .keras zip archive or an HDF5 file.
// Errors are *scanners.FormatError values (joined when there are several);
// on error the returned Model still holds what was read before it, findings
// included, and is nil only when r is neither a zip nor an HDF5 file or its
// structure could not be read at all.
func Parse(r io.ReaderAt, size int64, lim Limits) (*Model, error) {
	lim = lim.withDefaults()
	head, err := safeio.ReadAt(r, size, 0, min(size, scanners.HeadSize), scanners.HeadSize)
	if err != nil {
		return nil, errAt(0, "reading: %v", err)
	}
	if zip.Sniff(r, size, head) {
		a, err := zip.Open(r, size, lim.Zip)
		if err != nil {
			return nil, asFormatError(err, "")
		}
		return parseArchive(a, lim)
	}
	if off, ok := findHDF5(r, size, head, lim.MaxUserBlock); ok {
		return parseHDF5(r, size, off, lim)
	}
	return nil, errAt(0, "neither a .keras zip archive nor an HDF5 file")
}

// asFormatError returns err as a *scanners.FormatError for member.
func asFormatError(err error, member string) error { return toFormatError(err, member) }

func toFormatError(err error, member string) *scanners.FormatError {
	var fe *scanners.FormatError
	if errors.As(err, &fe) {
		c := *fe
		c.Member = member
		return &c
	}
	var je *jsonError
	if errors.As(err, &je) {
		return &scanners.FormatError{Format: format, Member: member, Offset: je.off, Msg: je.msg}
	}
	return &scanners.FormatError{Format: format, Member: member, Offset: -1, Msg: err.Error()}
}

// parseHDF5 reads the root group attributes of the HDF5 file whose
// superblock is at base.
func parseHDF5(r io.ReaderAt, size, base int64, lim Limits) (*Model, error) {
	m := &Model{Container: ContainerHDF5, LayerTypes: map[string]int{}}
	h, root, err := openHDF5(r, size, base, lim)
	if h == nil {
		return m, err
	}
	errs := []error{err}
	attrs, err := h.attributes(root)
	errs = append(errs, err)
	m.Findings = append(m.Findings, h.problems...)
	for _, a := range attrs {
		switch a.name {
		case "keras_version":
			m.KerasVersion = string(a.str)
		case "backend":
			m.Backend = string(a.str)
		case "model_config", "training_config":
			if !a.isString {
				errs = append(errs, errAt(a.off, "attribute %s is not a string", a.name))
				continue
			}
			errs = append(errs, analyzeJSON(m, a.str, "", a.strOff, a.name == "model_config", lim))
		}
	}
	return m, errors.Join(errs...)
}

// analyzeJSON parses a config document and adds what it declares to m.
// Offsets in findings and errors are base plus the offset in b.
func analyzeJSON(m *Model, b []byte, member string, base int64, model bool, lim Limits) error {
	v, err := parseJSON(b, lim.MaxDepth, lim.MaxNodes)
	if err != nil {
		fe := toFormatError(err, member)
		fe.Offset += base
		return fe
	}
	a := newAnalyzer(m, member, base)
	if model {
		if v.kind != kindObject {
			return &scanners.FormatError{Format: format, Member: member, Offset: base + v.off, Msg: "model config is not a JSON object"}
		}
		a.model(v)
		return nil
	}
	a.walk(v, "")
	return nil
}

// parseArchive reads config.json and metadata.json of a .keras archive.
// Every config.json in the central directory is analyzed (Python's zipfile
// takes the last of duplicates; the findings of all are kept).
func parseArchive(a *zip.Archive, lim Limits) (*Model, error) {
	m := &Model{Container: ContainerKeras3, LayerTypes: map[string]int{}}
	var errs []error
	found := false
	for i := range a.Entries {
		e := &a.Entries[i]
		switch e.Name {
		case configName:
			found = true
			b, err := readEntry(e, lim.MaxConfig)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			one := &Model{Container: ContainerKeras3, LayerTypes: map[string]int{}}
			errs = append(errs, analyzeJSON(one, b, configName, 0, true, lim))
			one.Findings = append(m.Findings, one.Findings...)
			one.KerasVersion, one.Backend = m.KerasVersion, m.Backend
			m = one
		case metadataName:
			b, err := readEntry(e, lim.MaxConfig)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			v, err := parseJSON(b, lim.MaxDepth, lim.MaxNodes)
			if err != nil {
				errs = append(errs, asFormatError(err, metadataName))
				continue
			}
			m.KerasVersion = v.get("keras_version").text()
			if b := v.get("backend").text(); b != "" {
				m.Backend = b
			}
		}
	}
	if !found {
		errs = append(errs, errAt(0, "no %s in the archive", configName))
	}
	return m, errors.Join(errs...)
}

// readEntry reads one member within limit bytes. A CRC mismatch is left to
// the zip scanner to report: the bytes are still what a lenient reader
// sees.
func readEntry(e *zip.Entry, limit int64) ([]byte, error) {
	er, err := e.Open()
	if err != nil {
		return nil, &scanners.FormatError{Format: format, Member: e.Name, Offset: 0, Msg: err.Error()}
	}
	defer er.Close()
	b, err := safeio.ReadAll(er, limit)
	if err != nil && !errors.Is(err, zip.ErrChecksum) {
		return nil, &scanners.FormatError{Format: format, Member: e.Name, Offset: er.Out(), Msg: "reading: " + err.Error()}
	}
	return b, nil
}
