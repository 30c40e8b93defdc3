package aibom

import (
	"fmt"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Format is an output format of Encode.
type Format string

// Formats Encode writes.
const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	// SPDXJSON is SPDX 3.0.1 JSON-LD (see EncodeSPDX).
	SPDXJSON Format = "spdx-json"
)

// Formats lists the formats Encode writes.
var Formats = []Format{CycloneDXJSON, CycloneDXXML, SPDXJSON}

// ParseSpecVersion parses "1.6" or "1.7", the CycloneDX versions with the
// machine-learning fields.
func ParseSpecVersion(s string) (cdx.SpecVersion, error) {
	switch s {
	case "1.6":
		return cdx.SpecVersion1_6, nil
	case "1.7":
		return cdx.SpecVersion1_7, nil
	}
	return 0, fmt.Errorf("aibom: unsupported CycloneDX version %q (want 1.6 or 1.7)", s)
}

// Encode writes bom in format and, for CycloneDX, spec version v. The BOM
// is not modified.
func Encode(w io.Writer, bom *cdx.BOM, format Format, v cdx.SpecVersion) error {
	var f cdx.BOMFileFormat
	switch format {
	case SPDXJSON:
		return EncodeSPDX(w, bom)
	case CycloneDXJSON:
		f = cdx.BOMFileFormatJSON
	case CycloneDXXML:
		return encodeXML(w, bom, v)
	default:
		return fmt.Errorf("aibom: unknown format %q (want %s, %s or %s)", format, CycloneDXJSON, CycloneDXXML, SPDXJSON)
	}
	enc := cdx.NewBOMEncoder(w, f)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	return enc.EncodeVersion(bom, v)
}
