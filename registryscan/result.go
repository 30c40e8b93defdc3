package registryscan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Result is the outcome for one artifact: one JSON Lines object of the
// output. Its JSON form is a contract: fields are only ever added.
type Result struct {
	Repository string `json:"repository"`
	// Tag is the first tag (in sorted order) that resolves to Digest;
	// Tags lists them all.
	Tag    string   `json:"tag"`
	Tags   []string `json:"tags,omitempty"`
	Digest string   `json:"digest"`
	// Index is the digest of the image index the manifest was listed
	// in, when a tag named an index.
	Index string `json:"index,omitempty"`
	// Kind is the artifact's kind (modelpack, kitops, docker-model,
	// artifact, image).
	Kind    string           `json:"kind,omitempty"`
	Verdict scanners.Verdict `json:"verdict"`
	// Signed: a cosign signature tag, or a Sigstore bundle referrer whose
	// predicate type is cosign's signature, names the digest (or its
	// index). Detected, not verified.
	Signed bool `json:"signed"`
	// BOMAttached: an attestation or attached SBOM whose (unsigned)
	// predicate or media type says CycloneDX or SPDX names the digest.
	// Detected, not verified.
	BOMAttached bool `json:"bom_attached"`
	// BytesRead counts the bytes received from the registry for this
	// artifact in this run (layers already read for another artifact, or
	// found in the cache, cost nothing); BytesStored is the manifest,
	// config and layers' size.
	BytesRead   int64  `json:"bytes_read"`
	BytesStored int64  `json:"bytes_stored"`
	Files       []File `json:"files"`
	// Error says why the artifact could not be read; Verdict is then
	// invalid.
	Error string `json:"error,omitempty"`
}

// File is the result for one file of an artifact; Verdict and Findings as
// in `aibom scan --format json`.
type File struct {
	Path     string                  `json:"path"`
	Format   string                  `json:"format"`
	Verdict  scanners.Verdict        `json:"verdict"`
	Findings []scanners.Finding      `json:"findings"`
	Errors   []*scanners.FormatError `json:"errors,omitempty"`
	// Layer is the digest of the layer the file is in.
	Layer string `json:"layer,omitempty"`
}

// Key identifies an artifact in a run's output: repository@digest.
func (r *Result) Key() string { return r.Repository + "@" + r.Digest }

// MaxLine bounds one line of a results file.
const MaxLine = 64 << 20

// ErrMalformed is returned for a results file with a line that is not a
// Result (other than a torn last line).
var ErrMalformed = errors.New("registryscan: malformed results line")

// ReadResults reads a JSON Lines results file. It returns the results and
// the length of the prefix made of whole lines: a last line without its
// newline (a run interrupted while writing) is left out, so that a resumed
// run can truncate the file there and append. Any other line that is not a
// Result is an error naming its line number and byte offset.
func ReadResults(r io.Reader) ([]Result, int64, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var (
		out  []Result
		good int64
	)
	for line := 1; ; line++ {
		b, err := readLine(br)
		if errors.Is(err, io.EOF) {
			return out, good, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return out, good, nil // torn last line
		}
		if err != nil {
			return out, good, fmt.Errorf("line %d (offset %d): %w", line, good, err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			var res Result
			if err := json.Unmarshal(b, &res); err != nil || res.Digest == "" {
				if err == nil {
					err = errors.New("no digest")
				}
				return out, good, fmt.Errorf("%w: line %d (offset %d): %w", ErrMalformed, line, good, err)
			}
			out = append(out, res)
		}
		good += int64(len(b)) + 1
	}
}

// readLine reads one line without its newline, at most MaxLine bytes;
// io.ErrUnexpectedEOF for a last line without a newline.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLine {
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLine)
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// Summary counts results.
type Summary struct {
	Artifacts   int            `json:"artifacts"`
	Verdicts    map[string]int `json:"verdicts"`
	Findings    map[string]int `json:"findings"`
	Signed      int            `json:"signed"`
	BOMAttached int            `json:"bom_attached"`
	Errors      int            `json:"errors"`
	BytesRead   int64          `json:"bytes_read"`
	BytesStored int64          `json:"bytes_stored"`
	// Worst is the highest verdict of any artifact.
	Worst scanners.Verdict `json:"worst"`
}

// Summarize counts results, each Key once (the last one wins), and returns
// the deduplicated results in input order with the summary.
func Summarize(results []Result) ([]Result, Summary) {
	last := map[string]int{}
	for i := range results {
		last[results[i].Key()] = i
	}
	s := Summary{Verdicts: map[string]int{}, Findings: map[string]int{}}
	for _, v := range []scanners.Verdict{scanners.Clean, scanners.Unscanned, scanners.Suspicious, scanners.Invalid, scanners.Malicious} {
		s.Verdicts[v.String()] = 0
	}
	var out []Result
	for i, r := range results {
		if last[r.Key()] != i {
			continue
		}
		out = append(out, r)
		s.Artifacts++
		s.Verdicts[r.Verdict.String()]++
		s.Worst = max(s.Worst, r.Verdict)
		s.BytesRead += r.BytesRead
		s.BytesStored += r.BytesStored
		if r.Signed {
			s.Signed++
		}
		if r.BOMAttached {
			s.BOMAttached++
		}
		if r.Error != "" {
			s.Errors++
		}
		for _, f := range r.Files {
			for _, fd := range f.Findings {
				s.Findings[fd.Rule]++
			}
		}
	}
	return out, s
}

// Report flattens results into a scanners.Report, one file per artifact
// file, named "REPOSITORY@DIGEST/PATH" (for SARIF and tools that read
// `aibom scan --format json`).
func Report(results []Result) *scanners.Report {
	rep := &scanners.Report{Files: []scanners.FileResult{}}
	for _, r := range results {
		for _, f := range r.Files {
			rep.Files = append(rep.Files, scanners.FileResult{Path: r.Key() + "/" + f.Path, Format: f.Format,
				Verdict: f.Verdict, Findings: f.Findings, Errors: f.Errors})
		}
	}
	rep.Summarize()
	return rep
}
