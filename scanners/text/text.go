// Package text scans the text files that ship beside a model (config.json,
// generation_config.json, tokenizer files, model cards, YAML configs) for
// credentials: API keys and tokens that leaked into a published model are
// findings, reported by kind and location, never by value. The detectors
// are the dataset classifier's (internal/secrets). A text file with no
// credential is declined (scanners.ErrNotMatched), so it stays as it was:
// unknown, and unscanned.
package text

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/secrets"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// RuleSecret is the rule of a credential found in a file.
const RuleSecret = "SECRET"

const (
	// chunk is how much is read at once; overlap is carried over to the
	// next chunk so that a secret across the boundary is found (the
	// longest, a JWT, is at most 8 KiB).
	chunk   = 1 << 20
	overlap = 16 << 10
	// maxFindings bounds the findings per file; the rest are counted.
	maxFindings = 50
)

// Scanner finds credentials in text files.
type Scanner struct{}

// New returns a Scanner.
func New() *Scanner { return &Scanner{} }

// Name returns "text".
func (s *Scanner) Name() string { return "text" }

// Match reports a stream named like a config, a card or a tokenizer
// text file (by extension: .json, .yaml, .md, .txt, ...; credentials in
// weights and archives are not looked for) whose head is UTF-8 text
// without NUL bytes.
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	if len(head) == 0 || !textName(f) {
		return false
	}
	for _, c := range head {
		if c == 0 {
			return false
		}
	}
	return utf8.Valid(head[:max(0, len(head)-utf8.UTFMax)])
}

// Scan implements scanners.Scanner: it reads f in chunks (memory does not
// grow with the file) and declines f when it holds no credential.
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	fs, err := Findings(ctx, f.R, f.Size, "")
	if err != nil {
		return scanners.Result{}, err
	}
	if len(fs) == 0 {
		return scanners.Result{}, scanners.ErrNotMatched
	}
	return scanners.Result{Findings: fs}, nil
}

// Findings returns a finding per credential in the size bytes of r, with
// member set on each.
func Findings(ctx context.Context, r interface {
	ReadAt([]byte, int64) (int, error)
}, size int64, member string) ([]scanners.Finding, error) {
	var fs []scanners.Finding
	n := 0
	for off := int64(0); off < size; off += chunk {
		if err := ctx.Err(); err != nil {
			return fs, err
		}
		want := min(size-off, chunk+overlap)
		b, err := safeio.ReadAt(r, size, off, want, chunk+overlap)
		if err != nil {
			return fs, scanners.Errorf("text", off, "reading: %v", err)
		}
		for _, m := range secrets.Find(b) {
			// A match starting in the overlap belongs to the next chunk.
			if int64(m.Start) >= chunk {
				continue
			}
			n++
			if n > maxFindings {
				continue
			}
			fs = append(fs, Finding(m.Kind, off+int64(m.Start), int64(m.End-m.Start), member))
		}
	}
	if n > maxFindings {
		fs = append(fs, scanners.Finding{Rule: RuleSecret, Severity: scanners.High, Member: member,
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf("%d more credentials not listed", n-maxFindings)})
	}
	return fs, nil
}

// Finding is the finding for one credential of kind at offset, length
// bytes long. The value is never part of it.
func Finding(kind secrets.Kind, offset, length int64, member string) scanners.Finding {
	return scanners.Finding{Rule: RuleSecret, Severity: scanners.High, Offset: offset, Member: member,
		Global: string(kind), ATLAS: scanners.ATLASSupplyChainModel,
		Message: fmt.Sprintf("a credential (%s, %d bytes) is published with the model: revoke it; its value is not shown", kind, length)}
}

var textExts = map[string]bool{".json": true, ".yaml": true, ".yml": true, ".md": true, ".markdown": true,
	".txt": true, ".toml": true, ".cfg": true, ".ini": true, ".env": true, ".conf": true, ".properties": true,
	".xml": true, ".sh": true}

var textNames = map[string]bool{"readme": true, "modelfile": true, ".env": true, ".netrc": true, ".npmrc": true,
	".pypirc": true, ".git-credentials": true, "dockerfile": true}

// textName reports whether f (the file, or the archive member) is named
// like a text file that configures, describes or tokenizes a model.
func textName(f scanners.File) bool {
	name := f.Name
	if name == "" {
		name = f.Path
	}
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	return textExts[path.Ext(base)] || textNames[base]
}
