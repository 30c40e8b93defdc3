package frontmatter

import (
	"bytes"
	"testing"
)

// FuzzFrontMatter checks that no card makes Split, Decode or the walkers
// panic, and that Split's pieces come from its input.
func FuzzFrontMatter(f *testing.F) {
	for _, s := range []string{
		"---\nlicense: mit\ntags: [a, b]\n---\n# body\n",
		"---\na: &x [1, 2]\nb: *x\n---\n",
		"---\nnot closed\n",
		"# no front matter\n",
		"\xef\xbb\xbf---\r\nk: v\r\n---\r\n",
		"\n<!-- a\ncomment -->\n---\nlicense: mit\n---\n",
		"  ---\na: 1\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if line := FindLate(b); line > 0 && line > bytes.Count(b, []byte("\n"))+1 {
			t.Fatalf("FindLate: line %d of a %d-line input", line, bytes.Count(b, []byte("\n"))+1)
		}
		meta, _, body, unclosed := Split(b)
		if FindLate(b) > 0 && (meta != nil || unclosed) {
			t.Fatal("FindLate found late front matter where Split finds it at the start")
		}
		if len(meta)+len(body) > len(b) {
			t.Fatalf("split produced %d bytes from %d", len(meta)+len(body), len(b))
		}
		doc, err := Decode(meta)
		if err != nil || doc == nil || len(doc.Content) == 0 {
			return
		}
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			key := Scalar(root.Content[i], 64)
			_ = StrList(Get(root, key, 64), 16, 64)
			_ = Items(root.Content[i+1], 16)
		}
	})
}
