package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func TestSanitize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"os.system":            "os.system",
		"héllo wörld":          "héllo wörld",
		"a\x1b[2Jb":            `a\x1b[2Jb`,
		"tab\there\nnewline":   `tab\there\nnewline`,
		"bad\xffutf8":          `bad\xffutf8`,
		"evil\u202etxt.pkl":    `evil\u202etxt.pkl`,
		"c1\u009bcontrol":      `c1\u009bcontrol`,
		"isolate\u2066x\u2069": `isolate\u2066x\u2069`,
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTableHostileText checks that text from a scanned file cannot inject
// terminal escapes or break the layout.
func TestTableHostileText(t *testing.T) {
	t.Parallel()
	r := &scanners.Report{Files: []scanners.FileResult{{
		Path: "x\x1b]0;pwned\x07.pkl", Format: "pickle\n", Verdict: scanners.Malicious,
		Findings: []scanners.Finding{{
			Rule: "PICKLE-DANGEROUS-GLOBAL", Severity: scanners.Critical,
			Global: "os\tsystem", Message: "line\nbreak\x1b[31m", Member: "m\r", Offset: 3,
		}},
	}}}
	r.Summarize()
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteTable(&buf, r, TableOptions{Color: color}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !color && strings.ContainsAny(out, "\x1b\x07\r\t") {
			t.Errorf("control characters reach the terminal:\n%q", out)
		}
		if color && (strings.Contains(out, "\x07") || strings.Contains(out, "\x1b]")) {
			t.Errorf("hostile escapes reach the terminal:\n%q", out)
		}
		if n := strings.Count(out, "\n"); n != 4 {
			t.Errorf("got %d lines, want 4 (header, finding, blank, summary):\n%s", n, out)
		}
	}
}

func TestTableListing(t *testing.T) {
	t.Parallel()
	var quiet, verbose bytes.Buffer
	if err := WriteTable(&quiet, sample(), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&verbose, sample(), TableOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"notes/README.bin", "clean model.safetensors"} {
		if strings.Contains(quiet.String(), path) {
			t.Errorf("%s listed without Verbose", path)
		}
		if !strings.Contains(verbose.String(), path) {
			t.Errorf("%s not listed with Verbose", path)
		}
	}
	if !strings.Contains(quiet.String(), "(2 not listed)") {
		t.Errorf("hidden files not counted:\n%s", quiet.String())
	}
	if strings.Contains(quiet.String(), " \n") || strings.Contains(verbose.String(), " \n") {
		t.Error("trailing spaces")
	}
}
