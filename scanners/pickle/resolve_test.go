package pickle

import (
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// binunicode is BINUNICODE s (any length).
func binunicode(s string) []byte { return asm(byte('X'), u32(uint32(len(s))), s) }

// emb is a protocol 2 pickle of body, STOP.
func emb(body string) string { return proto2 + body + "." }

// gbl is protocol 2's GLOBAL module name.
func gbl(module, name string) string { return "c" + module + "\n" + name + "\n" }

// ruleCase is a pickle and what the scanner must say of it.
type ruleCase struct {
	name    string
	pickle  []byte
	verdict scanners.Verdict
	want    string // a severity:global that must be reported
	not     string // a global that must not be reported
}

// checkRules scans each case's pickle in a parallel subtest and checks
// the verdict and the globals reported.
func checkRules(t *testing.T, tests []ruleCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, tc.pickle)
			if got := scanners.VerdictOf(fs, err); got != tc.verdict {
				t.Fatalf("verdict %v, want %v (findings %v, err %v)", got, tc.verdict, globals(fs), err)
			}
			all := strings.Join(globals(fs), " ")
			if tc.want != "" && !strings.Contains(all, tc.want) {
				t.Errorf("findings %v do not report %s", globals(fs), tc.want)
			}
			if tc.not != "" && strings.Contains(all, tc.not) {
				t.Errorf("findings %v report %s", globals(fs), tc.not)
			}
		})
	}
}

