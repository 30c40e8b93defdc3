package zip

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func ptr[T any](v T) *T { return &v }

var pickle = []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93.")

// scan runs the Scanner over b with a scantest.Nester and returns the rule
// IDs found (sorted, with severities), the nester and the error.
func scan(t *testing.T, b []byte, lim Limits) ([]string, *scantest.Nester, error) {
	t.Helper()
	fn := &scantest.Nester{FullBelow: 1 << 20}
	f := scanners.File{Path: "x.zip", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	s := New(WithLimits(lim))
	if !s.Match(f, b[:min(len(b), scanners.HeadSize)]) {
		t.Fatalf("Match = false")
	}
	fs, err := scanners.FindingsOf(s.Scan(context.Background(), f))
	var rules []string
	for _, fd := range fs {
		if fd.Member != "" {
			t.Errorf("finding %s has Member %q, want the archive itself", fd.Rule, fd.Member)
		}
		rules = append(rules, fd.Rule+":"+fd.Severity.String())
	}
	sort.Strings(rules)
	return rules, fn, err
}

func TestScanTampering(t *testing.T) {
	t.Parallel()
	desc := func(crc uint32, c, u uint32) []byte {
		var b bytes.Buffer
		u32(&b, sigDescriptor)
		u32(&b, crc)
		u32(&b, c)
		u32(&b, u)
		return b.Bytes()
	}
	pcrc := crc32.ChecksumIEEE(pickle)
	tests := []struct {
		name    string
		zip     []byte
		lim     Limits
		want    []string
		members []string // members handed to the nester
		wantErr bool
	}{
		{"clean stored and deflated", buildZip([]member{
			{name: "a/data.pkl", data: pickle},
			{name: "a/data/0", data: bytes.Repeat([]byte{1}, 1000), method: Deflate},
		}, layout{}), Limits{}, nil, []string{"a/data.pkl", "a/data/0"}, false},
		{"CD/local name mismatch", buildZip([]member{
			{name: "a/data.pkl", localName: ptr("a/harmless.txt"), data: pickle},
		}, layout{}), Limits{}, []string{"ZIP-HEADER-MISMATCH:high"}, []string{"a/data.pkl"}, false},
		{"encrypted flag on plaintext", buildZip([]member{
			{name: "data.pkl", data: pickle, flags: FlagEncrypted},
		}, layout{}), Limits{}, []string{"ZIP-ENCRYPTED-FLAG:high"}, []string{"data.pkl"}, false},
		{"encrypted flag only in local header", buildZip([]member{
			{name: "data.pkl", data: pickle, localFlag: ptr(FlagEncrypted)},
		}, layout{}), Limits{}, []string{"ZIP-ENCRYPTED-FLAG:high", "ZIP-HEADER-MISMATCH:high"}, []string{"data.pkl"}, false},
		{"patched-data flag", buildZip([]member{
			{name: "data.pkl", data: pickle, flags: FlagPatched},
		}, layout{}), Limits{}, []string{"ZIP-FLAG-BITS:high"}, []string{"data.pkl"}, false},
		{"bad CRC stored", buildZip([]member{
			{name: "data.pkl", data: pickle, crc: ptr(uint32(1234))},
		}, layout{}), Limits{}, []string{"ZIP-BAD-CRC:high"}, []string{"data.pkl"}, false},
		{"bad CRC deflated", buildZip([]member{
			{name: "data.pkl", data: pickle, method: Deflate, crc: ptr(uint32(1234))},
		}, layout{}), Limits{}, []string{"ZIP-BAD-CRC:high"}, []string{"data.pkl"}, false},
		{"path traversal", buildZip([]member{
			{name: "../../etc/evil.pkl", data: pickle},
			{name: "/abs.pkl", data: pickle},
			{name: `dir\file`, data: pickle},
			{name: "data.pkl\x00.txt", data: pickle},
		}, layout{}), Limits{}, []string{"ZIP-PATH-TRAVERSAL:high", "ZIP-PATH-TRAVERSAL:high", "ZIP-PATH-TRAVERSAL:high", "ZIP-PATH-TRAVERSAL:medium"},
			[]string{"../../etc/evil.pkl", "/abs.pkl", `dir\file`, "data.pkl\x00.txt"}, false},
		{"duplicate names", buildZip([]member{
			{name: "data.pkl", data: []byte("benign")},
			{name: "data.pkl", data: pickle},
		}, layout{}), Limits{}, []string{"ZIP-DUPLICATE-NAME:high"}, []string{"data.pkl", "data.pkl"}, false},
		{"method mismatch", buildZip([]member{
			{name: "data.pkl", data: pickle, localMeth: ptr(Deflate)},
		}, layout{}), Limits{}, []string{"ZIP-HEADER-MISMATCH:high"}, []string{"data.pkl"}, false},
		{"size mismatch local vs CD", buildZip([]member{
			{name: "data.pkl", data: pickle, method: Deflate, usize: ptr(uint32(5))},
		}, layout{}), Limits{}, []string{"ZIP-SIZE-MISMATCH:medium"}, []string{"data.pkl"}, false},
		{"data descriptor agrees", buildZip([]member{
			{name: "data.pkl", data: pickle, method: Deflate, flags: FlagDataDescriptor,
				desc: desc(pcrc, uint32(len(deflate(pickle))), uint32(len(pickle)))},
		}, layout{}), Limits{}, nil, []string{"data.pkl"}, false},
		{"data descriptor disagrees", buildZip([]member{
			{name: "data.pkl", data: pickle, method: Deflate, flags: FlagDataDescriptor, desc: desc(pcrc, 1, 2)},
		}, layout{}), Limits{}, []string{"ZIP-HEADER-MISMATCH:medium"}, []string{"data.pkl"}, false},
		{"entries overlap", buildZip([]member{
			{name: "a.pkl", data: pickle},
			{name: "b.pkl", data: pickle, lhoFrom: 1},
		}, layout{}), Limits{}, []string{"ZIP-HEADER-MISMATCH:high", "ZIP-OVERLAP:high"}, []string{"a.pkl"}, false},
		{"count mismatch", buildZip([]member{
			{name: "a.pkl", data: pickle},
			{name: "b.pkl", data: pickle},
		}, layout{count: ptr(1)}), Limits{}, []string{"ZIP-CD-COUNT-MISMATCH:high"}, []string{"a.pkl", "b.pkl"}, false},
		{"hidden local header", buildZip([]member{{name: "a.pkl", data: []byte("ok")}},
			layout{gap: buildZip([]member{{name: "hidden.pkl", data: pickle}}, layout{})}), Limits{},
			[]string{"ZIP-UNREFERENCED-ENTRY:high"}, []string{"a.pkl"}, false},
		{"trailing deflate data", buildZip([]member{
			{name: "data.pkl", data: pickle, method: Deflate, raw: append(deflate(pickle), "HIDDEN"...)},
		}, layout{}), Limits{}, []string{"ZIP-SIZE-MISMATCH:medium"}, []string{"data.pkl"}, false},
		{"unsupported method", buildZip([]member{
			{name: "data.pkl", data: pickle, method: 98},
		}, layout{}), Limits{}, []string{"ZIP-UNSUPPORTED-METHOD:medium"}, nil, false},
		{"ambiguous end record", buildZip([]member{{name: "a.pkl", data: pickle}}, layout{trailEOCDs: 1}), Limits{},
			[]string{"ZIP-EOCD-AMBIGUOUS:medium"}, []string{"a.pkl"}, false},
		{"zip bomb", buildZip([]member{
			{name: "bomb.bin", data: make([]byte, 64<<20), method: Deflate},
		}, layout{}), Limits{MaxEntrySize: 1 << 20}, []string{"ZIP-BOMB:high"}, []string{"bomb.bin"}, false},
		{"ratio bomb", buildZip([]member{
			{name: "bomb.bin", data: make([]byte, 8<<20), method: Deflate},
		}, layout{}), Limits{MaxRatio: 100, RatioFloor: 1 << 20}, []string{"ZIP-BOMB:high"}, []string{"bomb.bin"}, false},
		{"zip64", buildZip([]member{
			{name: "data.pkl", data: pickle, method: Deflate},
			{name: "w", data: []byte("weights")},
		}, layout{zip64: true}), Limits{}, nil, []string{"data.pkl", "w"}, false},
		{"prepended data", buildZip([]member{{name: "data.pkl", data: pickle}}, layout{prefix: pickle}), Limits{},
			[]string{"ZIP-PREPENDED-DATA:low"}, []string{"<prepended>", "data.pkl"}, false},
		{"prepended zip64", buildZip([]member{{name: "data.pkl", data: pickle}}, layout{prefix: []byte("#!/bin/sh\n"), zip64: true}), Limits{},
			[]string{"ZIP-PREPENDED-DATA:low"}, []string{"<prepended>", "data.pkl"}, false},
		{"local header outside", patchCD(buildZip([]member{{name: "a", data: pickle}}, layout{}), 42, 0x7fff0000), Limits{},
			[]string{"ZIP-PREPENDED-DATA:low", "ZIP-UNREFERENCED-ENTRY:high"}, []string{"<prepended>"}, true},
		{"bad local signature", patchCD(buildZip([]member{{name: "a", data: pickle}}, layout{}), 42, 1), Limits{},
			[]string{"ZIP-PREPENDED-DATA:low", "ZIP-UNREFERENCED-ENTRY:high"}, []string{"<prepended>"}, true},
		{"huge entry count", patchEnd(buildZip([]member{{name: "a.pkl", data: pickle}}, layout{}), 10, 0xffff), Limits{},
			[]string{"ZIP-CD-COUNT-MISMATCH:high"}, []string{"a.pkl"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rules, fn, err := scan(t, tt.zip, tt.lim)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			var got []string
			for _, s := range fn.Streams() {
				got = append(got, s.Member)
			}
			if diff := cmp.Diff(tt.members, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMembersContent(t *testing.T) {
	t.Parallel()
	b := buildZip([]member{
		{name: "data.pkl", localName: ptr("other"), data: pickle, method: Deflate, flags: FlagEncrypted, crc: ptr(uint32(7))},
	}, layout{})
	_, fn, _ := scan(t, b, Limits{})
	if got := fn.Streams(); len(got) != 1 || !bytes.Equal(got[0].All, pickle) {
		t.Fatalf("tampered member not handed over intact: %+v", got)
	}
}

func TestBombPartialScan(t *testing.T) {
	t.Parallel()
	data := append(append([]byte(nil), pickle...), make([]byte, 4<<20)...)
	b := buildZip([]member{{name: "bomb", data: data, method: Deflate}}, layout{})
	_, fn, _ := scan(t, b, Limits{MaxEntrySize: 64 << 10})
	if got := fn.Streams(); len(got) != 1 || got[0].Size != 64<<10 || !bytes.HasPrefix(got[0].Head, pickle) {
		t.Fatalf("want the first 64 KiB handed over, got %+v", got)
	}
}

func TestStoredNotReadInFull(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte{0xAB}, 8<<20)
	b := buildZip([]member{{name: "archive/data/0", data: big}, {name: "archive/data.pkl", data: pickle}}, layout{})
	fn := &scantest.Nester{FullBelow: 1 << 10}
	f := scanners.File{Path: "m.pt", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	a, err := Open(f.R, f.Size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ScanArchive(context.Background(), f, a, ScanOptions{VerifyStoredBelow: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	got := fn.ByMember()["archive/data/0"]
	if got == nil || got.Size != int64(len(big)) || got.BytesRead() > scanners.HeadSize {
		t.Fatalf("big stored member: %+v, want size %d and at most %d bytes read", got, len(big), scanners.HeadSize)
	}
}

func TestStdlibAndDepth(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range []string{"x/data.pkl", "x/version"} {
		fw, _ := w.Create(name) // deflate with data descriptor
		_, _ = fw.Write(pickle)
	}
	_ = w.Close()
	rules, fn, err := scan(t, buf.Bytes(), Limits{})
	if got := fn.Streams(); err != nil || rules != nil || len(got) != 2 || !bytes.Equal(got[0].All, pickle) {
		t.Fatalf("archive/zip output: rules %v err %v got %+v", rules, err, got)
	}
	f := scanners.File{Path: "d.zip", Size: int64(buf.Len()), R: bytes.NewReader(buf.Bytes()), Nested: fn, Depth: 8}
	fs, err := scanners.FindingsOf(New().Scan(context.Background(), f))
	if len(fs) != 1 || fs[0].Rule != RuleTooDeep || err == nil {
		t.Fatalf("depth 8: findings %v err %v", fs, err)
	}
}

func TestNestedZip(t *testing.T) {
	t.Parallel()
	inner := buildZip([]member{{name: "evil.pkl", localName: ptr("x"), data: pickle}}, layout{})
	outer := buildZip([]member{{name: "inner.zip", data: inner, method: Deflate}}, layout{})
	fn := &scantest.Nester{FullBelow: 1 << 20, Next: New()}
	f := scanners.File{Path: "o.zip", Size: int64(len(outer)), R: bytes.NewReader(outer), Nested: fn}
	fs, err := scanners.FindingsOf(New().Scan(context.Background(), f))
	if err != nil || len(fs) != 1 || fs[0].Member != "inner.zip" || fs[0].Rule != RuleHeaderMismatch {
		t.Fatalf("findings %+v err %v", fs, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	good := buildZip([]member{{name: "a", data: pickle}}, layout{})
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "too small"},
		{"no end record", bytes.Repeat([]byte("x"), 100), "no end of central directory"},
		{"directory past end", append(good[:len(good)-22:len(good)-22], []byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00")...), "does not fit"},
		{"directory offset past end record", patchEnd(good, 16, 0xffff), "overlaps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(bytes.NewReader(tt.b), int64(len(tt.b)), DefaultLimits())
			var fe *scanners.FormatError
			if !errors.As(err, &fe) || fe.Format != "zip" || !strings.Contains(fe.Msg, tt.want) {
				t.Fatalf("err = %v, want a zip FormatError containing %q", err, tt.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	z := buildZip([]member{{name: "a", data: pickle}}, layout{prefix: []byte("some prefix")})
	for _, tt := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"prepended", z, true},
		{"empty zip", buildZip(nil, layout{}), true},
		{"text", []byte(strings.Repeat("hello world ", 100)), false},
		{"pickle", pickle, false},
	} {
		if got := Sniff(bytes.NewReader(tt.b), int64(len(tt.b)), tt.b[:min(len(tt.b), 4096)]); got != tt.want {
			t.Errorf("%s: Sniff = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// patchCD overwrites the little-endian uint32 at offset off of the first
// central directory record.
func patchCD(b []byte, off int, v uint32) []byte {
	i := bytes.Index(b, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(b[i+off:], v)
	return b
}

// patchEnd overwrites the uint16 (offset 10) or uint32 at offset off of the
// end of central directory record.
func patchEnd(b []byte, off int, v uint32) []byte {
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	if off == 10 {
		binary.LittleEndian.PutUint16(b[i+off:], uint16(v))
		binary.LittleEndian.PutUint16(b[i+8:], uint16(v))
		return b
	}
	binary.LittleEndian.PutUint32(b[i+off:], v)
	return b
}

func BenchmarkOpen10k(b *testing.B) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := range 10000 {
		fw, _ := w.CreateHeader(&zip.FileHeader{Name: "archive/data/" + strings.Repeat("x", i%20) + string(rune('a'+i%26)) + itoa(i), Method: zip.Store})
		_, _ = fw.Write([]byte("tensor bytes"))
	}
	_ = w.Close()
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		a, err := Open(bytes.NewReader(data), int64(len(data)), DefaultLimits())
		if err != nil || len(a.Entries) != 10000 {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		if i /= 10; i == 0 {
			return string(b)
		}
	}
}
