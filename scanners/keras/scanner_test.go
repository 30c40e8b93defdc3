package keras

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

func fileOf(b []byte) scanners.File {
	return scanners.File{Path: "m", Size: int64(len(b)), R: bytes.NewReader(b)}
}

func head(b []byte) []byte { return b[:min(len(b), scanners.HeadSize)] }

// recorder is a Nester that records the members it is handed.
type recorder struct {
	mu    sync.Mutex
	names []string
}

func (r *recorder) ScanNested(_ context.Context, f scanners.File) (scanners.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, f.Member)
	if strings.HasSuffix(f.Member, "evil.bin") {
		return scanners.Result{Format: "pickle", Findings: []scanners.Finding{{Rule: "PICKLE-X", Severity: scanners.Critical, Global: "os.system", Member: f.Name}}}, nil
	}
	return scanners.Result{Format: "unknown"}, nil
}

func TestMatch(t *testing.T) {
	t.Parallel()
	s := New()
	cases := []struct {
		name string
		in   []byte
		want bool
	}{
		{"keras", kerasZip(t, "{}"), true},
		{"config and weights", buildZip(t, zipMember{"config.json", []byte("{}")}, zipMember{"model.weights.h5", nil}), true},
		{"config only", buildZip(t, zipMember{"config.json", []byte("{}")}), false},
		{"metadata only", buildZip(t, zipMember{"metadata.json", []byte("{}")}, zipMember{"model.weights.h5", nil}), false},
		{"nested folder", buildZip(t, zipMember{"x/config.json", []byte("{}")}, zipMember{"x/metadata.json", nil}), false},
		{"hdf5", h5Model("{}", true), true},
		{"hdf5 after user block", h5Builder{userBlock: 1 << 13}.build(), true},
		{"hdf5 at odd offset", append(make([]byte, 100), h5Model("{}", true)...), false},
		{"text", []byte("hello world"), false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		if got := recognised(s, c.in); got != c.want {
			t.Errorf("%s: recognised = %v, want %v", c.name, got, c.want)
		}
	}
}

// recognised is Match for HDF5 and Is for the zips the zip scanner refines
// into .keras archives.
func recognised(s *Scanner, in []byte) bool {
	f := fileOf(in)
	if zip.Sniff(f.R, f.Size, head(in)) {
		a, err := zip.Open(f.R, f.Size, zip.DefaultLimits())
		return err == nil && s.Is(a)
	}
	return s.Match(f, head(in))
}

func TestScanArchive(t *testing.T) {
	t.Parallel()
	in := buildZip(t,
		zipMember{"metadata.json", []byte(`{"keras_version": "3.6.0"}`)},
		zipMember{"config.json", []byte(seq(dense(`{"module": "os", "class_name": "system"}`)))},
		zipMember{"model.weights.h5", h5Builder{}.build()},
		zipMember{"assets/evil.bin", []byte("cos\nsystem\n.")},
	)
	rec := &recorder{}
	f := fileOf(in)
	f.Member, f.Nested = "outer.zip", rec
	fs, err := scantest.ScanAs(context.Background(), New(), f)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, fd := range fs {
		rules = append(rules, fd.Rule+"@"+fd.Member)
	}
	got := strings.Join(rules, " ")
	for _, w := range []string{RuleUnsafeModule + "@outer.zip!config.json", "PICKLE-X@outer.zip!assets/evil.bin"} {
		if !strings.Contains(got, w) {
			t.Errorf("findings %s lack %s", got, w)
		}
	}
	if len(rec.names) != 4 {
		t.Errorf("nested scans of %v, want all 4 members", rec.names)
	}
}

func TestScanErrors(t *testing.T) {
	t.Parallel()
	cases := []errCase{
		{"config not JSON", kerasZip(t, `{"a": `), "JSON ends early", 6},
		{"config bad token", kerasZip(t, `{"a": x}`), "invalid JSON", 6},
		{"no config", buildZip(t, zipMember{"metadata.json", []byte("{}")}), "no config.json", 0},
		{"bad metadata", buildZip(t, zipMember{"metadata.json", []byte("{")}, zipMember{"config.json", []byte(seq())}), "JSON ends early", 1},
		{"truncated h5", h5Model("{}", true)[:150], "file is truncated", 150},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := fileOf(c.in)
			f.Nested = &recorder{}
			_, err := scanners.FindingsOf(New().Scan(context.Background(), f))
			checkErr(t, err, c.msg, c.off)
		})
	}
}

func TestScanCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := scanners.FindingsOf(New().Scan(ctx, fileOf(h5Model("{}", true)))); err == nil {
		t.Fatal("no error")
	}
}
