package pickle

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// asm assembles a pickle from opcode bytes, strings (written as they are)
// and helpers below. It exists so tests can write the exact byte sequences
// of public bypasses.
func asm(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		switch v := p.(type) {
		case byte:
			b.WriteByte(v)
		case string:
			b.WriteString(v)
		case []byte:
			b.Write(v)
		default:
			panic("asm: bad part")
		}
	}
	return b.Bytes()
}

func u32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
func u64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

// sbu is SHORT_BINUNICODE s.
func sbu(s string) []byte { return asm(byte(0x8c), byte(len(s)), s) }

const (
	proto4   = "\x80\x04"
	proto2   = "\x80\x02"
	memoize  = "\x94"
	stackGbl = "\x93"
)

func scan(t *testing.T, b []byte) ([]scanners.Finding, error) {
	t.Helper()
	s := New()
	f := scanners.File{Path: "t.pkl", Size: int64(len(b)), R: bytes.NewReader(b)}
	return scanners.FindingsOf(s.Scan(context.Background(), f))
}

func globals(fs []scanners.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Global != "" {
			out = append(out, f.Severity.String()+":"+f.Global)
		}
	}
	return out
}

func TestBypasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pickle  []byte
		verdict scanners.Verdict
		want    string // a severity:global that must be reported
	}{
		{"protocol 0 GLOBAL", asm("cos\nsystem\n(S'true'\ntR."), scanners.Malicious, "critical:os.system"},
		{"INST", asm("(S'true'\nios\nsystem\n."), scanners.Malicious, "critical:os.system"},
		{"OBJ", asm(proto2, "(cposix\nsystem\nS'true'\no."), scanners.Malicious, "critical:posix.system"},
		{"memo obfuscation", asm(proto4, sbu("os"), memoize, "0", sbu("system"), memoize, "0",
			"h\x00h\x01", stackGbl, sbu("true"), "\x85R."), scanners.Malicious, "critical:os.system"},
		{"memo via LONG_BINPUT/LONG_BINGET", asm(proto4, sbu("subprocess"), "r", u32(7000), "0",
			sbu("Popen"), "r", u32(9), "0", "j", u32(7000), "j", u32(9), stackGbl, ")R."), scanners.Malicious, "critical:subprocess.Popen"},
		{"STRING with escapes", asm("c__builtin__\neval\n(S'\\x6fs'\ntR."), scanners.Malicious, "critical:__builtin__.eval"},
		{"BINUNICODE8 module", asm(proto4, "\x8d", u64(2), "os", sbu("system"), stackGbl, ")R."), scanners.Malicious, "critical:os.system"},
		{"UNICODE escapes", asm("V\\u006fs\nVsystem\n", proto4[:0], "\x80\x04\x93", ")R."), scanners.Malicious, "critical:os.system"},
		{"SHORT_BINSTRING module", asm(proto4, "U\x02os", "U\x06system", stackGbl, ")R."), scanners.Malicious, "critical:os.system"},
		{"attribute walk", asm(proto4, sbu("numpy"), sbu("lib.npyio.os.system"), stackGbl, ")R."), scanners.Malicious, "critical:os.system"},
		{"getattr import_module chain", asm(proto2, "cbuiltins\ngetattr\n", "cimportlib\nimport_module\n",
			"X", u32(2), "os", "\x85R", "X", u32(6), "system", "\x86R", "X", u32(4), "true", "\x85R."), scanners.Malicious, "critical:os.system"},
		{"vars and dict.get", asm(proto4, sbu("builtins"), sbu("dict.get"), stackGbl, sbu("builtins"), sbu("vars"), stackGbl,
			sbu("os"), sbu("path"), stackGbl, "\x85R", sbu("system"), "\x86R."), scanners.Malicious, "critical:builtins.dict.get"},
		{"asyncio submodule (CVE-2025-10157)", asm(proto4, sbu("asyncio.unix_events"), sbu("_UnixSubprocessTransport"), stackGbl, ")R."),
			scanners.Malicious, "critical:asyncio.unix_events._UnixSubprocessTransport"},
		{"pip.main (CVE-2025-1716)", asm("cpip\nmain\n(]S'install'\naS'x'\natR."), scanners.Malicious, "critical:pip.main"},
		{"nullifAI broken stream", asm(proto2, "cos\nsystem\nS'true'\n\x85R", "\xff\xfe garbage"), scanners.Malicious, "critical:os.system"},
		{"second pickle after STOP", asm(proto2, "}.", proto2, "cos\nsystem\nS'true'\n\x85R."), scanners.Malicious, "critical:os.system"},
		{"pickle after garbage after STOP", asm(proto2, "}.", "\x00\x01garbage\xff", proto4, sbu("os"), sbu("system"), stackGbl, ")R."),
			scanners.Malicious, "critical:os.system"},
		{"dynamic STACK_GLOBAL", asm(proto4, "cbuiltins\nstr\n)R", "cbuiltins\nstr\n)R", stackGbl, ")R."), scanners.Suspicious, ""},
		{"EXT1", asm(proto2, "\x82\x01)R."), scanners.Suspicious, ""},
		{"BUILD on a module", asm(proto2, "ctorch\nnn\n}S'x'\nNsb."), scanners.Suspicious, "high:torch.nn"},
		{"unknown class", asm(proto2, "c__main__\nNet\n)\x81."), scanners.Suspicious, "medium:__main__.Net"},
		{"NEWOBJ_EX of a dangerous class", asm(proto4, sbu("subprocess"), sbu("Popen"), stackGbl, ")}\x92."), scanners.Malicious, "critical:subprocess.Popen"},
		{"clean torch-like", asm(proto2, "ccollections\nOrderedDict\n)R", "ctorch._utils\n_rebuild_tensor_v2\n)R."), scanners.Clean, ""},
		{"clean protocol 0 dict", asm("(dp0\nS'a'\np1\nI1\ns."), scanners.Clean, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, tc.pickle)
			if got := scanners.VerdictOf(fs, err); got != tc.verdict {
				t.Fatalf("verdict %v, want %v (findings %v, err %v)", got, tc.verdict, fs, err)
			}
			if tc.want != "" && !strings.Contains(strings.Join(globals(fs), " "), tc.want) {
				t.Errorf("findings %v do not report %s", globals(fs), tc.want)
			}
		})
	}
}

