package python

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func analyze(t *testing.T, src string) Analysis {
	t.Helper()
	m, err := Parse(src, DefaultLimits())
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return Analyze(m, DefaultLimits())
}

// worst returns the worst class of an analysis (benign when none) and the
// callees reported with it.
func worst(an Analysis) (Class, []string) {
	c := benign
	var callees []string
	for _, is := range an.Issues {
		if is.Class > c {
			c, callees = is.Class, nil
		}
		if is.Class == c {
			callees = append(callees, is.Callee)
		}
	}
	return c, callees
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      Class
		callee    string
	}{
		{"plain definitions", "import os\nclass A:\n    x: int = 1\n    def f(self):\n        return os.path.join('a', 'b')\n", benign, ""},
		{"main guard", "import os\nif __name__ == '__main__':\n    os.system('x')\n", Deferred, "os.system"},
		{"main guard reversed quotes", "import os\nif \"__main__\" == __name__:\n    os.system('x')\n", Deferred, "os.system"},
		{"type checking", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import evil\n    evil.run()\n", benign, ""},
		{"else of a main guard runs", "import os\nif __name__ == '__main__':\n    pass\nelse:\n    os.system('x')\n", Dangerous, "os.system"},
		{"import alias", "import subprocess as sp\nsp.check_output(['x'])\n", Dangerous, "subprocess.check_output"},
		{"from import alias", "from os import popen as p\np('x')\n", Dangerous, "os.popen"},
		{"rebinding clears an alias", "import os\nrun = os.system\nrun = print\nrun('x')\n", benign, ""},
		{"alias through assignment", "import os\nrun = os.system\nrun('x')\n", Dangerous, "os.system"},
		{"getattr literal", "import os\ngetattr(os, 'system')('x')\n", Dangerous, "os.system"},
		{"getattr computed", "import os\nn = 'sys' + 'tem'\ngetattr(os, n)('x')\n", Dynamic, "builtins.getattr"},
		{"__builtins__ subscript", "__builtins__['exec']('x')\n", Dangerous, "builtins.exec"},
		{"builtins dict", "import builtins\nbuiltins.__dict__['eval']('1')\n", Dangerous, "builtins.eval"},
		{"globals subscript", "globals()['eval']('1')\n", Dangerous, "builtins.eval"},
		{"local function called", "import os\ndef setup():\n    os.system('x')\nsetup()\n", Dangerous, "os.system"},
		{"local function not called", "import os\ndef setup():\n    os.system('x')\n", Deferred, "os.system"},
		{"recursion", "def f():\n    f()\nf()\n", benign, ""},
		{"class instantiated", "import os\nclass C:\n    def __init__(self):\n        os.remove('/x')\nC()\n", Dangerous, "os.remove"},
		{"default argument", "import os\ndef f(x=os.getcwd(), y=os.system('x')):\n    pass\n", Dangerous, "os.system"},
		{"annotation", "import os\nx: os.system('x')\n", Dangerous, "os.system"},
		{"comprehension", "import os\nr = [os.system(c) for c in ['a']]\n", Dangerous, "os.system"},
		{"lambda not called", "import os\nf = lambda: os.system('x')\n", Deferred, "os.system"},
		{"lambda default", "import os\nf = lambda x=os.system('x'): x\n", Dangerous, "os.system"},
		{"nested f-string", "import os\ns = f\"{f'{os.system(\"x\")}'}\"\n", Dangerous, "os.system"},
		{"format spec field", "import os\ns = f'{1:{os.system(\"x\")}}'\n", Dangerous, "os.system"},
		{"with open write", "with open('/tmp/x', mode='a') as f:\n    f.write('x')\n", Dangerous, "builtins.open"},
		{"open read", "data = open('/etc/hosts').read()\n", Unknown, "builtins.open"},
		{"network", "import urllib.request\nurllib.request.urlopen('http://127.0.0.1/')\n", Dangerous, "urllib.request.urlopen"},
		{"socket methods once", "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9))\n", Dangerous, "socket.socket"},
		{"environment", "import os\nos.environ['X'] = '1'\n", Environment, "os.environ.X"},
		{"monkey-patching", "import pickle\npickle.loads = print\n", Unknown, "pickle.loads"},
		{"star import call", "from evil import *\nrun()\n", Unknown, "run"},
		{"relative helper", "from ...utils import logging\nlogger = logging.get_logger(__name__)\n", benign, ""},
		{"relative call", "from .helpers import boot\nboot()\n", Unknown, ".helpers.boot"},
		{"dunder walk", "x = ().__class__.__base__.__subclasses__()\n", Dynamic, ""},
		{"decorator called", "import os\n@os.system\ndef f():\n    pass\n", Dangerous, "os.system"},
		{"class decorator factory", "from transformers.utils import add_start_docstrings\n@add_start_docstrings('x')\nclass A:\n    pass\n", benign, ""},
		{"match subject", "import os\nmatch os.system('x'):\n    case 0:\n        pass\n", Dangerous, "os.system"},
		{"match as a name", "match = 1\ncase = match + 1\n", benign, ""},
		{"walrus", "import os\nif (n := os.system('x')):\n    pass\n", Dangerous, "os.system"},
		{"try body", "try:\n    import torch\n    torch.hub.load('a', 'b')\nexcept ImportError:\n    pass\n", Dangerous, "torch.hub.load"},
		{"import_module literal", "import importlib\nimportlib.import_module('subprocess').run(['x'])\n", Dangerous, "subprocess.run"},
		{"passed callable", "import os, functools\nf = functools.partial(os.system, 'x')\n", Dangerous, "os.system"},
		{"vars of a module", "import os\nvars(os)['system']('x')\n", Dangerous, "os.system"},
		{"from_pretrained", "from transformers import AutoModel\nm = AutoModel.from_pretrained('x')\n", Dangerous, "transformers.AutoModel.from_pretrained"},
		{"torch flags", "import torch\ntorch.backends.cudnn.benchmark = True\n", Environment, "torch.backends.cudnn.benchmark"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			an := analyze(t, c.src)
			got, callees := worst(an)
			if got != c.want {
				t.Fatalf("worst class %d, want %d: %+v", got, c.want, an.Issues)
			}
			if c.callee != "" && !strings.Contains(strings.Join(callees, " "), c.callee) {
				t.Errorf("callees %v, want %s", callees, c.callee)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	toks, err := Tokenize("x = f'a{b!r}{c:>{w}}' rb'\\x00' \"\"\"t\nu\"\"\"\nif y:\n    z(1,\n      2)\n", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var fields []string
	for _, tk := range toks {
		kinds = append(kinds, tk.Kind.String())
		for _, f := range tk.Fields {
			fields = append(fields, f.Src)
		}
	}
	want := "NAME OP STRING STRING STRING NEWLINE NAME NAME OP NEWLINE INDENT NAME OP NUMBER OP NUMBER OP NEWLINE DEDENT EOF"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("kinds\n got %s\nwant %s", got, want)
	}
	if got := strings.Join(fields, ","); got != "b,c,w" {
		t.Errorf("fields %q, want b,c,w", got)
	}
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		off  int
		what string
	}{
		{"x = (1,\n", 8, "never closed"},
		{"x = 'abc\n", 4, "unterminated string"},
		{"if x:\n  a\n b\n", 11, "unindent"},
		{"x = 1)\n", 5, "unmatched"},
		{"f'{x'\n", 4, "unterminated string"},
		{"f'{x\n", 3, "f-string"},
		{"x = $\n", 4, "invalid character"},
		{"class A\n  pass\n", 7, "expected ':'"},
	}
	for _, c := range cases {
		_, err := Parse(c.src, DefaultLimits())
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v, want a SyntaxError", c.src, err)
			continue
		}
		if se.Off != c.off || !strings.Contains(se.Msg, c.what) {
			t.Errorf("%q: %v (offset %d), want %q at %d", c.src, err, se.Off, c.what, c.off)
		}
	}
	// The scanner reports it as a FormatError at the offset: invalid.
	src := "def f(:\n"
	res, err := New().Scan(context.Background(), scanners.File{Path: "x.py", Size: int64(len(src)), R: strings.NewReader(src)})
	var fe *scanners.FormatError
	if !errors.As(err, &fe) || fe.Format != "python" || scanners.VerdictOf(res.Findings, err) != scanners.Invalid {
		t.Errorf("scan of a broken file: %v %+v", err, res)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("(", 150) + strings.Repeat(")", 150) + "\n"
	if _, err := Parse(deep, DefaultLimits()); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep brackets: %v", err)
	}
	lim := DefaultLimits()
	lim.MaxTokens = 100
	if _, err := Parse(strings.Repeat("x = 1\n", 100), lim); err == nil || !strings.Contains(err.Error(), "tokens") {
		t.Errorf("many tokens: %v", err)
	}
	big := strings.Repeat("import os\nos.system('x')\n", 2000)
	an := analyze(t, big)
	if len(an.Issues) > maxIssues+1 {
		t.Errorf("%d issues kept, want at most %d", len(an.Issues), maxIssues+1)
	}
}
