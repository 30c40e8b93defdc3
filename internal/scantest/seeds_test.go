package scantest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func TestSeedFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"a.bin": "aa", "b.bin": "bbbb", "c.txt": "c"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	got := SeedFiles(t, 0, filepath.Join(dir, "*.bin"), filepath.Join(dir, "*.txt"), filepath.Join(dir, "*.none"))
	if diff := cmp.Diff([][]byte{[]byte("aa"), []byte("bbbb"), []byte("c")}, got); diff != "" {
		t.Errorf("all files (-want +got):\n%s", diff)
	}
	got = SeedFiles(t, 4, filepath.Join(dir, "*"))
	if diff := cmp.Diff([][]byte{[]byte("aa"), []byte("c")}, got); diff != "" {
		t.Errorf("files under 4 bytes (-want +got):\n%s", diff)
	}
}

// fatalTB records a Fatalf or an Errorf instead of failing the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func (f *fatalTB) Errorf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestCheckFormatError(t *testing.T) {
	in := &scanners.FormatError{Format: "gguf", Offset: 10, Msg: "bad"}
	cases := []struct {
		err    error
		format string
		size   int64
		fails  bool
	}{
		{in, "gguf", 10, false},
		{fmt.Errorf("wrapped: %w", in), "gguf", 100, false},
		{in, "onnx", 100, true},
		{in, "gguf", 9, true},
		{&scanners.FormatError{Format: "gguf", Offset: -1}, "gguf", 100, true},
		{fmt.Errorf("plain"), "gguf", 100, true},
	}
	for _, c := range cases {
		tb := &fatalTB{TB: t}
		CheckFormatError(tb, c.err, c.format, c.size)
		if (tb.msg != "") != c.fails {
			t.Errorf("CheckFormatError(%v, %s, %d): failed %q, want failure %v", c.err, c.format, c.size, tb.msg, c.fails)
		}
	}
}

func TestWantFormatError(t *testing.T) {
	in := fmt.Errorf("reading: %w", &scanners.FormatError{Format: "tflite", Offset: 12, Msg: "vector of 9 past the end"})
	cases := []struct {
		err    error
		format string
		msg    string
		off    int64
		fails  bool
	}{
		{in, "tflite", "past the end", 12, false},
		{in, "tflite", "vector of 9", -1, false},
		{in, "tflite", "past the end", 11, true},
		{in, "tflite", "before the start", -1, true},
		{in, "onnx", "past the end", 12, true},
		{fmt.Errorf("past the end"), "tflite", "past the end", -1, true},
		{nil, "tflite", "", -1, true},
	}
	for _, c := range cases {
		tb := &fatalTB{TB: t}
		WantFormatError(tb, c.err, c.format, c.msg, c.off)
		if (tb.msg != "") != c.fails {
			t.Errorf("WantFormatError(%v, %s, %q, %d): failed %q, want failure %v", c.err, c.format, c.msg, c.off, tb.msg, c.fails)
		}
	}
}