func TestNullifAIReportsErrorAndFinding(t *testing.T) {
	t.Parallel()
	b := asm(proto2, "cos\nsystem\nS'true'\n\x85R", "\xff")
	fs, err := scan(t, b)
	if err == nil {
		t.Fatal("broken stream gave no error")
	}
	fe := scanners.FormatErrors(err)
	if len(fe) == 0 || fe[0].Offset != int64(len(b)-1) {
		t.Errorf("error %v, want offset %d", err, len(b)-1)
	}
	if scanners.VerdictOf(fs, err) != scanners.Malicious {
		t.Errorf("verdict %v, want malicious", scanners.VerdictOf(fs, err))
	}
}

func TestOffsets(t *testing.T) {
	t.Parallel()
	b := asm(proto2, "}q\x00", "cos\nsystem\n")
	fs, _ := scan(t, b)
	if len(fs) == 0 || fs[0].Offset != 5 || fs[0].Rule != RuleDangerous || fs[0].ATLAS != scanners.ATLASUnsafeArtifact {
		t.Fatalf("findings %+v, want PICKLE-DANGEROUS-GLOBAL at offset 5 with an ATLAS ID", fs)
	}
}

func TestHostileSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    []byte
	}{
		{"BINUNICODE8 claims 2^62 bytes", asm(proto4, "\x8d", u64(1<<62), "os")},
		{"BINBYTES claims 4 GiB", asm(proto4, "B", u32(0xffffffff), "x")},
		{"LONG4 negative", asm(proto2, "\x8b", u32(0x80000000))},
		{"FRAME claims 2^63", asm(proto4, "\x95", u64(1<<63))},
		{"line without newline", asm("cos")},
		{"deep nesting", bytes.Repeat([]byte("(]"), 60000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, tc.b)
			if v := scanners.VerdictOf(fs, err); v < scanners.Suspicious {
				t.Errorf("verdict %v for hostile input, want at least suspicious (err %v)", v, err)
			}
		})
	}
}

func TestMemoExpansionBounded(t *testing.T) {
	t.Parallel()
	// One list put in the memo and fetched 500k times: the model must stay
	// within its stack limit instead of growing with the input.
	b := asm(proto2, "]q\x00", bytes.Repeat([]byte("h\x00"), 500000), "cos\nsystem\n.")
	lim := DefaultLimits()
	lim.MaxStack = 1000
	res := Walk(bytes.NewReader(b), 0, lim)
	if !res.Lossy {
		t.Error("stack limit not reported")
	}
	found := false
	for _, r := range res.Refs {
		found = found || r.Name == "os.system"
	}
	if !found {
		t.Error("os.system after the expansion not found")
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    string
		want bool
	}{
		{"protocol 2", "\x80\x02}.", true},
		{"protocol 0 dict, whole file", "(dp0\nS'a'\np1\nI1\ns.", true},
		{"protocol 0 global then garbage", "cos\nsystem\n\xff\xff", true},
		{"protocol 0 INST", "(S'true'\nios\nsystem\n.", true},
		{"markdown", "# Model card\n\nThis model...", false},
		{"json", `{"architectures": ["Bert"]}`, false},
		{"text starting with c", "config: value\nother line\n", false},
		{"release notes that parse as BINFLOAT, POP, STOP", "Git v1.5.0.1 Release Notes\n==========\n", false},
		{"a version number: POP_MARK, DUP, STOP", "12.10\n", false},
		{"import lines", "import os\nimport sys\n", false},
		{"Java class names: OBJ without a mark, then a GLOBAL-looking line",
			"org.apache.maven.settings.io.DefaultSettingsReader\norg.apache.maven.settings.io.DefaultSettingsWriter\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		if got := Sniff([]byte(tc.b), true); got != tc.want {
			t.Errorf("%s: Sniff = %v, want %v", tc.name, got, tc.want)
		}
	}
	if Sniff([]byte("(dp0\nS'a'\np1\nI1\ns."), false) {
		t.Error("a plain-data pickle prefix of a longer stream counts as a pickle")
	}
}

