package python

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzParse feeds arbitrary source to the tokenizer, the parser, the
// import-time analysis, Calls and the scanner: none may panic, token and
// field offsets stay inside the source, and an error is a SyntaxError.
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 1<<16, "testdata/*/*.py", "../../testdata/models/*/gen.py", "testdata/fuzz-seeds/*") {
		f.Add(string(b))
	}
	for _, s := range []string{
		"f'{x!r:>{width}}' f\"{'a' + f'{b}'}\"\n",
		"match p:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v}:\n        pass\n",
		"@d(x := 1)\nasync def f(a: int = g(), /, *, b: list[int] | None = None) -> None:\n    await h()\n",
		"class A(B, metaclass=M):\n  x = lambda y=os.system('id'): y\n",
		"x = (\n  1,\n  2)\\\n  + 3\n",
		"if True:\n\tpass\n        pass\n",
		"s = '''\nunterminated\n",
		"f'{'\n",
		"type X = list[int]\n",
	} {
		f.Add(s)
	}
	lim := DefaultLimits()
	lim.MaxTokens = 1 << 16
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := Tokenize(src, lim)
		for _, tk := range toks {
			if tk.Off < 0 || tk.Off > len(src) {
				t.Fatalf("token %v at %d outside %d bytes", tk, tk.Off, len(src))
			}
			for _, fl := range tk.Fields {
				if fl.Off < 0 || fl.Off+len(fl.Src) > len(src) {
					t.Fatalf("field %q at %d outside %d bytes", fl.Src, fl.Off, len(src))
				}
			}
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T: %v", err, err)
			}
		}
		m, err := Parse(src, lim)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		Analyze(m, lim)
		Calls(m.Body, lim)
		fl := scanners.File{Path: "x.py", Size: int64(len(src)), R: bytes.NewReader([]byte(src))}
		_, _ = New().Scan(context.Background(), fl)
	})
}
