package gguf

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func fileOf(b []byte) scanners.File {
	return scanners.File{Path: "m.gguf", Member: "inner", Size: int64(len(b)), R: bytes.NewReader(b)}
}

func head(b []byte) []byte { return b[:min(len(b), scanners.HeadSize)] }

func TestMatch(t *testing.T) {
	t.Parallel()
	s := New()
	for _, c := range []struct {
		in   []byte
		want bool
	}{{model(), true}, {[]byte("GGUF"), true}, {[]byte("FUGG\x03"), true}, {[]byte("GGU"), false}, {[]byte("ggml...."), false}, {nil, false}} {
		if got := s.Match(fileOf(c.in), head(c.in)); got != c.want {
			t.Errorf("Match(%q) = %v", head(c.in)[:min(len(c.in), 8)], got)
		}
	}
	if s.Name() != "gguf" {
		t.Error(s.Name())
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	payload := "{{ ''.__class__.__mro__[1].__subclasses__() }}"
	truncated := model([2]any{"tokenizer.chat_template.tool_use", payload})
	truncated = truncated[:len(truncated)-100]
	cases := []struct {
		name    string
		in      []byte
		verdict scanners.Verdict
		rule    string
		global  string
		errMsg  string
	}{
		{"benign", model(), scanners.Clean, RuleChatTemplate, "", ""},
		{"malicious default", build(3, [][2]any{{"tokenizer.chat_template", payload}}), scanners.Malicious, RuleTemplateSSTI, "__subclasses__", ""},
		{"malicious named", model([2]any{"tokenizer.chat_template.tool_use", payload}), scanners.Malicious, RuleTemplateSSTI, "__mro__", ""},
		{"obfuscated", model([2]any{"tokenizer.chat_template.rag", "{{ ()|attr('__cla'~'ss__') }}"}), scanners.Malicious, RuleTemplateSSTI, "__class__", ""},
		{"unparseable", build(3, [][2]any{{"tokenizer.chat_template", "{% for %}"}}), scanners.Suspicious, RuleTemplateUnparseable, "", ""},
		{"template before error", truncated, scanners.Malicious, RuleTemplateSSTI, "__class__", "lies outside"},
		{"bad magic", []byte("GGUX\x03\x00\x00\x00"), scanners.Invalid, "", "", "bad magic"},
		{"swapped magic", []byte("FUGG\x03\x00\x00\x00"), scanners.Invalid, "", "", "byte-swapped"},
	}
	s := New()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scantest.ScanAs(context.Background(), s, fileOf(c.in))
			if v := scanners.VerdictOf(fs, err); v != c.verdict {
				t.Errorf("verdict %s, want %s; findings %+v, err %v", v, c.verdict, fs, err)
			}
			if c.errMsg != "" {
				var fe *scanners.FormatError
				if !errors.As(err, &fe) || !strings.Contains(fe.Msg, c.errMsg) || fe.Member != "inner" {
					t.Errorf("error %v, want %q in member inner", err, c.errMsg)
				}
			} else if err != nil {
				t.Errorf("error %v", err)
			}
			found := c.rule == ""
			for _, f := range fs {
				if f.Member != "inner" || f.Offset <= 0 || f.Offset >= int64(len(c.in)) || f.ATLAS == "" {
					t.Errorf("finding %+v: bad member, offset or ATLAS", f)
				}
				if f.Rule == c.rule && (strings.Contains(f.Global, c.global) || strings.Contains(f.Message, c.global)) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s finding naming %q in %+v", c.rule, c.global, fs)
			}
		})
	}
}

// TestScanOffsets checks that an SSTI finding points at the attribute in
// the file.
func TestScanOffsets(t *testing.T) {
	t.Parallel()
	in := build(3, [][2]any{{"tokenizer.chat_template.tool_use", "{{ x.__class__ }}"}})
	fs, _ := scanners.FindingsOf(New().Scan(context.Background(), fileOf(in)))
	for _, f := range fs {
		if f.Rule == RuleTemplateSSTI {
			if got := string(in[f.Offset : f.Offset+9]); got != "__class__" {
				t.Errorf("offset %d points at %q", f.Offset, got)
			}
			if !strings.HasPrefix(f.Message, "tokenizer.chat_template.tool_use: ") || f.Global != "x.__class__" {
				t.Errorf("finding %+v", f)
			}
			return
		}
	}
	t.Fatalf("no SSTI finding: %+v", fs)
}
