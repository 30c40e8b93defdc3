package safetensors

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

var update = flag.Bool("update", false, "rewrite the seed files in testdata/")

// seeds are the files committed under testdata/, made by build.
var seeds = map[string][]byte{
	"small.safetensors": build(map[string]string{"format": "pt"},
		spec{"embed.weight", F32, []uint64{4, 2}},
		spec{"norm.weight", BF16, []uint64{2}},
		spec{"step", I64, nil}),
	"dtypes.safetensors": build(nil,
		spec{"bool", Bool, []uint64{1}}, spec{"f4", F4, []uint64{2, 3}}, spec{"f6", F6E3M2, []uint64{4}},
		spec{"scale", F8E8M0, []uint64{3}}, spec{"fnuz", F8E4M3FNUZ, []uint64{1}}, spec{"c64", C64, []uint64{1}},
		spec{"empty", F16, []uint64{3, 0}}, spec{"u16", U16, []uint64{1, 1, 1}}),
}

func TestTestdata(t *testing.T) {
	t.Parallel()
	for name, want := range seeds {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to make it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what build makes; run go test -update", path)
		}
		h, err := parse(got, DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkInvariants(t, h, int64(len(got)))
	}
}

func fileOf(b []byte) scanners.File {
	return scanners.File{Path: "m.safetensors", Size: int64(len(b)), R: bytes.NewReader(b)}
}

func head(b []byte) []byte { return b[:min(len(b), scanners.HeadSize)] }

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"valid", seeds["small.safetensors"], true},
		{"header only", file(`{}`, 0), true},
		{"invalid JSON after '{'", file(`{nope`, 0), true},
		{"whitespace before '{' (loads, so reported invalid)", file(" \n{}", 0), true},
		{"header of whitespace", file("   ", 0), false},
		{"8 bytes", withLen(1, ""), false},
		{"zero length", withLen(0, "{}"), false},
		// A lying length is matched so that Scan reports the file invalid
		// instead of leaving it unscanned.
		{"length past the end", withLen(3, "{}"), true},
		{"length over the limit", withLen(100_000_001, "{}"), true},
		{"not '{'", file(`[]`, 0), false},
		{"JSON whose ninth byte is '{'", []byte(`{"data":{"id": 1, "name": "iris"}}`), false},
		{"gettext .mo whose string count is '{'", []byte("\xde\x12\x04\x95\x00\x00\x00\x00{\x00\x00\x00\x1c\x00\x00\x00"), false},
		{"pickle", []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02osN."), false},
		{"protocol 0 pickle", []byte("cos\nsystem\n(S'echo'\ntR."), false},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00{}"), false},
	}
	s := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := s.Match(fileOf(tt.in), head(tt.in)); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
	small := file(`{}      `, 0)
	if _, err := scanners.FindingsOf(New(WithLimits(Limits{MaxHeader: 7})).Scan(context.Background(), fileOf(small))); err == nil {
		t.Error("Scan accepted a header over the configured limit")
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	pickle := []byte("cos\nsystem\n(S'echo pwned'\ntR.")
	polyglot := build(nil, spec{"payload", U8, []uint64{uint64(len(pickle))}})
	copy(polyglot[len(polyglot)-len(pickle):], pickle)
	odd := build(map[string]string{"format": "pickle"}, spec{"w", F32, []uint64{1}})
	tests := []struct {
		name   string
		in     []byte
		member string
		want   []scanners.Finding
		err    error
	}{
		{"valid", seeds["small.safetensors"], "", nil, nil},
		{"pickle in the data buffer is only data", polyglot, "", nil, nil},
		{"unknown format in metadata", odd, "a.zip!w.safetensors", []scanners.Finding{{
			Rule: RuleMetadataFormat, Severity: scanners.Info, Offset: int64(bytes.Index(odd, []byte(`"pickle"`))),
			Message: `__metadata__ "format" is "pickle", which names no known framework; ` +
				"safetensors loaders never unpickle, but custom code reading this metadata might",
			Member: "a.zip!w.safetensors", ATLAS: scanners.ATLASUnsafeArtifact,
		}}, nil},
		{"invalid, in an archive", file(`{"a":1}`, 0), "a.zip!w.safetensors", nil, &scanners.FormatError{
			Format: "safetensors", Member: "a.zip!w.safetensors", Offset: 13, Msg: `tensor "a" must be an object, not a number`,
		}},
	}
	s := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fileOf(tt.in)
			f.Member = tt.member
			got, err := scantest.ScanAs(context.Background(), s, f)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if tt.err == nil && err != nil || tt.err != nil && !cmp.Equal(tt.err, err) {
				t.Errorf("error = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestScanCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := scanners.FindingsOf(New().Scan(ctx, fileOf(seeds["small.safetensors"]))); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan = %v, want context.Canceled", err)
	}
	// Parsing looks at the context every ctxEvery tokens.
	in := build(nil, manyTensors(ctxEvery/10)...)
	if _, err := parseContext(ctx, bytes.NewReader(in), int64(len(in)), DefaultLimits()); !errors.Is(err, context.Canceled) {
		t.Errorf("parseContext = %v, want context.Canceled", err)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	var s scanners.Scanner = New()
	if s.Name() != "safetensors" {
		t.Errorf("Name = %q", s.Name())
	}
}

func BenchmarkParse(b *testing.B) {
	in := build(map[string]string{"format": "pt"}, manyTensors(1000)...)
	r := bytes.NewReader(in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(r, int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
