package python

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// BenchmarkScan scans the realistic modeling file, and hostile shapes that
// would be quadratic with a naive analysis (many definitions, many
// imports, many calls), at 1 MiB.
func BenchmarkScan(b *testing.B) {
	model, err := os.ReadFile("testdata/benign/modeling_tinyllama.py")
	if err != nil {
		b.Fatal(err)
	}
	grow := func(unit func(i int) string) []byte {
		var sb strings.Builder
		for i := 0; sb.Len() < 1<<20; i++ {
			sb.WriteString(unit(i))
		}
		return []byte(sb.String())
	}
	cases := map[string][]byte{
		"modeling_1x":    model,
		"defs_1MiB":      grow(func(i int) string { return fmt.Sprintf("def f%d(x=g%d()):\n    return x\n", i, i) }),
		"imports_1MiB":   grow(func(i int) string { return fmt.Sprintf("import m%d as a%d\n", i, i) }),
		"calls_1MiB":     grow(func(i int) string { return fmt.Sprintf("x%d = os.system(y)\n", i) }),
		"nested_1MiB":    grow(func(int) string { return strings.Repeat("(", 90) + "f()" + strings.Repeat(")", 90) + "\n" }),
		"fstrings_1MiB":  grow(func(int) string { return "s = f'{a}{b!r}{c:>{w}}' f\"{f'{d}'}\"\n" }),
		"localcall_1MiB": grow(func(i int) string { return fmt.Sprintf("def f%d():\n    f%d()\nf%d()\n", i+1, i, i+1) }),
	}
	for name, src := range cases {
		b.Run(name, func(b *testing.B) {
			s := New()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				f := scanners.File{Path: "x.py", Size: int64(len(src)), R: bytes.NewReader(src)}
				if _, err := s.Scan(context.Background(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
