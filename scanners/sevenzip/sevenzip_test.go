package sevenzip

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scan7z scans b with a scantest.Nester that reads every member in full.
func scan7z(t *testing.T, b []byte, lim Limits, depth int) ([]string, *scantest.Nester, error) {
	t.Helper()
	fn := &scantest.Nester{FullBelow: scantest.NoLimit}
	f := scanners.File{Path: "x.7z", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn, Depth: depth}
	s := New(lim)
	if !s.Match(f, b[:min(len(b), 4096)]) {
		t.Fatal("Match = false")
	}
	fs, err := scanners.FindingsOf(s.Scan(context.Background(), f))
	return scantest.Rules(fs), fn, err
}

func TestScan(t *testing.T) {
	t.Parallel()
	payload := readFile(t, "../../compress/testdata/payload.pkl")
	tests := []struct {
		file    string
		lim     Limits
		rules   []string
		members []string
		wantErr bool
	}{
		{"lzma2.7z", Limits{}, nil, []string{"payload.pkl", "weights.bin"}, false},
		{"plainheader.7z", Limits{}, nil, []string{"payload.pkl", "weights.bin"}, false},
		{"copy.7z", Limits{}, nil, []string{"payload.pkl"}, false},
		{"tree.7z", Limits{}, nil, []string{"dir/sub/payload.pkl"}, false},
		{"nonsolid.7z", Limits{}, nil, []string{"dir/sub/payload.pkl", "payload.pkl", "weights.bin"}, false},
		{"lzma.7z", Limits{}, nil, []string{"payload.pkl"}, false},
		{"ppmd.7z", Limits{}, nil, []string{"payload.pkl"}, false},
		{"bzip2.7z", Limits{}, nil, []string{"payload.pkl"}, false},
		{"deflate.7z", Limits{}, nil, []string{"payload.pkl"}, false},
		{"symlink.7z", Limits{}, []string{"7Z-SYMLINK:medium"}, []string{"payload.pkl"}, false},
		{"encrypted.7z", Limits{}, []string{"7Z-ENCRYPTED:medium"}, nil, false},
		{"encrypted_header.7z", Limits{}, []string{"7Z-ENCRYPTED:medium"}, nil, true},
		{"zeros.7z", Limits{MaxMemberSize: 1 << 20}, []string{"7Z-BOMB:high"}, []string{"zeros.bin"}, false},
		{"zeros.7z", Limits{MaxRatio: 100, RatioFloor: 1 << 20}, []string{"7Z-BOMB:high"}, []string{"zeros.bin"}, false},
		{"zeros.7z", Limits{MaxTotalSize: 1 << 20}, []string{"7Z-BOMB:high"}, nil, false},
		{"lzma2.7z", Limits{}, []string{"7Z-TOO-DEEP:medium"}, nil, true},
	}
	for i, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			depth := 0
			if i == len(tests)-1 {
				depth = 8
			}
			rules, fn, err := scan7z(t, readFile(t, tt.file), tt.lim, depth)
			if diff := cmp.Diff(tt.rules, rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.members, fn.Members()); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			var fe *scanners.FormatError
			if errors.As(err, &fe) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if s, ok := fn.ByMember()["payload.pkl"]; ok && !bytes.Equal(s.All, payload) {
				t.Errorf("payload.pkl decompressed to %q", s.All)
			}
		})
	}
}

// archive wraps a plain header in a signature header.
func archive(header []byte) []byte {
	b := make([]byte, 32)
	copy(b, magic)
	b[7] = 4
	binary.LittleEndian.PutUint64(b[12:], 0)
	binary.LittleEndian.PutUint64(b[20:], uint64(len(header)))
	binary.LittleEndian.PutUint32(b[28:], crc32.ChecksumIEEE(header))
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
	return append(b, header...)
}

func TestHostileHeaders(t *testing.T) {
	t.Parallel()
	huge := []byte{0xF0, 0xff, 0xff, 0xff, 0xff} // 0xFFFFFFFF files
	tests := map[string][]byte{
		"4G files":             append(append([]byte{idHeader, idFilesInfo}, huge...), 0, 0),
		"4G defined times":     {idHeader, idFilesInfo, 1, idMTime, 2, 1, 0, 0, 0},
		"4G pack streams":      append(append([]byte{idHeader, idMainStreamsInfo, idPackInfo, 0}, huge...), idCRC, 1, 0, 0, 0, 0),
		"4G coder properties":  append(append([]byte{idHeader, idMainStreamsInfo, idUnpackInfo, idFolder, 1, 0, 1, 0x21}, huge...), 0),
		"4G substreams":        {idHeader, idMainStreamsInfo, idUnpackInfo, idFolder, 1, 0, 1, 0, idCodersUnpackSize, 1, 0, idSubStreamsInfo, idNumUnpackStream, 0xF0, 0xff, 0xff, 0xff, 0xff, 0},
		"names overrun":        {idHeader, idFilesInfo, 1, idName, 0x7f, 0, 'a', 0, 0, 0},
		"encoded header bomb":  append([]byte{idEncodedHeader, idPackInfo, 0, 1, idSize, 1, 0, idUnpackInfo, idFolder, 1, 0, 1, 0, idCodersUnpackSize, 0xE0, 0xff, 0xff, 0xff, 0, 0}, 0),
		"unsupported property": {idHeader, 0x02, 0},
	}
	for name, h := range tests {
		b := archive(h)
		if _, err := Open(bytes.NewReader(b), int64(len(b)), Limits{}); !errors.Is(err, errHeader) {
			t.Errorf("%s: err = %v, want a refused header", name, err)
		}
		rules, _, err := scan7z(t, b, Limits{}, 0)
		if err == nil || rules != nil {
			t.Errorf("%s: Scan = %v, %v", name, rules, err)
		}
	}
}

func TestNameFindings(t *testing.T) {
	t.Parallel()
	b := archive([]byte{idHeader, idFilesInfo, 3,
		idEmptyStream, 1, 0xE0,
		idName, 23, 0,
		'.', 0, '.', 0, '/', 0, 'x', 0, 0, 0, '/', 0, 'a', 0, 0, 0, '/', 0, 'a', 0, 0, 0,
		0, 0})
	rules, _, err := scan7z(t, b, Limits{}, 0)
	want := []string{"7Z-DUPLICATE-NAME:medium", "7Z-PATH-TRAVERSAL:high", "7Z-PATH-TRAVERSAL:high", "7Z-PATH-TRAVERSAL:high"}
	if diff := cmp.Diff(want, rules); diff != "" || err != nil {
		t.Errorf("err %v rules (-want +got):\n%s", err, diff)
	}
}
