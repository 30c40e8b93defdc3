// Package lfs recognises Git LFS pointer files: the small text files a
// clone without `git lfs pull` holds in place of the real content. A
// pointer is never a model, and never clean: the bytes it stands for were
// not there to scan. Parse reads the object's SHA-256 and size from it, so
// that a BOM can still name the real object.
package lfs

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

const format = "git-lfs-pointer"

// MaxSize is the largest pointer file: the Git LFS specification keeps
// pointers under 1024 bytes, and git-lfs treats a larger file as content.
const MaxSize = 1024

// Versions are the spec URLs a pointer's first line may name.
var Versions = []string{"https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"}

// ErrNotPointer is wrapped by the errors of Parse for bytes that are not
// a pointer at all (no version line).
var ErrNotPointer = errors.New("lfs: not a Git LFS pointer")

// Pointer is a parsed Git LFS pointer.
type Pointer struct {
	Version string // the spec URL of the first line
	OID     string // the object's SHA-256, 64 lowercase hex digits
	Size    int64  // the object's size in bytes
	// Extensions lists the ext-N-name lines (filters the object went
	// through), as written.
	Extensions []string
}

// Describe implements scanners.Meta: the object's digest and size.
func (p *Pointer) Describe() scanners.Description {
	var d scanners.Description
	d.Add("aibom:lfs:oid", "sha256:"+p.OID)
	d.Add("aibom:lfs:size", strconv.FormatInt(p.Size, 10))
	d.Add("aibom:lfs:version", p.Version)
	for _, e := range p.Extensions {
		d.Add("aibom:lfs:extension", e)
	}
	return d
}

// Parse parses a pointer file's bytes as the Git LFS specification writes
// them: "key value\n" lines, version first, the other keys sorted, with an
// oid "sha256:<hex>" and a decimal size. Errors are *scanners.FormatError
// with the byte offset of the offending line.
func Parse(b []byte) (*Pointer, error) {
	if len(b) > MaxSize {
		return nil, scanners.Errorf(format, MaxSize, "%d bytes: a pointer is smaller than %d bytes", len(b), MaxSize)
	}
	p := &Pointer{Size: -1}
	var off int
	prev := ""
	for line := 0; off < len(b); line++ {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			return nil, scanners.Errorf(format, int64(off), "line %d does not end in a newline", line+1)
		}
		text := string(b[off : off+end])
		key, val, ok := strings.Cut(text, " ")
		if !ok || key == "" {
			return nil, lineErr(line, off, "is not \"key value\": %q", clipText(text))
		}
		if err := p.set(line, off, key, val, prev); err != nil {
			return nil, err
		}
		prev = key
		off += end + 1
	}
	switch {
	case p.Version == "":
		return nil, fmt.Errorf("%w: %w", ErrNotPointer, scanners.Errorf(format, 0, "no version line"))
	case p.OID == "":
		return nil, scanners.Errorf(format, int64(len(b)), "no oid line")
	case p.Size < 0:
		return nil, scanners.Errorf(format, int64(len(b)), "no size line")
	}
	return p, nil
}

// set records one line's key and value; prev is the previous line's key.
func (p *Pointer) set(line, off int, key, val, prev string) error {
	if line == 0 {
		if key != "version" || !knownVersion(val) {
			return fmt.Errorf("%w: %w", ErrNotPointer, lineErr(line, off, "is not a Git LFS version line"))
		}
		p.Version = val
		return nil
	}
	if !validKey(key) {
		return lineErr(line, off, "has an invalid key %q", clipText(key))
	}
	if prev != "version" && key <= prev {
		return lineErr(line, off, "key %q is out of order or repeated (after %q)", key, prev)
	}
	switch {
	case key == "oid":
		hexs, ok := strings.CutPrefix(val, "sha256:")
		if _, err := hex.DecodeString(hexs); !ok || err != nil || len(hexs) != 64 || strings.ToLower(hexs) != hexs {
			return lineErr(line, off, "oid %q is not sha256: and 64 lowercase hex digits", clipText(val))
		}
		p.OID = hexs
	case key == "size":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != val {
			return lineErr(line, off, "size %q is not a non-negative decimal", clipText(val))
		}
		p.Size = n
	case strings.HasPrefix(key, "ext-"):
		p.Extensions = append(p.Extensions, key+" "+val)
	}
	return nil
}

func knownVersion(v string) bool {
	for _, k := range Versions {
		if v == k {
			return true
		}
	}
	return false
}

// validKey: lowercase letters, digits, '.' and '-', as the spec allows.
func validKey(k string) bool {
	for i := range len(k) {
		c := k[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func lineErr(line, off int, msg string, args ...any) error {
	return scanners.Errorf(format, int64(off), "line %d "+msg, append([]any{line + 1}, args...)...)
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