func TestNamesThatAreNotIdentifiers(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	if c, _ := p.Classify("compiler/jvmci/jdk.vm.ci.code.test/src/Test.java passed"); c == Dangerous {
		t.Error("text with a 'code' segment after a slash classified dangerous")
	}
	if c, hit := p.Classify("numpy.lib.npyio.os.system"); c != Dangerous || hit != "os.system" {
		t.Errorf("attribute walk: %v %q", c, hit)
	}
}

func TestAllowlistFile(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	err := p.LoadAllowlist(strings.NewReader("# mine\nmypkg.models.*\n__main__.Net # the model\n"), "allow.txt")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]Class{
		"mypkg.models.Net": Allowed, "__main__.Net": Allowed, "__main__.Other": Unknown,
		"os.system": Dangerous, "mypkg.models.os.system": Dangerous,
	} {
		if got, _ := p.Classify(name); got != want {
			t.Errorf("Classify(%s) = %v, want %v", name, got, want)
		}
	}
	if err := p.LoadAllowlist(strings.NewReader("not a name\n"), "bad.txt"); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("bad allowlist error %v, want one naming bad.txt:1", err)
	}
}

func TestFloodOfNamesCannotHideDangerous(t *testing.T) {
	t.Parallel()
	var parts []any
	parts = append(parts, proto2)
	for i := range 5000 {
		parts = append(parts, fmt.Sprintf("cmod%d\nName\n0", i))
	}
	parts = append(parts, "cos\nsystem\n.")
	fs, err := scan(t, asm(parts...))
	if v := scanners.VerdictOf(fs, err); v != scanners.Malicious {
		t.Fatalf("verdict %v, want malicious", v)
	}
	rules := map[string]bool{}
	for _, f := range fs {
		rules[f.Rule] = true
	}
	if !rules[RuleTooMany] {
		t.Error("dropped names not reported")
	}
}

func TestFullStackKeepsTop(t *testing.T) {
	t.Parallel()
	// Fill the stack past its limit with names, then import os.system: the
	// walker forgets old values, not the ones the import uses.
	var parts []any
	parts = append(parts, proto4)
	for range 3000 {
		parts = append(parts, sbu("filler_name"))
	}
	parts = append(parts, sbu("os"), sbu("system"), stackGbl, ".")
	lim := DefaultLimits()
	lim.MaxStack = 1000
	res := Walk(bytes.NewReader(asm(parts...)), 0, lim)
	if !res.Lossy || len(res.Refs) != 1 || res.Refs[0].Name != "os.system" {
		t.Fatalf("lossy %v, refs %+v", res.Lossy, res.Refs)
	}
}

func TestIntLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{"1", true}, {"-12", true}, {"0x1f", true}, {"0b101", true}, {"0o17", true}, {"1_000", true},
		{"123456789012345678901234567890", true}, {"00", true}, {"01", true},
		{"", false}, {"abc", false}, {"1__0", false}, {"_1", false}, {"1.5", false},
	} {
		_, err := parseIntLine([]byte(tc.line), false)
		if (err == nil) != tc.ok {
			t.Errorf("INT %q: err %v, want ok=%v", tc.line, err, tc.ok)
		}
	}
	if _, err := parseIntLine([]byte("12L"), true); err != nil {
		t.Errorf("LONG 12L: %v", err)
	}
}

func TestEmbeddedPickleInBytes(t *testing.T) {
	t.Parallel()
	inner := asm(proto2, "cos\nsystem\nX\x04\x00\x00\x00true\x85R.")
	outer := asm(proto2, "ctorch.storage\n_load_from_bytes\n", "C", byte(len(inner)), inner, "\x85R.")
	fs, err := scan(t, outer)
	if v := scanners.VerdictOf(fs, err); v != scanners.Malicious {
		t.Fatalf("verdict %v", v)
	}
	want := int64(len(proto2) + len("ctorch.storage\n_load_from_bytes\n") + 2 + 2)
	found := false
	for _, f := range fs {
		if f.Global == "os.system" {
			found = true
			if f.Offset != want {
				t.Errorf("os.system at %d, want %d (its offset in the outer stream)", f.Offset, want)
			}
		}
	}
	if !found {
		t.Errorf("os.system inside the bytes payload not reported: %v", fs)
	}
}

func TestBytesThatOnlyLookLikeAPickle(t *testing.T) {
	t.Parallel()
	data := []byte("\x80\x03\xff\xfe\xfd\xfc raw tensor bytes")
	fs, err := scan(t, asm(proto4, "C", byte(len(data)), data, "."))
	if v := scanners.VerdictOf(fs, err); v != scanners.Clean {
		t.Errorf("verdict %v (%v, %v), want clean", v, fs, err)
	}
}
