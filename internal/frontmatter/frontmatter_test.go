package frontmatter

import (
	"bytes"
	"errors"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, meta, body string
		unclosed             bool
	}{
		{"card", "---\nlicense: mit\n---\n# Title\n", "license: mit\n", "# Title\n", false},
		{"CRLF and BOM", "\xef\xbb\xbf---\r\nlicense: mit\r\n---\r\nbody", "license: mit\r\n", "body", false},
		{"no front matter", "# Title\n", "", "# Title\n", false},
		{"not closed", "---\nlicense: mit\n", "", "license: mit\n", true},
		{"empty", "---\n---\n", "", "", false},
	} {
		meta, _, body, unclosed := Split([]byte(tc.in))
		if string(meta) != tc.meta || string(body) != tc.body || unclosed != tc.unclosed {
			t.Errorf("%s: meta %q body %q unclosed %v", tc.name, meta, body, unclosed)
		}
	}
}

func TestDecodeAndWalk(t *testing.T) {
	t.Parallel()
	doc, err := Decode([]byte("license: mit\ntags: [a, b]\nbase: &x org/model\nagain: *x\nnull_key: ~\n"))
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	if Scalar(Get(root, "license", 64), 64) != "mit" || Scalar(Get(root, "again", 64), 64) != "org/model" {
		t.Error("scalars or aliases not read")
	}
	if got := StrList(Get(root, "tags", 64), 8, 64); len(got) != 2 || got[1] != "b" {
		t.Errorf("tags %v", got)
	}
	if Scalar(Get(root, "null_key", 64), 64) != "" || Get(root, "missing", 64) != nil {
		t.Error("null or missing keys give values")
	}
	if got := StrList(Get(root, "tags", 64), 1, 64); len(got) != 1 {
		t.Errorf("item bound not applied: %v", got)
	}
	if _, err := Decode(bytes.Repeat([]byte("a: b\n"), MaxSize/4)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized front matter: %v", err)
	}
	if _, err := Decode([]byte("a: [unclosed")); err == nil {
		t.Error("bad YAML accepted")
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	if got := Truncate("héllo wörld", 6); len(got) > 6 || got != "h…" && got != "hé…" {
		t.Errorf("%q", got)
	}
	if Truncate("short", 10) != "short" {
		t.Error("short string changed")
	}
}

func TestFindLate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     int
	}{
		{"at the top", "---\nlicense: mit\n---\n", 0},
		{"blank line first", "\n---\nlicense: mit\n---\n# T\n", 2},
		{"comment first", "<!-- generated\nby a tool -->\n\n---\nlicense: mit\n---\n", 4},
		{"one-line comment", "\ufeff<!-- x -->\n---\r\ntags: [a]\r\n---\r\n", 2},
		{"indented fence", "  ---\nlicense: mit\n---\n", 1},
		{"heading first", "# T\n---\nlicense: mit\n---\n", 0},
		{"thematic break around prose", "\n---\nJust prose.\n---\n", 0},
		{"not closed", "\n---\nlicense: mit\n", 0},
		{"empty block", "\n---\n---\n", 0},
		{"broken yaml", "\n---\nlicense: [\n---\n", 0},
		{"no front matter", "# Title\nbody\n", 0},
		{"empty", "", 0},
	} {
		if got := FindLate([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: FindLate = %d, want %d", tc.name, got, tc.want)
		}
	}
}
