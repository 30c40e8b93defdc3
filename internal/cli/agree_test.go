package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScanAndGenerateAgree: `aibom scan` and `aibom generate` read the same
// source, so they list the same files with the same problems: the paths
// scan reports are the BOM's file components plus the paths generate
// reports as unreadable, for every fixture folder under testdata/ and for
// a folder of links, a FIFO and a .git folder.
func TestScanAndGenerateAgree(t *testing.T) {
	dirs := []string{filepath.Join("..", "..", "testdata", "models"), filepath.Join("..", "..", "testdata", "datasets")}
	for _, top := range dirs[:2] {
		subs, err := os.ReadDir(top)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range subs {
			if d.IsDir() {
				dirs = append(dirs, filepath.Join(top, d.Name()))
			}
		}
	}
	odd := fixtureDir(t, map[string]string{"m/a.pkl": "\x80\x02}.", "m/.git/HEAD": "ref", "outside.csv": "secret,1\n"})
	for link, target := range map[string]string{"m/dangling": "nowhere", "m/leaves.csv": "../outside.csv", "m/inside.pkl": "a.pkl"} {
		if err := os.Symlink(target, filepath.Join(odd, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(odd, "m", "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, filepath.Join(odd, "m"))
	for _, dir := range dirs {
		scanned, unread := scanPaths(t, dir)
		listed, problems := generatePaths(t, dir)
		if diff := cmp.Diff(scanned, append(listed, problems...), sortStrings); diff != "" {
			t.Errorf("%s: scan (-) and generate (+) list different files:\n%s", dir, diff)
		}
		if diff := cmp.Diff(unread, problems, sortStrings); diff != "" {
			t.Errorf("%s: scan (-) and generate (+) report different problems:\n%s", dir, diff)
		}
	}
	if _, unread := scanPaths(t, filepath.Join(odd, "m")); len(unread) != 3 {
		t.Errorf("problems %v, want the dangling link, the link leaving the source and the FIFO", unread)
	}
}

var sortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
})

// scanPaths returns the paths `aibom scan` reports, and those it could not
// read (an io error).
func scanPaths(t *testing.T, dir string) (all, unread []string) {
	t.Helper()
	code, out, stderr := run(t, "scan", "--format", "json", "--fail-on", "none", dir)
	if code != ExitOK {
		t.Fatalf("scan %s: exit %d: %s", dir, code, stderr)
	}
	var rep struct {
		Files []struct {
			Path   string `json:"path"`
			Errors []struct {
				Format string `json:"format"`
			} `json:"errors"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	all, unread = []string{}, []string{}
	for _, f := range rep.Files {
		all = append(all, f.Path)
		if len(f.Errors) == 1 && f.Errors[0].Format == "io" {
			unread = append(unread, f.Path)
		}
	}
	return all, unread
}

// generatePaths returns the file components of the BOM `aibom generate`
// writes, and the paths it reports as problems that are not components.
func generatePaths(t *testing.T, dir string) (files, problems []string) {
	t.Helper()
	code, out, stderr := run(t, "generate", dir)
	if code != ExitOK {
		t.Fatalf("generate %s: exit %d: %s", dir, code, stderr)
	}
	var bom struct {
		Components []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(out), &bom); err != nil {
		t.Fatal(err)
	}
	files, problems = []string{}, []string{}
	seen := map[string]bool{}
	for _, c := range bom.Components {
		if c.Type == "file" {
			files = append(files, c.Name)
			seen[c.Name] = true
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		p, _, ok := strings.Cut(strings.TrimPrefix(line, "aibom: "), ": ")
		if ok && !seen[p] && !seen[strings.TrimSuffix(p, "/README.md")] {
			seen[p] = true
			problems = append(problems, p)
		}
	}
	return files, problems
}
