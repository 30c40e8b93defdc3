package lfs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

const oid = "2e9b1b0c3a5f2b5ad3d3c6c62bf10bb7b2c1c2aea85e1d3c45dd8b4ce0b1a0f7"

func TestParse(t *testing.T) {
	t.Parallel()
	good := "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 1234\n"
	p, err := Parse([]byte(good))
	if err != nil || p.OID != oid || p.Size != 1234 || p.Version != Versions[0] {
		t.Fatalf("Parse(good) = %+v, %v", p, err)
	}
	ext := "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:" + oid + "\noid sha256:" + oid + "\nsize 0\n"
	if p, err := Parse([]byte(ext)); err != nil || len(p.Extensions) != 1 || p.Size != 0 {
		t.Errorf("Parse(ext) = %+v, %v", p, err)
	}
	bad := []struct{ name, in, want string }{
		{"no version", "oid sha256:" + oid + "\nsize 1\n", "not a Git LFS version line"},
		{"no newline", strings.TrimSuffix(good, "\n"), "line 3 does not end in a newline"},
		{"short oid", strings.Replace(good, oid, oid[:10], 1), "line 2 oid"},
		{"upper oid", strings.Replace(good, oid, strings.ToUpper(oid), 1), "line 2 oid"},
		{"md5 oid", strings.Replace(good, "sha256:", "md5:", 1), "line 2 oid"},
		{"negative size", strings.Replace(good, "1234", "-1", 1), "line 3 size"},
		{"size with plus", strings.Replace(good, "1234", "+12", 1), "line 3 size"},
		{"no size", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\n", "no size line"},
		{"no oid", "version https://git-lfs.github.com/spec/v1\nsize 3\n", "no oid line"},
		{"unsorted", "version https://git-lfs.github.com/spec/v1\nsize 3\noid sha256:" + oid + "\n", "out of order"},
		{"repeated", good + "size 4\n", "out of order or repeated"},
		{"bad key", "version https://git-lfs.github.com/spec/v1\nOID x\n", "invalid key"},
		{"no value", "version https://git-lfs.github.com/spec/v1\noid\n", "is not \"key value\""},
		{"too big", good + strings.Repeat("x", MaxSize), "smaller than 1024"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse([]byte(c.in))
			var fe *scanners.FormatError
			if p != nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse = %+v, %v; want a FormatError containing %q", p, err, c.want)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(c.in)) {
				t.Errorf("offset %d outside the input", fe.Offset)
			}
		})
	}
	if _, err := Parse([]byte("oid x\n")); !errors.Is(err, ErrNotPointer) {
		t.Errorf("no version line: %v, want ErrNotPointer", err)
	}
}

func TestScanner(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	s := New()
	f := scanners.File{Path: "model.safetensors", Size: int64(len(b)), R: bytes.NewReader(b)}
	if !s.Match(f, b) {
		t.Fatal("pointer not matched")
	}
	res, err := s.Scan(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := res.Meta.(*Pointer)
	if !ok || p.Size != 268288 || len(res.Findings) != 1 || res.Findings[0].Rule != RulePointer {
		t.Fatalf("Scan = %+v", res)
	}
	if !strings.Contains(res.Findings[0].Message, p.OID) {
		t.Errorf("finding does not name the object: %q", res.Findings[0].Message)
	}
	big := scanners.File{Size: MaxSize + 1, R: bytes.NewReader(b)}
	if s.Match(big, b) {
		t.Error("a file over MaxSize matched")
	}
	if s.Match(scanners.File{Size: 5, R: strings.NewReader("hello")}, []byte("hello")) {
		t.Error("text matched")
	}
}
