package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOutputThroughSymlink: -o on a symbolic link writes the link's target
// and leaves the link in place (issue 9 §5).
func TestOutputThroughSymlink(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"a.pkl": clean})
	out := t.TempDir()
	target := filepath.Join(out, "report.json")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(out, "latest.json")
	if err := os.Symlink("report.json", link); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "scan", "--format", "json", "-o", link, dir); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", st.Mode(), err)
	}
	b, err := os.ReadFile(target)
	if err != nil || !json.Valid(b) {
		t.Fatalf("target not rewritten: %q %v", b, err)
	}
}

// TestOutputKeepsMode: -o over an existing 0600 file keeps 0600.
func TestOutputKeepsMode(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"a.pkl": clean})
	p := filepath.Join(t.TempDir(), "report.txt")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "scan", "-o", p, dir); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600 (%v)", st.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(p); bytes.Equal(b, []byte("old")) {
		t.Fatal("report not written")
	}
}

// TestAllowlistFIFO: --allowlist on a FIFO with no writer is refused at
// once, with an error naming it (it used to block forever).
func TestAllowlistFIFO(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"a.pkl": clean})
	fifo := filepath.Join(t.TempDir(), "allow.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := run(t, "scan", "--allowlist", fifo, dir)
		done <- result{code, stderr}
	}()
	select {
	case r := <-done:
		if r.code != ExitError || !strings.Contains(r.stderr, "not a regular file") || !strings.Contains(r.stderr, fifo) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	case <-time.After(30 * time.Second):
		// Unblock the open so the goroutine can end, then fail.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("--allowlist on a FIFO blocked")
	}
}

// TestProgressEscapes: the progress line escapes control characters in
// file names, as the table does (issue 9 §6).
func TestProgressEscapes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := progressPrinter(&b)
	p(1, 2, "evil\x1b]0;pwned\x07\x1b[2J.pkl")
	got := b.String()
	// The printer's own "\r\033[K" is the only escape allowed.
	if strings.Count(got, "\x1b") != 1 || strings.ContainsRune(got, '\a') {
		t.Errorf("raw control characters on the progress line: %q", got)
	}
	if !strings.Contains(got, `evil\x1b]0;pwned\a\x1b[2J.pkl`) {
		t.Errorf("name not escaped as the table does: %q", got)
	}
}

// TestJSONPathBytes: a path that is not UTF-8 keeps its raw bytes in
// path_bytes, so it can be opened and two such names stay distinct.
func TestJSONPathBytes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := []string{"a\xff.pkl", "a\xfe.pkl", "plain.pkl"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(clean), 0o644); err != nil {
			t.Skipf("file system refuses non-UTF-8 names: %v", err)
		}
	}
	code, stdout, stderr := run(t, "scan", "--format", "json", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Files []struct {
			Path      string `json:"path"`
			PathBytes string `json:"path_bytes"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range rep.Files {
		raw := f.Path
		if f.PathBytes != "" {
			b, err := base64.StdEncoding.DecodeString(f.PathBytes)
			if err != nil {
				t.Fatal(err)
			}
			raw = string(b)
		} else if f.Path != "plain.pkl" {
			t.Errorf("%q: no path_bytes", f.Path)
		}
		if _, err := os.Stat(filepath.Join(dir, raw)); err != nil {
			t.Errorf("path %q does not open the file: %v", raw, err)
		}
		seen[raw] = true
	}
	if len(seen) != len(names) {
		t.Errorf("%d distinct paths, want %d: %v", len(seen), len(names), seen)
	}
}
