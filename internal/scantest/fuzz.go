package scantest

import (
	"os"
	"path/filepath"
	"testing"
)

// SeedFiles returns the contents of the regular files the glob patterns
// match, pattern by pattern, for a fuzz target's seed corpus. Files of
// maxSize bytes or more are left out (maxSize 0: none is). A malformed
// pattern or a file that cannot be read fails tb; a pattern matching
// nothing adds nothing.
func SeedFiles(tb testing.TB, maxSize int64, patterns ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, pattern := range patterns {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatalf("seed pattern %s: %v", pattern, err)
		}
		for _, p := range paths {
			st, err := os.Stat(p)
			if err != nil {
				tb.Fatal(err)
			}
			if !st.Mode().IsRegular() || (maxSize > 0 && st.Size() >= maxSize) {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}