func TestResolverRules(t *testing.T) {
	t.Parallel()
	tests := []ruleCase{
		// getattr on an allowed global with a literal name: judged by
		// what it reaches.
		{"getattr(ZoneInfo, '_unpickle')", asm(proto2, gbl("builtins", "getattr"), gbl("zoneinfo", "ZoneInfo"),
			binunicode("_unpickle"), "\x86R", binunicode("UTC"), "K\x01\x86R."), scanners.Clean, "", "builtins.getattr"},
		{"getattr(str, 'split')", asm(proto2, gbl("builtins", "getattr"), gbl("builtins", "str"),
			binunicode("split"), "\x86R."), scanners.Clean, "", "builtins.getattr"},
		{"getattr(RegexFlag, 'IGNORECASE') memoized and reused", asm(proto2, gbl("builtins", "getattr"), "q\x01",
			gbl("re", "RegexFlag"), "q\x02", binunicode("IGNORECASE"), "\x86R", "0",
			"h\x01h\x02", binunicode("MULTILINE"), "\x86R."), scanners.Clean, "", "builtins.getattr"},
		// ... and what it reaches may be dangerous or unknown.
		{"getattr(str, '__class__')", asm(proto2, gbl("builtins", "getattr"), gbl("builtins", "str"),
			binunicode("__class__"), "\x86R."), scanners.Malicious, "critical:builtins.getattr", ""},
		{"getattr on an unknown receiver", asm(proto2, gbl("builtins", "getattr"), gbl("mypkg", "Thing"),
			binunicode("run"), "\x86R."), scanners.Malicious, "critical:builtins.getattr", ""},
		{"getattr(ndarray, 'tofile') is judged as numpy.ndarray.tofile", asm(proto2, gbl("builtins", "getattr"), gbl("numpy", "ndarray"),
			binunicode("tofile"), "\x86R."), scanners.Suspicious, "medium:numpy.ndarray.tofile", "builtins.getattr"},
		{"getattr with a computed name", asm(proto2, gbl("builtins", "getattr"), gbl("builtins", "str"),
			gbl("builtins", "str"), ")R", "\x86R."), scanners.Malicious, "critical:builtins.getattr", ""},
		{"getattr passed as an argument is not resolved", asm(proto2, gbl("builtins", "getattr"), "q\x01",
			gbl("builtins", "str"), binunicode("split"), "\x86R", "0",
			gbl("builtins", "list"), "h\x01\x85R."), scanners.Malicious, "critical:builtins.getattr", ""},
		{"getattr left as the result", asm(proto2, gbl("builtins", "getattr"), "."), scanners.Malicious, "critical:builtins.getattr", ""},
		// getattr on a rebuilt object: a bound method, suspicious; but
		// calling any rebuilt object keeps getattr critical.
		{"bound method of a rebuilt object", asm(proto2, gbl("builtins", "getattr"), gbl("collections", "OrderedDict"), ")R",
			binunicode("keys"), "\x86R."), scanners.Suspicious, "medium:collections.OrderedDict.keys", "builtins.getattr"},
		{"bound method of a rebuilt object, called", asm(proto2, gbl("builtins", "getattr"), gbl("collections", "OrderedDict"), ")R",
			binunicode("keys"), "\x86R", ")R."), scanners.Malicious, "critical:builtins.getattr", ""},
		// functools.partial is judged by the callable it wraps.
		{"partial(np.clip, ...)", asm(proto2, gbl("functools", "partial"), gbl("numpy", "clip"), "\x85R",
			"(", gbl("numpy", "clip"), ")}Nt", "b."), scanners.Clean, "", "functools.partial"},
		{"partial(os.system, ...)", asm(proto2, gbl("functools", "partial"), gbl("os", "system"), "\x85R."),
			scanners.Malicious, "critical:os.system", ""},
		{"partial of something that is not a global", asm(proto2, gbl("functools", "partial"), gbl("builtins", "str"), ")R", "\x85R."),
			scanners.Malicious, "critical:functools.partial", ""},
		{"partial whose state swaps the callable", asm(proto2, gbl("functools", "partial"), gbl("numpy", "clip"), "\x85R",
			"(", gbl("builtins", "str"), ")R", ")}Nt", "b."), scanners.Malicious, "critical:functools.partial", ""},
		{"functools.reduce stays denied", asm(proto2, gbl("functools", "reduce"), gbl("numpy", "clip"), "\x85R."),
			scanners.Malicious, "critical:functools.reduce", ""},
		// numpy < 1.20's ufunc unpickler imports by name.
		{"_ufunc_reconstruct('numpy', 'log1p')", asm(proto2, gbl("numpy.core", "_ufunc_reconstruct"), binunicode("numpy.core._multiarray_umath"),
			binunicode("log1p"), "\x86R."), scanners.Clean, "", "numpy.core._ufunc_reconstruct"},
		{"_ufunc_reconstruct('os', 'system')", asm(proto2, gbl("numpy.core", "_ufunc_reconstruct"), binunicode("os"),
			binunicode("system"), "\x86R."), scanners.Malicious, "critical:os.system", ""},
		{"_ufunc_reconstruct with computed names", asm(proto2, gbl("numpy.core", "_ufunc_reconstruct"), gbl("builtins", "str"), ")R",
			binunicode("system"), "\x86R."), scanners.Malicious, "critical:numpy.core._ufunc_reconstruct", ""},
		// torch.storage._load_from_bytes(b): judged by what b holds when
		// b was walked whole.
		{"_load_from_bytes of a harmless pickle", asm(proto4, gbl("torch.storage", "_load_from_bytes"),
			"C", byte(len(emb("}"))), emb("}"), "\x85R."), scanners.Clean, "", "torch.storage._load_from_bytes"},
		{"_load_from_bytes of os.system", asm(proto4, gbl("torch.storage", "_load_from_bytes"),
			"C", byte(len(emb(gbl("os", "system")+")R"))), emb(gbl("os", "system")+")R"), "\x85R."), scanners.Malicious, "critical:os.system", ""},
		{"_load_from_bytes of bytes that are no pickle", asm(proto4, gbl("torch.storage", "_load_from_bytes"),
			"C\x05hello\x85R."), scanners.Malicious, "critical:torch.storage._load_from_bytes", ""},
		{"_load_from_bytes of a broken pickle", asm(proto4, gbl("torch.storage", "_load_from_bytes"),
			"C\x05\x80\x02}\xff.\x85R."), scanners.Malicious, "critical:torch.storage._load_from_bytes", ""},
		// Value types inside denied modules, allowed by exact name; the
		// functions beside them stay denied.
		{"platform.uname_result", asm(proto2, gbl("platform", "uname_result"), ")R."), scanners.Clean, "", ""},
		{"urllib.parse.ParseResult", asm(proto2, gbl("urllib.parse", "ParseResult"), ")\x81."), scanners.Clean, "", ""},
		{"http.HTTPStatus", asm(proto2, gbl("http", "HTTPStatus"), "K\xc8\x85R."), scanners.Clean, "", ""},
		{"platform.system stays denied", asm(proto2, gbl("platform", "system"), ")R."), scanners.Malicious, "critical:platform.system", ""},
		{"urllib.request.urlopen stays denied", asm(proto2, gbl("urllib.request", "urlopen"), ")R."), scanners.Malicious, "critical:urllib.request.urlopen", ""},
		{"http.client stays denied", asm(proto2, gbl("http.client", "HTTPConnection"), ")R."), scanners.Malicious, "critical:http.client.HTTPConnection", ""},
		{"an attribute walk from a value type", asm(proto2, gbl("platform", "uname_result.os"), ")R."), scanners.Malicious, "critical:os", ""},
	}
	checkRules(t, tests)
}

