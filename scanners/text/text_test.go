package text

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func TestScan(t *testing.T) {
	t.Parallel()
	gh := "ghp_" + strings.Repeat("aB3", 12)
	aws := "AKIA" + "ABCDEFGH12345678"
	// A token straddling the chunk boundary is found once.
	straddle := strings.Repeat("x", chunk-10) + " " + gh + " "
	cases := []struct {
		name, body string
		kinds      []string
		offsets    []int
	}{
		{"config.json", `{"model_type": "llama", "token": "` + gh + `"}`, []string{"github-token"}, []int{len(`{"model_type": "llama", "token": "`)}},
		{"README.md", "---\nlicense: mit\n---\nUse key " + aws + " to download.\n", []string{"aws-access-key-id"}, []int{len("---\nlicense: mit\n---\nUse key ")}},
		{"big.txt", straddle, []string{"github-token"}, []int{chunk - 9}},
		{"config.json", `{"model_type": "llama"}`, nil, nil},
	}
	for _, c := range cases {
		f := scanners.File{Path: c.name, Size: int64(len(c.body)), R: bytes.NewReader([]byte(c.body))}
		if !New().Match(f, []byte(c.body[:min(len(c.body), scanners.HeadSize)])) {
			t.Fatalf("%s: not matched", c.name)
		}
		res, err := New().Scan(context.Background(), f)
		if c.kinds == nil {
			if !errors.Is(err, scanners.ErrNotMatched) {
				t.Errorf("%s: %v %+v, want declined", c.name, err, res.Findings)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != len(c.kinds) {
			t.Fatalf("%s: %+v", c.name, res.Findings)
		}
		for i, fd := range res.Findings {
			if fd.Global != c.kinds[i] || fd.Offset != int64(c.offsets[i]) || fd.Severity != scanners.High {
				t.Errorf("%s: %+v, want %s at %d", c.name, fd, c.kinds[i], c.offsets[i])
			}
			if strings.Contains(fd.Message, "aB3aB3") || strings.Contains(fd.Message, "EFGH1234") {
				t.Errorf("%s: value in the message: %s", c.name, fd.Message)
			}
		}
	}
}

func TestMatchNames(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{"config.json": true, "a/README.md": true, "README": true, "x.yaml": true,
		"model.safetensors": false, "blob.bin": false, "x.py": false} {
		f := scanners.File{Path: name, Size: 4, R: bytes.NewReader([]byte("text"))}
		if got := New().Match(f, []byte("text")); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	f := scanners.File{Path: "x.json", Size: 3, R: bytes.NewReader([]byte("a\x00b"))}
	if New().Match(f, []byte("a\x00b")) {
		t.Error("binary matched")
	}
}
