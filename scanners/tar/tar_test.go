package tar

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

var pickle = []byte("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94.")

type entry struct {
	name, link string
	typ        byte
	data       []byte
	format     tar.Format
}

func buildTar(es []entry) []byte {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range es {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		_ = w.WriteHeader(&tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Size: int64(len(e.data)), Mode: 0o644, Format: e.format})
		_, _ = w.Write(e.data)
	}
	_ = w.Close()
	return buf.Bytes()
}

// scanTar scans b as f with a scantest.Nester that reads at most the first
// scanners.HeadSize bytes of each member, as the runner's sniffing does.
func scanTar(t *testing.T, b []byte, f scanners.File) ([]string, *scantest.Nester, error) {
	t.Helper()
	fn := &scantest.Nester{}
	f.Size, f.R, f.Nested = int64(len(b)), bytes.NewReader(b), fn
	s := New(Limits{MaxMemberSize: 1 << 20})
	if !s.Match(f, b[:min(len(b), scanners.HeadSize)]) {
		t.Fatal("Match = false")
	}
	fs, err := scanners.FindingsOf(s.Scan(context.Background(), f))
	return scantest.Rules(fs), fn, err
}

func TestScan(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte{7}, 8<<20)
	tests := []struct {
		name    string
		b       []byte
		rules   []string
		members []string
		wantErr bool
	}{
		{"legacy torch layout", buildTar([]entry{{name: "sys_info", data: pickle}, {name: "pickle", data: pickle}, {name: "storages", data: big}}),
			nil, []string{"sys_info", "pickle", "storages"}, false},
		{"traversal", buildTar([]entry{{name: "../../x.pkl", data: pickle}, {name: "/etc/x", data: pickle}, {name: `a\b`, data: pickle}}),
			[]string{"TAR-PATH-TRAVERSAL:high", "TAR-PATH-TRAVERSAL:high", "TAR-PATH-TRAVERSAL:medium"}, []string{"../../x.pkl", "/etc/x", `a\b`}, false},
		{"links", buildTar([]entry{
			{name: "pickle", link: "/etc/passwd", typ: tar.TypeSymlink},
			{name: "a/b", link: "../c", typ: tar.TypeSymlink},
			{name: "h", link: "../../x", typ: tar.TypeLink},
			{name: "dev", typ: tar.TypeChar},
		}), []string{"TAR-HARDLINK:high", "TAR-SPECIAL-FILE:low", "TAR-SYMLINK:high", "TAR-SYMLINK:medium"}, nil, false},
		{"duplicates", buildTar([]entry{{name: "pickle", data: []byte("a")}, {name: "./pickle", data: pickle}}),
			[]string{"TAR-DUPLICATE-NAME:medium"}, []string{"pickle", "./pickle"}, false},
		{"pax long name", buildTar([]entry{{name: string(bytes.Repeat([]byte("d/"), 100)) + "data.pkl", data: pickle, format: tar.FormatPAX}}),
			nil, []string{string(bytes.Repeat([]byte("d/"), 100)) + "data.pkl"}, false},
		{"truncated", buildTar([]entry{{name: "a", data: pickle}, {name: "b", data: big}})[:1<<20],
			nil, []string{"a", "b"}, true},
		{"gnu sparse over the limit", readFile(t, "sparse_gnu.tar"), []string{"TAR-BOMB:high"}, []string{"model.pkl"}, false},
		{"pax sparse over the limit", readFile(t, "sparse_pax.tar"), []string{"TAR-BOMB:high"}, []string{"model.pkl"}, false},
		{"v7", readFile(t, "v7.tar"), nil, []string{"small.txt"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rules, fn, err := scanTar(t, tt.b, scanners.File{Path: "x.tar"})
			if diff := cmp.Diff(tt.rules, rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			var fe *scanners.FormatError
			if errors.As(err, &fe) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []string
			for _, s := range fn.Streams() {
				got = append(got, s.Member)
				if s.BytesRead() > scanners.HeadSize {
					t.Errorf("member %s: %d bytes read", s.Member, s.BytesRead())
				}
			}
			if diff := cmp.Diff(tt.members, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSparseExpanded(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sparse_gnu.tar", "sparse_pax.tar"} {
		_, fn, err := scanTar(t, readFile(t, name), scanners.File{Path: name})
		got := fn.Streams()
		if err != nil || len(got) != 1 || got[0].Size != 1<<20 {
			t.Fatalf("%s: err %v got %+v (want the 2 MiB file cut at the 1 MiB limit)", name, err, got)
		}
	}
}

func TestSparseContent(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sparse_gnu.tar", "sparse_pax.tar"} {
		b := readFile(t, name)
		var content []byte
		_, err := Walk(bytes.NewReader(b), int64(len(b)), Limits{}, func(m Member) error {
			if m.Offset != -1 || m.Header.Name != "model.pkl" {
				t.Errorf("%s: member %q at %d, want sparse model.pkl", name, m.Header.Name, m.Offset)
			}
			var err error
			content, err = io.ReadAll(m.Stream)
			return err
		})
		if err != nil || len(content) != 2<<20 || !bytes.Equal(content[1<<20:1<<20+len(pickle)], pickle) {
			t.Fatalf("%s: err %v, %d bytes", name, err, len(content))
		}
	}
}

func TestBigMemberLazy(t *testing.T) {
	t.Parallel()
	big := append(append([]byte(nil), pickle...), make([]byte, 16<<20)...)
	_, fn, err := scanTar(t, buildTar([]entry{{name: "storages", data: big}}), scanners.File{Path: "x"})
	got := fn.Streams()
	if err != nil || len(got) != 1 || got[0].Size != int64(len(big)) || !bytes.HasPrefix(got[0].Head, pickle) {
		t.Fatalf("err %v got %+v", err, got)
	}
}

func TestDepth(t *testing.T) {
	t.Parallel()
	rules, fn, err := scanTar(t, buildTar([]entry{{name: "a", data: pickle}}), scanners.File{Path: "x", Depth: 8})
	if diff := cmp.Diff([]string{"TAR-TOO-DEEP:medium"}, rules); diff != "" || len(fn.Streams()) != 0 || err == nil {
		t.Fatalf("rules %v members %v err %v", rules, fn.Members(), err)
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	if Sniff(bytes.Repeat([]byte("hello world "), 100)) || Sniff(make([]byte, 1024)) || Sniff(pickle) {
		t.Error("Sniff matched non-tar data")
	}
	if !Sniff(readFile(t, "ustar.tar")) || !Sniff(readFile(t, "v7.tar")) {
		t.Error("Sniff missed a tar")
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
