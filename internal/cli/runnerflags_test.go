package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestGenerateAllowlist: generate shares scan's runner flags, so a class
// that --allowlist accepts is not reported in the BOM either.
func TestGenerateAllowlist(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"m/a.pkl": unknown, "allow.txt": "__main__.Net\n"})
	code, without, stderr := run(t, "generate", filepath.Join(dir, "m"))
	if code != ExitOK || !strings.Contains(without, "__main__.Net") {
		t.Fatalf("without the allowlist: exit %d, %s; the BOM does not report __main__.Net", code, stderr)
	}
	code, with, stderr := run(t, "generate", "--allowlist", filepath.Join(dir, "allow.txt"), filepath.Join(dir, "m"))
	if code != ExitOK || strings.Contains(with, "__main__.Net") || !strings.Contains(with, `"value": "clean"`) {
		t.Errorf("with the allowlist: exit %d, %s; the BOM still reports __main__.Net or the file is not clean", code, stderr)
	}
	if code, _, stderr := run(t, "generate", "--allowlist", filepath.Join(dir, "missing.txt"), filepath.Join(dir, "m")); code != ExitError {
		t.Errorf("missing allowlist: exit %d, %s", code, stderr)
	}
}

// TestProgressFlag: --progress=false turns the progress line off also when
// stderr is a terminal (a character device), and --progress turns it on
// when it is not; without the flag it follows the terminal.
func TestProgressFlag(t *testing.T) {
	t.Parallel()
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0) // a character device, as a terminal is
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	for _, verb := range []string{"scan", "generate"} {
		cmd, _, err := newRoot(io.Discard, io.Discard).Find([]string{verb})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"allowlist", "workers", "progress", "no-hash"} {
			if cmd.Flags().Lookup(name) == nil {
				t.Errorf("%s has no --%s", verb, name)
			}
		}
	}
	for _, tc := range []struct {
		args   []string
		stderr io.Writer
		want   bool
	}{
		{nil, tty, true},
		{[]string{"--progress=false"}, tty, false},
		{[]string{"--progress"}, io.Discard, true},
		{nil, io.Discard, false},
	} {
		o := &runnerOptions{}
		cmd := &cobra.Command{Use: "x"}
		o.AddFlags(cmd)
		if err := cmd.ParseFlags(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := o.showProgress(tc.stderr); got != tc.want {
			t.Errorf("%v: progress %v, want %v", tc.args, got, tc.want)
		}
	}
}