// scipyTmpl fills scipy's parse_arg_template as _construct_argparser does.
func scipyTmpl(shapes, in, out string) string {
	return strings.NewReplacer("%[1]s", shapes, "%[2]s", in, "%[3]s", out).Replace(scipyTemplates[0])
}

// distState is a pickle that rebuilds cls and BUILDs a state dict with
// filler keys, then _parse_arg_template set to tmpl.
func distState(cls, tmpl string, filler int) []byte {
	mod, name, _ := strings.Cut(cls, ":")
	parts := []any{proto2, gbl(mod, name), ")\x81}("}
	for i := range filler {
		parts = append(parts, binunicode("k"+strings.Repeat("x", i%5)+string(rune('a'+i%26))), "K\x01")
	}
	parts = append(parts, binunicode(templateKey), binunicode(tmpl), "ub.")
	return asm(parts...)
}

func TestScipyExecTemplate(t *testing.T) {
	t.Parallel()
	const gen = "scipy.stats._continuous_distns:uniform_gen"
	good := scipyTmpl("", "loc=0, scale=1", "loc, scale")
	tests := []struct {
		name    string
		pickle  []byte
		verdict scanners.Verdict
	}{
		{"scipy's template, no shapes", distState(gen, good, 0), scanners.Suspicious},
		{"scipy's template, two shapes", distState(gen, scipyTmpl("a, b, ", "loc=0, scale=1", "loc, scale"), 3), scanners.Suspicious},
		{"scipy's discrete template", distState("scipy.stats._discrete_distns:randint_gen", scipyTmpl("low, high, ", "loc=0", "loc, 1"), 0), scanners.Suspicious},
		{"template after many keys", distState(gen, good, 60), scanners.Suspicious},
		{"the older template", distState(gen, strings.NewReplacer("%[1]s", "c, ", "%[2]s", "loc=0, scale=1", "%[3]s", "loc, scale").Replace(scipyTemplates[1]), 0), scanners.Suspicious},
		{"code appended", distState(gen, good+"import os\nos.system('echo x')\n", 0), scanners.Malicious},
		{"code in a shape name", distState(gen, scipyTmpl("a=__import__('os').system('echo x'), ", "loc=0, scale=1", "loc, scale"), 0), scanners.Malicious},
		{"mixed loc/scale forms", distState(gen, scipyTmpl("", "loc=0, scale=1", "loc, 1"), 0), scanners.Malicious},
		{"short code", distState(gen, "import os", 0), scanners.Malicious},
		{"any class with a foreign template", distState("mypkg.dists:MyDist", "print(1)", 0), scanners.Malicious},
		{"a distribution whose state is not a dict", asm(proto2, gbl("scipy.stats._continuous_distns", "uniform_gen"), ")\x81",
			gbl("builtins", "str"), ")Rb."), scanners.Malicious},
		{"protocol 0, scipy's template", asm("cscipy.stats._continuous_distns\nuniform_gen\n(tR(dV_parse_arg_template\nV",
			strings.ReplaceAll(good, "\n", "\\u000a"), "\nsb."), scanners.Suspicious},
		{"protocol 0, code", asm("cscipy.stats._continuous_distns\nuniform_gen\n(tR(dV_parse_arg_template\nV",
			strings.ReplaceAll(good+"import os\n", "\n", "\\u000a"), "\nsb."), scanners.Malicious},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, tc.pickle)
			if got := scanners.VerdictOf(fs, err); got != tc.verdict {
				t.Fatalf("verdict %v, want %v (findings %v, err %v)", got, tc.verdict, globals(fs), err)
			}
			exec := strings.Contains(strings.Join(globals(fs), " "), "critical:builtins.exec")
			if exec != (tc.verdict == scanners.Malicious) {
				t.Errorf("builtins.exec reported %v, findings %v", exec, globals(fs))
			}
		})
	}
}

func TestJoblibItemsize(t *testing.T) {
	t.Parallel()
	for descr, want := range map[string]uint64{
		"<f8": 8, "<i4": 4, "|b1": 1, "<U4": 16, ">U3": 12, "<U20": 80, "|S5": 5, "|V16": 16,
		"<M8[D]": 8, "<m8[ns]": 8, "<c16": 16,
	} {
		got, err := parseItemsize(descr)
		if err != nil || got != want {
			t.Errorf("parseItemsize(%q) = %d, %v; want %d", descr, got, err, want)
		}
	}
	for _, bad := range []string{"<", "<U", "<f8x", "<M8[D", "<U99999999999999"} {
		if _, err := parseItemsize(bad); err == nil {
			t.Errorf("parseItemsize(%q) accepted", bad)
		}
	}
}
