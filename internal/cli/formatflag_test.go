package cli

import (
	"strings"
	"testing"
)

// TestFormatAndReferenceUsage: push, pull and verify refuse an unknown
// --format and a malformed reference alike, as usage errors (exit 2) that
// name the bad value, before any registry is contacted.
func TestFormatAndReferenceUsage(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"push", dir, "oci://127.0.0.1:1/x:v1", "--format", "yaml"}, `unknown --format "yaml" (want text or json)`},
		{[]string{"pull", "oci://127.0.0.1:1/x:v1", dir, "--format", "yaml"}, `unknown --format "yaml" (want text or json)`},
		{[]string{"verify", "oci://127.0.0.1:1/x:v1", "--format", "yaml"}, `unknown --format "yaml" (want text or json)`},
		{[]string{"push", dir, "oci://127.0.0.1:1/X:v1"}, "not an image reference"},
		{[]string{"pull", "oci://127.0.0.1:1/x:bad tag", dir}, "not an image reference"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != ExitError || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, ExitError, c.want)
		}
	}
}

func TestOrList(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"json"}, "json"},
		{[]string{"text", "json"}, "text or json"},
		{[]string{"cyclonedx-json", "cyclonedx-xml", "spdx-json"}, "cyclonedx-json, cyclonedx-xml or spdx-json"},
	} {
		if got := orList(c.in); got != c.want {
			t.Errorf("orList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
