package chattemplate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func file(b []byte) scanners.File {
	return scanners.File{Path: "f", Size: int64(len(b)), R: bytes.NewReader(b)}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		b    string
		want bool
	}{
		{"tokenizer config", `{"bos_token": "<s>", "chat_template": "{{ messages }}"}`, true},
		{"config without template", `{"model_type": "llama"}`, false},
		{"template file", "{%- for message in messages %}{{ message.content }}{% endfor %}", true},
		{"template with leading comment", "{# chat #}\n{{ bos_token }}{% for m in messages %}{% endfor %}", true},
		{"python source holding a template", "t = \"{{ messages }}\"\nprint(t)\n", false},
		{"jinja that is not a chat template", "{% extends 'base.html' %}{{ title }}", false},
		{"binary", "\x00\x01{{ messages }}", false},
		{"escaped key", `{"chat\u005ftemplate": "{{ x }}"}`, true},
		{"escaped other key", `{"chat\u005ftemplates": "{{ x }}"}`, false},
		{"broken JSON without a template", `{"model_type": "llama", `, false},
		{"nested chat_template only", `{"a": {"chat_template": "{{ x }}"}}`, false},
	} {
		if got := recognised([]byte(tc.b)); got != tc.want {
			t.Errorf("%s: recognised = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		b       string
		verdict scanners.Verdict
		global  string
	}{
		{"clean string", `{"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}`, scanners.Clean, ""},
		{"dunder walk", `{"chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}{{ messages }}"}`, scanners.Malicious, "__subclasses__"},
		{"named list", `{"chat_template": [{"name": "default", "template": "{{ messages }}"},
			{"name": "tool_use", "template": "{{ cycler.__init__.__globals__.os.popen('id') }}"}]}`, scanners.Malicious, ""},
		{"bad chat_template type", `{"chat_template": 42}`, scanners.Invalid, ""},
		{"template file", "{{ lipsum.__globals__['os'].popen('id').read() }}{{ messages }}", scanners.Malicious, "lipsum.__globals__"},
		{"escaped key", `{"chat\u005ftemplate": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}`, scanners.Malicious, "__subclasses__"},
		// Python's json keeps the last of two equal keys.
		{"duplicate key", `{"chat_template": "{{ messages }}", "chat_template": "{{ x.__class__ }}"}`, scanners.Malicious, "__class__"},
		{"template, then bad JSON", `{"chat_template": "{{ x.__class__ }}", "a": }`, scanners.Malicious, "__class__"},
	} {
		fs, err := scanners.FindingsOf(New().Scan(context.Background(), file([]byte(tc.b))))
		if v := scanners.VerdictOf(fs, err); v != tc.verdict {
			t.Errorf("%s: verdict %v, want %v (%v, %v)", tc.name, v, tc.verdict, fs, err)
		}
		found := tc.global == ""
		for _, f := range fs {
			found = found || strings.Contains(f.Global, tc.global)
		}
		if !found {
			t.Errorf("%s: %s not reported in %v", tc.name, tc.global, fs)
		}
		var fe *scanners.FormatError
		if err != nil && !errors.As(err, &fe) {
			t.Errorf("%s: error %v is not a FormatError", tc.name, err)
		}
	}
}

func TestDigestAndOffsets(t *testing.T) {
	t.Parallel()
	src := "{{ messages }}{{ x.__class__ }}"
	ts, err := Parse(bytes.NewReader([]byte(src)), int64(len(src)))
	if err != nil || len(ts) != 1 || len(ts[0].SHA256) != 64 {
		t.Fatalf("%v %v", ts, err)
	}
	fs, _ := scanners.FindingsOf(New().Scan(context.Background(), file([]byte(src))))
	for _, f := range fs {
		if f.Rule == RuleTemplateSSTI && (f.Offset < 14 || f.Offset >= int64(len(src))) {
			t.Errorf("finding at %d, want inside the second tag", f.Offset)
		}
	}
}

func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "models", "chat_template", "*"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"chat_template": [{"name": "a", "template": "{{ x }}"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Parse(bytes.NewReader(b), int64(len(b))); err != nil {
			var fe *scanners.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FormatError", err)
			}
		}
		s := New()
		if s.Match(file(b), b) {
			_, _ = scanners.FindingsOf(s.Scan(context.Background(), file(b)))
		}
	})
}

// recognised is Match, then Scan not declining: a JSON object is matched by
// its head and declined by Scan when it names no chat template.
func recognised(b []byte) bool {
	s := New()
	if !s.Match(file(b), b) {
		return false
	}
	_, err := s.Scan(context.Background(), file(b))
	return !errors.Is(err, scanners.ErrNotMatched)
}

// TestWholeTemplate: a file named like a Jinja template is a template
// whatever its first 4 KiB hold (plain text, a long comment), and all of it
// is analysed (issue 9 §3); a text file with another name still needs a
// Jinja tag at its start and the chat variables.
func TestWholeTemplate(t *testing.T) {
	t.Parallel()
	payload := "{{ ''.__class__.__mro__[1].__subclasses__() }}"
	for name, text := range map[string]string{
		"plain_text":   "You are a helpful assistant.\n" + payload,
		"long_comment": "{# " + strings.Repeat("x", 5000) + " #}" + payload,
	} {
		b := []byte(text)
		head := b[:min(len(b), scanners.HeadSize)]
		s := New()
		for _, f := range []scanners.File{
			{Path: "m/chat_template.jinja", Size: int64(len(b)), R: bytes.NewReader(b)},
			{Path: "a.tar", Member: "x/tool.JINJA", Name: "x/tool.JINJA", Size: int64(len(b)), R: bytes.NewReader(b)},
		} {
			if !s.Match(f, head) {
				t.Errorf("%s as %s: not matched", name, f.Loc())
				continue
			}
			fs, err := scanners.FindingsOf(s.Scan(context.Background(), f))
			if v := scanners.VerdictOf(fs, err); v != scanners.Malicious {
				t.Errorf("%s as %s: %s, %v", name, f.Loc(), v, fs)
			}
		}
		if s.Match(scanners.File{Path: "notes.txt", Size: int64(len(b)), R: bytes.NewReader(b)}, head) {
			t.Errorf("%s as notes.txt: matched", name)
		}
	}
}
