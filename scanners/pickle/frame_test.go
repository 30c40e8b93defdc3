package pickle

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func u64le(n uint64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	return string(b[:])
}

// straddleBinbytes: BINBYTES's length straddles the FRAME's end; read from
// the frame's end the payload runs, read straight on it is bytes data.
func straddleBinbytes() []byte {
	call := asm(sbu("os"), sbu("system"), stackGbl, sbu("true"), "\x85R.")
	return asm(proto4, "\x95", u64le(3), "B\x40\x00", "\x00\x00\x00\x00", call, strings.Repeat("N", 64), ".")
}

func refNames(res *Result) map[string]bool {
	out := map[string]bool{}
	for _, r := range res.Refs {
		out[r.Name] = true
	}
	return out
}

func TestFrameStraddleBranch(t *testing.T) {
	t.Parallel()
	d := straddleBinbytes()
	res := Walk(bytes.NewReader(d), 0, DefaultLimits())
	if !refNames(res)["os.system"] || len(res.Straddles) != 1 || res.StraddlesUnwalked != 0 {
		t.Fatalf("refs %+v, straddles %+v, unwalked %d", res.Refs, res.Straddles, res.StraddlesUnwalked)
	}
	if res.Straddles[0].Offset != 11 || res.Straddles[0].FrameEnd != 14 {
		t.Errorf("straddle %+v, want the BINBYTES at 11 and the frame ending at 14", res.Straddles[0])
	}
	for _, e := range res.Errors {
		t.Errorf("the branch's reading must not add errors: %v", e)
	}
	// Without a source that can be read again, the straddle is reported as
	// not walked, and the scan is not clean.
	res = Walk(io.MultiReader(bytes.NewReader(d)), 0, DefaultLimits())
	if res.StraddlesUnwalked != 1 || refNames(res)["os.system"] {
		t.Fatalf("unwalked %d, refs %+v", res.StraddlesUnwalked, res.Refs)
	}
	fs, _ := New().Report(res)
	if scanners.VerdictOf(fs, nil) == scanners.Clean {
		t.Errorf("an unwalked straddle is clean: %+v", fs)
	}
	if !Probe(bytes.NewReader(d[2:]), int64(len(d)-2)) {
		t.Error("a stream without PROTO that straddles a FRAME is not probed as a pickle")
	}
}

// TestFrameInsideBuffer: a FRAME whose bytes lie inside the current frame's
// buffer changes nothing; one that fits is not a straddle.
func TestFrameInsideBuffer(t *testing.T) {
	t.Parallel()
	d := asm(proto4, "\x95", u64le(41), "\x95", u64le(2), "N0", sbu("collections"), sbu("OrderedDict"), stackGbl, ")R.")
	res := Walk(bytes.NewReader(d), 0, DefaultLimits())
	if len(res.Straddles) != 0 || len(res.Errors) != 0 || !refNames(res)["collections.OrderedDict"] {
		t.Fatalf("straddles %+v, errors %v, refs %+v", res.Straddles, res.Errors, res.Refs)
	}
}

// TestMarkLookThrough: a stray MARK under REDUCE's callable; unpicklers
// without the C fence pop the value under it, so the call is resolved.
func TestMarkLookThrough(t *testing.T) {
	t.Parallel()
	d := asm("cbuiltins\ngetattr\n(ccollections\nOrderedDict\nS'fromkeys'\n\x86R.")
	res := Walk(bytes.NewReader(d), 0, DefaultLimits())
	found := false
	for _, r := range res.Refs {
		found = found || r.Name == "collections.OrderedDict.fromkeys" && r.Via == "builtins.getattr"
	}
	if !found {
		t.Fatalf("getattr through a stray mark not resolved: %+v", res.Refs)
	}
	for _, e := range res.Errors {
		if !tolerated(e) {
			t.Errorf("untolerated error %v", e)
		}
	}
}

// TestMemoCountsBigKeys: MEMOIZE stores under the count of keys set so
// far, a key past the bitset's range included.
func TestMemoCountsBigKeys(t *testing.T) {
	t.Parallel()
	d := asm(proto4, sbu("x"), "r\x00\x00\x00\x08", "0", sbu("os"), memoize, "0", sbu("system"), memoize, "0",
		"h\x01h\x02", stackGbl, ".")
	res := Walk(bytes.NewReader(d), 0, DefaultLimits())
	if !refNames(res)["os.system"] {
		t.Fatalf("refs %+v, want os.system from memo 1 and 2", res.Refs)
	}
}

func TestPyInt10(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
	}{{"10", 10}, {"1_0", 10}, {"\t7 ", 7}, {"+3", 3}, {"-2", -2}, {"007", 7}} {
		if got, ok := pyInt10([]byte(tc.in)); !ok || got != tc.want {
			t.Errorf("%q: %d %v, want %d", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"", "_1", "1_", "1__0", "0x10", "+-1", "1.0", "a"} {
		if _, ok := pyInt10([]byte(in)); ok {
			t.Errorf("%q parsed", in)
		}
	}
}

// TestNestedHandOver: a pickle stored as bytes raises the verdict only when
// the stream hands it to something that may load it.
func TestNestedHandOver(t *testing.T) {
	t.Parallel()
	evil := asm(proto4, sbu("os"), sbu("system"), stackGbl, sbu("true"), "\x85R.")
	blob := asm("C", byte(len(evil)), evil)
	for _, tc := range []struct {
		name   string
		pickle []byte
		want   scanners.Verdict
	}{
		{"kept in a list", asm(proto4, "]", blob, "a."), scanners.Suspicious},
		{"given to bytearray", asm(proto4, sbu("builtins"), sbu("bytearray"), stackGbl, blob, "\x85R."), scanners.Suspicious},
		{"given to io.BytesIO", asm(proto4, sbu("io"), sbu("BytesIO"), stackGbl, blob, "\x85R."), scanners.Malicious},
		{"state of an unknown class", asm(proto4, sbu("m"), sbu("C"), stackGbl, ")R", blob, "b."), scanners.Malicious},
	} {
		res, err := New().Scan(context.Background(), scanners.File{Size: int64(len(tc.pickle)), R: bytes.NewReader(tc.pickle)})
		if got := scanners.VerdictOf(res.Findings, err); got != tc.want {
			t.Errorf("%s: %v, want %v: %+v", tc.name, got, tc.want, res.Findings)
		}
	}
}

// TestAppendOnGlobal: APPENDS onto a module or class calls its extend (or
// append) method: the walker reports both.
func TestAppendOnGlobal(t *testing.T) {
	t.Parallel()
	d := asm("ccollections\nOrderedDict\n(K\x01e.")
	names := refNames(Walk(bytes.NewReader(d), 0, DefaultLimits()))
	if !names["collections.OrderedDict.extend"] || !names["collections.OrderedDict.append"] {
		t.Fatalf("refs %v", names)
	}
	d = asm("ccollections\nOrderedDict\n(e.")
	if names := refNames(Walk(bytes.NewReader(d), 0, DefaultLimits())); names["collections.OrderedDict.extend"] {
		t.Errorf("APPENDS of nothing calls nothing: %v", names)
	}
}
