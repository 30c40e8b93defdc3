package runner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestBenignCorpus scans testdata/benign: 299 artifacts written by real
// ML libraries (gen.py there). Every one must be clean, except the few that
// testdata/benign/expected.tsv lists with the verdict they keep on
// purpose. With -v it prints the per-library table.
func TestBenignCorpus(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "testdata", "benign")
	expected := readExpected(t, filepath.Join(root, "expected.tsv"))
	rep, err := New().Scan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	cols := []scanners.Verdict{scanners.Clean, scanners.Suspicious, scanners.Malicious, scanners.Invalid, scanners.Unscanned}
	table := map[string]map[scanners.Verdict]int{}
	files := 0
	for _, r := range rep.Files {
		lib, _, ok := strings.Cut(filepath.ToSlash(r.Path), "/")
		if !ok {
			continue // gen.py, globals.py, README.md, manifest.tsv, expected.tsv
		}
		files++
		if table[lib] == nil {
			table[lib] = map[scanners.Verdict]int{}
		}
		table[lib][r.Verdict]++
		want, listed := expected[filepath.ToSlash(r.Path)]
		switch {
		case listed && r.Verdict.String() != want:
			t.Errorf("%s: %s, want %s (expected.tsv)\n  findings: %s", r.Path, r.Verdict, want, describe(r.Findings))
		case !listed && r.Verdict != scanners.Clean:
			t.Errorf("%s: %s, want clean\n  findings: %s\n  errors: %v", r.Path, r.Verdict, describe(r.Findings), r.Errors)
		}
		delete(expected, filepath.ToSlash(r.Path))
	}
	for p := range expected {
		t.Errorf("%s: listed in expected.tsv but not scanned", p)
	}
	if files < 150 {
		t.Errorf("only %d artifacts in the corpus, want at least 150", files)
	}
	var libs []string
	for l := range table {
		libs = append(libs, l)
	}
	sort.Strings(libs)
	var b strings.Builder
	fmt.Fprintf(&b, "| library | files | clean | suspicious | malicious | invalid | unscanned |\n|---|---|---|---|---|---|---|\n")
	for _, l := range libs {
		n := 0
		for _, c := range table[l] {
			n += c
		}
		fmt.Fprintf(&b, "| %s | %d |", l, n)
		for _, v := range cols {
			fmt.Fprintf(&b, " %d |", table[l][v])
		}
		b.WriteByte('\n')
	}
	t.Logf("benign corpus, %d files:\n%s", files, b.String())
}

// readExpected reads expected.tsv: file, verdict, why.
func readExpected(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("%s: want file, verdict, why: %q", path, line)
		}
		out[parts[0]] = parts[1]
	}
	return out
}
