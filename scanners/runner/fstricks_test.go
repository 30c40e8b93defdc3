package runner

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestSymlinkedRoot: a root given as a symbolic link to a directory is
// followed (issue 9 §5): the malicious pickle inside is found, not reported
// as one unscanned link.
func TestSymlinkedRoot(t *testing.T) {
	t.Parallel()
	link := filepath.Join("..", "..", "testdata", "hostile", "fs", "linkdir")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is not a symbolic link: %v", link, err)
	}
	rep, err := New(WithoutHash()).Scan(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Path != "model.pkl" || rep.Files[0].Verdict != scanners.Malicious {
		t.Fatalf("got %+v", rep.Files)
	}
}

// unreadableEnv names the directory the re-executed test scans.
const unreadableEnv = "AIBOM_TEST_UNREADABLE_DIR"

// TestUnreadableSubdir: a subdirectory that cannot be listed fails the
// scan (invalid), as an unreadable file does (issue 9 §5). Root reads any
// directory, so as root the test re-executes itself as nobody (uid 65534)
// over a directory it made.
func TestUnreadableSubdir(t *testing.T) {
	if dir := os.Getenv(unreadableEnv); dir != "" {
		checkUnreadable(t, dir)
		return
	}
	dir, err := os.MkdirTemp("", "aibom-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.Chmod(filepath.Join(dir, "model", "secret"), 0o755)
		_ = os.RemoveAll(dir)
	})
	write(t, dir, "model/ok.txt", []byte("hello\n"))
	write(t, dir, "model/secret/model.pkl", []byte("\x80\x02cos\nsystem\n(S'true'\ntR."))
	if err := os.Chmod(filepath.Join(dir, "model", "secret"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		checkUnreadable(t, filepath.Join(dir, "model"))
		return
	}
	// As root: copy this test binary where nobody can run it, and run it.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "runner.test")
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestUnreadableSubdir$", "-test.v")
	cmd.Env = []string{unreadableEnv + "=" + filepath.Join(dir, "model"), "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, fs.ErrPermission) {
		t.Skipf("cannot run the test binary as nobody from %s (noexec?): %v", dir, err)
	}
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
}

func checkUnreadable(t *testing.T, dir string) {
	t.Helper()
	rep, err := New(WithoutHash()).Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := byPath(rep)
	if r := got["secret"]; r.Verdict != scanners.Invalid || len(r.Errors) == 0 {
		t.Errorf("unreadable directory: %+v, want invalid with an error", r)
	}
	if r := got["ok.txt"]; r.Verdict != scanners.Unscanned {
		t.Errorf("ok.txt: %+v", r)
	}
	if rep.Summary.Worst != scanners.Invalid {
		t.Errorf("worst verdict %s, want invalid", rep.Summary.Worst)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
