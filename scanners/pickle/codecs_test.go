package pickle

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// latin1Text is the text whose latin-1 encoding is b, in UTF-8, as
// pickle.dumps(b, protocol=2) writes it under _codecs.encode.
func latin1Text(b string) string {
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		out.WriteRune(rune(b[i]))
	}
	return out.String()
}

// rawEscape is the protocol 0 UNICODE argument for the text whose latin-1
// encoding is b, escaped as CPython 3's pickle does.
func rawEscape(b string) string {
	return strings.NewReplacer(`\`, `\u005c`, "\x00", `\u0000`, "\n", `\u000a`, "\r", `\u000d`,
		"\x1a", `\u001a`).Replace(b)
}

const loadFromBytes = "ctorch.storage\n_load_from_bytes\n"

// p2Load is torch.storage._load_from_bytes(_codecs.encode(text, enc)) as
// protocol 2 writes it, with extra as more encode arguments.
func p2Load(text, enc string, extra ...any) []byte {
	parts := []any{proto2, loadFromBytes, gbl("_codecs", "encode"), "(", binunicode(text), "q\x01", binunicode(enc)}
	parts = append(parts, extra...)
	return asm(append(parts, "tR\x85R.")...)
}

// p0Load is the same call as protocol 0 writes it, bytes b as raw text.
func p0Load(b string) []byte {
	return asm(loadFromBytes, "p0\n(", gbl("_codecs", "encode"), "p1\n(V", rawEscape(b), "\np2\nVlatin1\np3\ntp4\nRp5\ntp6\nRp7\n.")
}

// evil is a protocol 2 pickle calling os.system (never run).
var evil = emb(gbl("os", "system") + string(binunicode("echo x")) + "\x85R")

func TestCodecsEncodeRules(t *testing.T) {
	t.Parallel()
	harmless := emb("}")
	const loader = "torch.storage._load_from_bytes"
	tests := []ruleCase{
		// encode(text, latin1) is the bytes of the text: they are walked
		// as the pickles _load_from_bytes loads.
		{"protocol 2, harmless", p2Load(latin1Text(harmless), "latin1"), scanners.Clean, "", loader},
		{"protocol 2, 'latin-1'", p2Load(latin1Text(harmless), "latin-1"), scanners.Clean, "", loader},
		{"protocol 2, 'iso-8859-1'", p2Load(latin1Text(harmless), "iso-8859-1"), scanners.Clean, "", loader},
		{"protocol 2, several pickles as torch writes them", p2Load(latin1Text(emb("\x8a\x02\xe9\x03")+emb("M\xe9\x03")+
			emb("}")+"\x00\x01\xff\xfe"), "latin1"), scanners.Clean, "", loader},
		{"protocol 2, os.system inside", p2Load(latin1Text(evil), "latin1"), scanners.Malicious, "critical:os.system", ""},
		{"protocol 2, os.system after a harmless pickle", p2Load(latin1Text(harmless+evil), "latin1"), scanners.Malicious, "critical:os.system", ""},
		{"protocol 0, harmless", p0Load(harmless), scanners.Clean, "", loader},
		{"protocol 0, os.system inside, newlines escaped", p0Load(evil), scanners.Malicious, "critical:os.system", ""},
		{"protocol 0, escaped U+0080", asm(loadFromBytes, "(", gbl("_codecs", "encode"), `(V\u0080`, rawEscape(harmless[1:]),
			"\nVlatin1\ntRtR."), scanners.Clean, "", loader},
		{"memoized text reused", asm(proto2, binunicode(latin1Text(harmless)), "q\x01", "0", loadFromBytes,
			gbl("_codecs", "encode"), "h\x01", binunicode("latin1"), "\x86R\x85R."), scanners.Clean, "", loader},
		// Anything else stays as it was: _load_from_bytes is reported.
		{"another encoding", p2Load(latin1Text(harmless), "utf-8"), scanners.Malicious, "critical:" + loader, ""},
		{"'LATIN1' is not modelled", p2Load(latin1Text(harmless), "LATIN1"), scanners.Malicious, "critical:" + loader, ""},
		{"a third argument", p2Load(latin1Text(harmless), "latin1", binunicode("strict")), scanners.Malicious, "critical:" + loader, ""},
		{"one argument", asm(proto2, loadFromBytes, gbl("_codecs", "encode"), binunicode(latin1Text(harmless)), "\x85R\x85R."),
			scanners.Malicious, "critical:" + loader, ""},
		{"a computed encoding", asm(proto2, loadFromBytes, gbl("_codecs", "encode"), binunicode(latin1Text(harmless)),
			gbl("builtins", "str"), ")R\x86R\x85R."), scanners.Malicious, "critical:" + loader, ""},
		{"a computed text", asm(proto2, loadFromBytes, gbl("_codecs", "encode"), gbl("builtins", "str"), ")R",
			binunicode("latin1"), "\x86R\x85R."), scanners.Malicious, "critical:" + loader, ""},
		{"a code point latin-1 cannot encode", p2Load(latin1Text(harmless)+"\u0100", "latin1"), scanners.Malicious, "critical:" + loader, ""},
		{"a text that is no pickle", p2Load("hello", "latin1"), scanners.Malicious, "critical:" + loader, ""},
		{"a broken pickle", p2Load(latin1Text("\x80\x02}\xff."), "latin1"), scanners.Malicious, "critical:" + loader, ""},
		{"encode reached through getattr", asm(proto2, loadFromBytes, gbl("builtins", "getattr"), gbl("_codecs", "encode"), "\x85R",
			binunicode(latin1Text(harmless)), binunicode("latin1"), "\x86R\x85R."), scanners.Malicious, "critical:" + loader, ""},
		{"protocol 0, a bad escape", asm(loadFromBytes, "(", gbl("_codecs", "encode"), "(V\x80\x02}\\u00zz.\nVlatin1\ntRtR."),
			scanners.Malicious, "critical:" + loader, ""},
		{"protocol 0, \\u0100", asm(loadFromBytes, "(", gbl("_codecs", "encode"), "(V\x80\x02}.\\u0100\nVlatin1\ntRtR."),
			scanners.Malicious, "critical:" + loader, ""},
	}
	checkRules(t, tests)
}

// TestCodecsEncodeValue checks the value encode(text, latin1) is modelled
// as: the bytes of a short text are kept and can name a global.
func TestCodecsEncodeValue(t *testing.T) {
	t.Parallel()
	// STACK_GLOBAL of encode('os', 'latin1') and encode('system', 'latin1').
	p := asm(proto4, gbl("_codecs", "encode"), "q\x01", sbu("os"), sbu("latin1"), "\x86R",
		"h\x01", sbu("system"), sbu("latin-1"), "\x86R\x93.")
	res := Walk(bytes.NewReader(p), 0, DefaultLimits())
	if !hasRef(res, "os.system") {
		t.Fatalf("refs %v do not resolve os.system", res.Refs)
	}
	// Texts with code points from 256 up are not bytes: unresolved.
	p = asm(proto4, gbl("_codecs", "encode"), "q\x01", sbu("os"), sbu("latin1"), "\x86R",
		"h\x01", sbu("syst\u0101m"), sbu("latin1"), "\x86R\x93.")
	res = Walk(bytes.NewReader(p), 0, DefaultLimits())
	if hasRef(res, "os.syst\u0101m") || !hasKind(res, RefDynamic) {
		t.Fatalf("refs %v: want a dynamic reference", res.Refs)
	}
}

func hasRef(res *Result, name string) bool {
	for _, r := range res.Refs {
		if r.Name == name {
			return true
		}
	}
	return false
}

func hasKind(res *Result, k RefKind) bool {
	for _, r := range res.Refs {
		if r.Kind == k {
			return true
		}
	}
	return false
}

func TestLatin1Decoders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"abc", "abc", true},
		{"\u0080\u00ff\u0000", "\x80\xff\x00", true},
		{"\u0100", "", false},
		{"\xff", "", false}, // invalid UTF-8
		{"\U0001F600", "", false},
	} {
		got, ok := latin1FromUTF8([]byte(tc.in))
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("latin1FromUTF8(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"a\x80\xffb", "a\x80\xffb", true},
		{`\u005c\u000a\u0000`, "\\\n\x00", true},
		{`\U000000e9`, "\xe9", true},
		{`\x41\n`, `\x41\n`, true}, // raw-unicode-escape knows only \u and \U
		{`\\u0041`, `\\u0041`, true},
		{`\\\u0041`, `\\A`, true}, // as CPython 3.11 decodes it
		{`x\`, `x\`, true},
		{`\u0100`, "", false},
		{`\u12`, "", false},
		{`\U0000zz41`, "", false},
	} {
		got, ok := latin1FromRawEscape([]byte(tc.in))
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("latin1FromRawEscape(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestCodecsTextBounds checks that texts past the size bounds are not
// decoded: _load_from_bytes of their encoding stays reported.
func TestCodecsTextBounds(t *testing.T) {
	t.Parallel()
	// A harmless pickle whose BINBYTES makes it n bytes long.
	sized := func(n int) string {
		head := proto2 + "B" + string(u32(uint32(n-len(proto2)-6)))
		return head + strings.Repeat("a", n-len(head)-1) + "."
	}
	big := p2Load(latin1Text(sized(maxEmbedded+1)), "latin1")
	fs, err := scan(t, big)
	if got := scanners.VerdictOf(fs, err); got != scanners.Malicious {
		t.Errorf("text over maxEmbedded: verdict %v, want malicious", got)
	}
	ok := p2Load(latin1Text(sized(maxEmbedded)), "latin1")
	fs, err = scan(t, ok)
	if got := scanners.VerdictOf(fs, err); got != scanners.Clean {
		t.Errorf("text of maxEmbedded: verdict %v, want clean (findings %v, err %v)", got, globals(fs), err)
	}
	// maxTextKept bounds the texts kept across the walk: the last of these
	// calls is not decoded.
	text := binunicode(latin1Text(sized(maxEmbedded / 2)))
	parts := []any{proto2, "("}
	for range maxTextKept/(maxEmbedded/2) + 1 {
		parts = append(parts, loadFromBytes, gbl("_codecs", "encode"), text, binunicode("latin1"), "\x86R\x85R")
	}
	fs, err = scan(t, asm(append(parts, "l.")...))
	if got := scanners.VerdictOf(fs, err); got != scanners.Malicious {
		t.Errorf("texts past maxTextKept: verdict %v, want malicious", got)
	}
	// One memoized text encoded again and again is walked up to
	// maxTextKept bytes in all.
	for _, calls := range []int{maxTextKept / (maxEmbedded / 2), maxTextKept/(maxEmbedded/2) + 1} {
		parts = []any{proto2, text, "q\x01", "0("}
		for range calls {
			parts = append(parts, loadFromBytes, gbl("_codecs", "encode"), "h\x01", binunicode("latin1"), "\x86R\x85R")
		}
		want := scanners.Clean
		if calls > maxTextKept/(maxEmbedded/2) {
			want = scanners.Malicious
		}
		fs, err = scan(t, asm(append(parts, "l.")...))
		if got := scanners.VerdictOf(fs, err); got != want {
			t.Errorf("a text encoded %d times: verdict %v, want %v (findings %v)", calls, got, want, globals(fs))
		}
	}
}

// TestBytesValue checks which pickles are modelled as bytes values: empty bytes as
// protocols 0-2 write it (bytes() on an empty tuple) and encode(text,
// latin1); calls whose arguments are not known stay unmodelled.
func TestBytesValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		pickle []byte
		want   string
		ok     bool
	}{
		{"protocol 2 b''", asm(proto2, "c__builtin__\nbytes\nq\x00)Rq\x01."), "", true},
		{"protocol 0 b''", asm("c__builtin__\nbytes\np0\n(tRp1\n."), "", true},
		{"builtins.bytes()", asm(proto4, gbl("builtins", "bytes"), ")R."), "", true},
		{"protocol 2 encode", asm(proto2, gbl("_codecs", "encode"), binunicode("a\\b\n\x00\x1a\u00ff"), binunicode("latin1"), "\x86R."), "a\\b\n\x00\x1a\xff", true},
		{"protocol 0 encode", asm(gbl("_codecs", "encode"), "(Va\\u005cb\\u000a\\u0000\\u001a\nVlatin1\ntR."), "a\\b\n\x00\x1a", true},
		{"bytes of an unknown tuple", asm(proto2, gbl("builtins", "bytes"), gbl("builtins", "str"), ")R\x85R."), "", false},
		{"bytes of a non-empty tuple", asm(proto2, gbl("builtins", "bytes"), "K\x01\x85R."), "", false},
		{"bytes of a memoized empty tuple", asm(proto2, ")q\x01", "0", gbl("builtins", "bytes"), "h\x01R."), "", false},
		{"bytes of an empty tuple after an unknown value", asm(proto2, "(N", gbl("builtins", "bytes"), ")R", "t."), "", false},
		{"str of an empty tuple", asm(proto2, gbl("builtins", "str"), ")R."), "", false},
		{"encode, utf-8", asm(proto2, gbl("_codecs", "encode"), binunicode("abc"), binunicode("utf-8"), "\x86R."), "", false},
	} {
		s := NewStream(bytes.NewReader(tc.pickle), 0, DefaultLimits())
		v, err := s.Next()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, ok := v.Str()
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("%s: value %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
