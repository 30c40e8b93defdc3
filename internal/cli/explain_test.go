package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	allow := filepath.Join(t.TempDir(), "allowed.txt")
	if err := os.WriteFile(allow, []byte("mypkg.models.Net # our model\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "explain", "--format", "json", "--allowlist", allow,
		"pandas.core.frame.DataFrame", "numpy.lib.npyio.os.system", "mypkg.Net", "mypkg.models.Net", "platform.uname_result")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []explanation
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := []struct{ status, verdict, source, match string }{
		{"allowed", "clean", "scanners/pickle/allowlist/pandas.txt:", ""},
		{"denied", "malicious", "scanners/pickle/denylist/stdlib.txt:", "os.system"},
		{"unknown", "suspicious", "", ""},
		{"allowed", "clean", allow + ":1", ""},
		{"allowed", "clean", "scanners/pickle/allowlist/stdlib.txt:", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d explanations, want %d: %s", len(got), len(want), out)
	}
	for i, w := range want {
		g := got[i]
		if g.Status != w.status || g.Verdict != w.verdict || g.Match != w.match || g.Reason == "" ||
			(w.source == "") != (g.Source == "") || !strings.HasPrefix(g.Source, w.source) {
			t.Errorf("%s: %+v, want %+v", g.Name, g, w)
		}
	}
	if got[3].Reason != "our model" {
		t.Errorf("reason from the user's allowlist: %q", got[3].Reason)
	}

	code, out, _ = run(t, "explain", "builtins.getattr")
	if code != ExitOK || !strings.Contains(out, "builtins.getattr: denied") || !strings.Contains(out, "scanners/pickle/denylist/stdlib.txt:") {
		t.Errorf("table output (exit %d):\n%s", code, out)
	}
	if code, _, _ := run(t, "explain", "--format", "xml", "os.system"); code != ExitError {
		t.Errorf("bad --format: exit %d, want %d", code, ExitError)
	}
	if code, _, _ := run(t, "explain"); code != ExitError {
		t.Errorf("no name: exit %d, want %d", code, ExitError)
	}
}
