package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/scanners"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sample builds a report with every verdict, archive members, parse errors
// with known and unknown offsets, nil and empty finding lists and a path that
// needs escaping in a URI.
func sample() *scanners.Report {
	r := &scanners.Report{Files: []scanners.FileResult{
		{
			Path: "models/evil.pt", Format: "pytorch", Verdict: scanners.Malicious,
			SHA256: "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4", Size: 1843,
			Findings: []scanners.Finding{
				{
					Rule: "PICKLE-DANGEROUS-GLOBAL", Severity: scanners.Critical,
					Message: "pickle calls posix.system, which runs a shell command",
					Global:  "posix.system", Offset: 42, ATLAS: scanners.ATLASEmbedMalware, Member: "archive/data.pkl",
				},
				{
					Rule: "PICKLE-UNKNOWN-GLOBAL", Severity: scanners.High,
					Message: "pickle imports torch._utils.unknown_helper, which is not on the allow list",
					Global:  "torch._utils.unknown_helper", Offset: 117, ATLAS: scanners.ATLASUnsafeArtifact,
					Member: "archive/data.pkl",
				},
				{
					Rule: "ZIP-EXTRA-MEMBER", Severity: scanners.Info,
					Message: "archive has a member PyTorch does not read",
					Offset:  0, ATLAS: scanners.ATLASSupplyChainModel, Member: "archive/.hidden",
				},
			},
			Errors: []*scanners.FormatError{
				{Format: "zip", Offset: 1790, Msg: "central directory ends past the end of the file"},
			},
		},
		{
			Path: "data/features.npy", Format: "numpy", Verdict: scanners.Suspicious,
			SHA256: "0b9e2a4f2b7b1f3c5a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b", Size: 960,
			Findings: []scanners.Finding{
				{
					Rule: "NUMPY-OBJECT-ARRAY", Severity: scanners.Medium,
					Message: "array has dtype object: numpy.load(allow_pickle=True) unpickles it",
					Offset:  10, ATLAS: scanners.ATLASUnsafeArtifact,
				},
				{
					Rule: "PICKLE-UNKNOWN-GLOBAL", Severity: scanners.Low,
					Message: "pickle imports collections.OrderedDict",
					Global:  "collections.OrderedDict", Offset: 128, ATLAS: scanners.ATLASUnsafeArtifact,
				},
			},
		},
		{
			Path: "broken/model.gguf", Format: "gguf", Verdict: scanners.Invalid, Size: 24,
			Errors: []*scanners.FormatError{
				{Format: "gguf", Offset: 8, Msg: "tensor count 4294967295 exceeds the 16 bytes that remain"},
				{Format: "pickle", Member: "inner.zip!data.pkl", Offset: -1, Msg: "truncated stream"},
			},
		},
		{
			Path: "notes/README.bin", Format: "unknown", Verdict: scanners.Unscanned,
			SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Size: 0,
			Findings: []scanners.Finding{},
		},
		{
			Path: "clean model.safetensors", Format: "safetensors", Verdict: scanners.Clean,
			SHA256: "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", Size: 4096,
		},
	}}
	r.Summarize()
	return r
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; go test -update rewrites it):\n%s", name, diff)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tool := ToolInfo{Version: "1.2.3", InformationURI: "https://github.com/seed-43c89ce6/aibom"}
	tests := []struct {
		name  string
		write func(*bytes.Buffer, *scanners.Report) error
	}{
		{"report.json", func(b *bytes.Buffer, r *scanners.Report) error { return WriteJSON(b, r) }},
		{"report.sarif", func(b *bytes.Buffer, r *scanners.Report) error { return WriteSARIF(b, r, tool) }},
		{"report.txt", func(b *bytes.Buffer, r *scanners.Report) error { return WriteTable(b, r, TableOptions{}) }},
		{"report-verbose.txt", func(b *bytes.Buffer, r *scanners.Report) error {
			return WriteTable(b, r, TableOptions{Verbose: true})
		}},
		{"report-color.txt", func(b *bytes.Buffer, r *scanners.Report) error {
			return WriteTable(b, r, TableOptions{Color: true, Verbose: true})
		}},
		{"empty.json", func(b *bytes.Buffer, _ *scanners.Report) error { return WriteJSON(b, &scanners.Report{}) }},
		{"empty.sarif", func(b *bytes.Buffer, _ *scanners.Report) error {
			return WriteSARIF(b, &scanners.Report{}, ToolInfo{})
		}},
		{"empty.txt", func(b *bytes.Buffer, _ *scanners.Report) error {
			r := &scanners.Report{}
			r.Summarize()
			return WriteTable(b, r, TableOptions{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := sample()
			var first, second bytes.Buffer
			if err := tt.write(&first, r); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(&second, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Error("two renderings of the same report differ")
			}
			if diff := cmp.Diff(sample(), r); diff != "" {
				t.Errorf("the writer modified the report (-before +after):\n%s", diff)
			}
			golden(t, tt.name, first.Bytes())
		})
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	writers := map[string]func(w failWriter, r *scanners.Report) error{
		"json":  func(w failWriter, r *scanners.Report) error { return WriteJSON(w, r) },
		"sarif": func(w failWriter, r *scanners.Report) error { return WriteSARIF(w, r, ToolInfo{}) },
		"table": func(w failWriter, r *scanners.Report) error { return WriteTable(w, r, TableOptions{}) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := write(failWriter{}, nil); !errors.Is(err, ErrNilReport) {
				t.Errorf("nil report: got %v, want ErrNilReport", err)
			}
			if err := write(failWriter{}, sample()); !errors.Is(err, errWrite) {
				t.Errorf("failing writer: got %v, want it wrapped", err)
			}
		})
	}
}
