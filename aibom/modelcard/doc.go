// Package modelcard turns the Hugging Face metadata of a model repository
// (README.md model card, config.json, generation_config.json and a PEFT
// adapter_config.json) into the parts of a CycloneDX AI-BOM: the model card,
// licenses, lineage, package URL and properties.
//
// The parsers are pure: they read an io.Reader, never the file system, take a
// name only for messages, and read at most a fixed number of bytes. A parser
// that meets a malformed file returns what it could still read together with
// the error, so that the caller records the error and goes on.
package modelcard

import (
	"errors"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Size limits: a file larger than its limit is refused with an error wrapping
// safeio.ErrTooLarge (a model card is still parsed up to the limit).
const (
	MaxCardSize    = 4 << 20  // README.md
	MaxFrontMatter = 1 << 20  // YAML front matter of README.md: decoded YAML takes ~70 times its size
	MaxConfigSize  = 16 << 20 // config.json
	MaxSmallConfig = 1 << 20  // generation_config.json, adapter_config.json
	MaxSectionLen  = 8 << 10  // bytes kept of each extracted Markdown section
	maxSections    = 8        // sections kept per kind
	maxListItems   = 256      // items kept of any YAML or JSON list
	// MaxMetrics bounds the model-index results and metrics kept: 12 times
	// a large real MTEB card's 1,333, and about what 1 MiB of front matter
	// written as cards write it can hold. More are left out and reported.
	MaxMetrics = 1 << 14
	maxSalvage = 512 // top-level entries decoded one by one from broken front matter
)

// ErrNotObject is returned when a JSON file is valid JSON but not an object.
var ErrNotObject = errors.New("modelcard: not a JSON object")

// SyntaxError reports malformed input: the file, where in it (a 1-based line
// for YAML front matter, a byte offset for JSON; 0 when unknown) and what was
// wrong.
type SyntaxError struct {
	Name   string // the name passed to the parser
	Line   int    // 1-based line in the file, 0 if unknown
	Offset int64  // byte offset in the file, for JSON; 0 if unknown
	Msg    string
	Err    error // the underlying decoder error, if any
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("modelcard: %s:%d: %s", e.Name, e.Line, e.Msg)
	case e.Offset > 0:
		return fmt.Sprintf("modelcard: %s: offset %d: %s", e.Name, e.Offset, e.Msg)
	default:
		return fmt.Sprintf("modelcard: %s: %s", e.Name, e.Msg)
	}
}

// Unwrap returns the underlying decoder error.
func (e *SyntaxError) Unwrap() error { return e.Err }

// readLimited reads r up to limit bytes. When r holds more, it returns the
// first limit bytes and an error wrapping safeio.ErrTooLarge.
func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	buf, err := safeio.ReadAll(io.LimitReader(r, limit+1), limit+1)
	if err != nil {
		return buf, fmt.Errorf("modelcard: reading %s: %w", name, err)
	}
	if int64(len(buf)) > limit {
		return buf[:limit], fmt.Errorf("modelcard: %s: %w (%d bytes)", name, safeio.ErrTooLarge, limit)
	}
	return buf, nil
}
