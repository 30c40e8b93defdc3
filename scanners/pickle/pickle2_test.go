package pickle

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// pickle2Fixture is an entry of testdata/pickle2/expected.json (gen.py).
type pickle2Fixture struct {
	Section int    `json:"section"`
	Loader  string `json:"loader"`
	Payload string `json:"payload"`
	Verdict string `json:"verdict"`
	Hit     string `json:"hit"`
	Why     string `json:"why"`
}

func pickle2Fixtures(t *testing.T) (string, map[string]pickle2Fixture, []string) {
	t.Helper()
	root := filepath.Join("..", "..", "testdata", "pickle2")
	raw, err := os.ReadFile(filepath.Join(root, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]pickle2Fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(fx))
	for n := range fx {
		names = append(names, n)
	}
	sort.Strings(names)
	return root, fx, names
}

// citation matches a list entry's source: an advisory, a CVE, a URL or this
// project's issue.
var citation = regexp.MustCompile(`GHSA-[0-9a-z]{4}-|CVE-\d{4}-\d+|https://|issue 11|picklescan|PEP \d+`)

// TestPickle2Fixtures scans every fixture of testdata/pickle2 and checks
// aibom's verdict; for the gadgets of §2, that the deciding finding is
// critical and names the listed callable, and that the denylist entry
// deciding it cites its source.
func TestPickle2Fixtures(t *testing.T) {
	t.Parallel()
	root, fx, names := pickle2Fixtures(t)
	if len(names) < 40 {
		t.Fatalf("only %d fixtures", len(names))
	}
	s := New()
	for _, name := range names {
		f := fx[name]
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Scan(context.Background(), scanners.File{Path: name, Size: int64(len(b)), R: bytes.NewReader(b)})
			if got := scanners.VerdictOf(res.Findings, err).String(); got != f.Verdict {
				t.Errorf("%s, want %s (%s); findings %+v; error %v", got, f.Verdict, f.Why, res.Findings, err)
			}
			if f.Hit == "" {
				return
			}
			if !criticalOn(res.Findings, f.Hit) {
				t.Errorf("no critical finding on %s: %+v", f.Hit, res.Findings)
			}
			if f.Section != 2 || !strings.HasPrefix(f.Payload, f.Hit) {
				return // the BUILD override: the payload is the allowed name it replaced
			}
			if x := s.pol.Explain(f.Payload); x.Class != Dangerous || x.Entry == nil {
				t.Errorf("%s: %+v, want denied by a list entry", f.Payload, x)
			}
		})
	}
}

func criticalOn(fs []scanners.Finding, hit string) bool {
	for _, f := range fs {
		if f.Severity == scanners.Critical && (f.Global == hit || strings.HasPrefix(f.Global, hit+".")) {
			return true
		}
	}
	return false
}

// TestIssue11DenyEntriesCited: every denylist entry added for issue 11
// (after the "# Issue 11" comment of each file) cites its source, and is
// the entry that decides one of the generated gadget fixtures.
func TestIssue11DenyEntriesCited(t *testing.T) {
	t.Parallel()
	_, fx, _ := pickle2Fixtures(t)
	p := DefaultPolicy()
	decided := map[string]bool{}
	for _, f := range fx {
		if x := p.Explain(f.Payload); f.Section == 2 && x.Entry != nil {
			decided[x.Entry.Pattern] = true
		}
	}
	n := 0
	for name, b := range ListFiles() {
		_, rest, ok := bytes.Cut(b, []byte("\n# Issue 11"))
		if !strings.HasPrefix(name, "denylist/") || !ok {
			continue
		}
		_, rest, _ = bytes.Cut(rest, []byte("\n"))
		es, err := parseList(bytes.NewReader(rest), name, true, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			n++
			if !citation.MatchString(e.Reason) {
				t.Errorf("%s %s: no source cited in %q", name, e.Pattern, e.Reason)
			}
			if !decided[e.Pattern] {
				t.Errorf("%s %s: no generated fixture is decided by it", name, e.Pattern)
			}
		}
	}
	if n < 15 {
		t.Errorf("only %d issue-11 entries", n)
	}
}
