package loaderdiff_test

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/seed-43c89ce6/aibom/internal/loaderdiff"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// stream is one pickle stream of a committed fixture: a whole file, a zip
// member (torch's data.pkl) or a fuzz-corpus entry.
type stream struct {
	name string
	data []byte
	// whole is set for a whole file (not a zip member): aibom scans it as
	// a pickle only when its probe says it is one.
	whole bool
}

// maxStream bounds the streams handed to the loader (the bombs are
// measured by bench/hostile.sh, not loaded here).
const maxStream = 8 << 20

// committedStreams enumerates every stream under testdata/ and the pickle
// fuzz corpora that a loader could read as a pickle: every file (whatever
// aibom's probe says of it: the loader decides), the .pkl members of zips,
// and the []byte entries of the fuzz corpus files.
func committedStreams(t *testing.T) (streams []stream, skipped int) {
	t.Helper()
	repo := filepath.Join("..", "..")
	roots := []string{filepath.Join(repo, "testdata"), filepath.Join(repo, "scanners", "pickle", "testdata")}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
				return nil //nolint:nilerr // a missing root or a link is not a stream
			}
			rel, _ := filepath.Rel(repo, p)
			b, err := os.ReadFile(p)
			if err != nil || len(b) > maxStream {
				skipped++
				return nil //nolint:nilerr // counted as skipped
			}
			switch {
			case strings.Contains(filepath.ToSlash(rel), "/testdata/fuzz/"):
				if v, ok := fuzzEntry(b); ok {
					streams = append(streams, stream{rel, v, true})
				}
			case bytes.HasPrefix(b, []byte("PK\x03\x04")):
				streams = append(streams, zipStreams(rel, b)...)
				streams = append(streams, stream{rel, b, true})
			default:
				streams = append(streams, stream{rel, b, true})
				streams = append(streams, unwrapped(rel, b)...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return streams, skipped
}

// fuzzEntry decodes a "go test fuzz v1" file holding one []byte value.
func fuzzEntry(b []byte) ([]byte, bool) {
	lines := strings.SplitN(string(b), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, false
	}
	lit, ok := strings.CutPrefix(strings.TrimSpace(lines[1]), "[]byte(")
	if !ok {
		return nil, false
	}
	v, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	return []byte(v), err == nil
}

// zipStreams returns the .pkl members of a zip (torch checkpoints keep
// their pickle in archive/data.pkl) and the pickles inside its .npy
// members (an .npz's object arrays).
func zipStreams(rel string, b []byte) []stream {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil
	}
	var out []stream
	for _, f := range zr.File {
		pkl, npy := strings.HasSuffix(f.Name, ".pkl"), strings.HasSuffix(f.Name, ".npy")
		if !pkl && !npy || f.UncompressedSize64 > maxStream {
			continue
		}
		data, err := member(f)
		switch {
		case err != nil:
		case pkl:
			out = append(out, stream{rel + "!" + f.Name, data, false})
		default:
			out = append(out, unwrapped(rel+"!"+f.Name, data)...)
		}
	}
	return out
}

// member reads a zip member (at most maxStream bytes).
func member(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxStream))
}

// unwrapped returns the pickle stream a loader reads inside b, when b is
// one: the decompressed content of a compressed joblib file (gzip, zlib,
// bz2, xz, lzma, lz4, as joblib writes them) and what follows the header
// of an .npy file (an object array is a pickle there).
func unwrapped(rel string, b []byte) []stream {
	var r io.Reader
	var how string
	switch {
	case bytes.HasPrefix(b, []byte("\x93NUMPY")) && len(b) >= 12:
		n, at := int(b[8])|int(b[9])<<8, 10
		if b[6] >= 2 {
			n, at = int(binary.LittleEndian.Uint32(b[8:12])), 12
		}
		if at+n >= len(b) {
			return nil
		}
		return []stream{{rel + "!after-npy-header", b[at+n:], false}}
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil
		}
		r, how = zr, "gunzip"
	case len(b) >= 2 && b[0] == 0x78 && (int(b[0])<<8|int(b[1]))%31 == 0:
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil
		}
		r, how = zr, "zlib"
	case bytes.HasPrefix(b, []byte("BZh")):
		r, how = bzip2.NewReader(bytes.NewReader(b)), "bunzip2"
	case bytes.HasPrefix(b, []byte("\xfd7zXZ\x00")):
		xr, err := xz.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil
		}
		r, how = xr, "unxz"
	case bytes.HasPrefix(b, []byte{0x5d, 0x00, 0x00}):
		lr, err := lzma.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil
		}
		r, how = lr, "unlzma"
	case bytes.HasPrefix(b, []byte{0x04, 0x22, 0x4d, 0x18}):
		r, how = lz4.NewReader(bytes.NewReader(b)), "unlz4"
	default:
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r, maxStream+1))
	if len(data) == 0 || len(data) > maxStream {
		return nil
	}
	_ = err // a truncated stream is still what a loader would read up to the error
	return []stream{{rel + "!" + how, data, false}}
}

// TestEveryFixtureReachedSubset runs Debian's C unpickler over every
// committed pickle stream, in the three ways a stream is read (as
// pickle.loads does, from a file without peek(), from a buffered file),
// with a find_class that records, and checks that every name it reached
// is among the names aibom's walker reports for the same bytes.
func TestEveryFixtureReachedSubset(t *testing.T) {
	t.Parallel()
	cfg := loaderdiff.DefaultConfig()
	cfg.CPU = 5 * time.Second
	need(t, cfg)
	streams, skipped := committedStreams(t)
	if len(streams) < 100 {
		t.Fatalf("only %d streams found", len(streams))
	}
	dir := t.TempDir()
	paths := make([]string, len(streams))
	for i, s := range streams {
		paths[i] = filepath.Join(dir, fmt.Sprintf("s%04d.pkl", i))
		if err := os.WriteFile(paths[i], s.data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := cfg.RunBatch(context.Background(), dir, paths)
	if err != nil {
		t.Fatal(err)
	}
	sc := pickle.New()
	var reachedTotal, disagreements, crashes, pickles int
	for i, b := range res {
		if b.Crash != "" {
			crashes++
			t.Errorf("%s: the loader's process died: %s", streams[i].name, b.Crash)
			continue
		}
		st := streams[i]
		reached := union(b)
		if len(reached) == 0 {
			continue
		}
		pickles++
		if st.whole && !pickle.Probe(bytes.NewReader(st.data), int64(len(st.data))) {
			disagreements++
			t.Errorf("%s: the C unpickler reaches %v; aibom's probe says it is not a pickle", st.name, reached)
			continue
		}
		seen := walkedNames(sc, st.data)
		for _, miss := range missing(b, seen) {
			disagreements++
			t.Errorf("%s: the C unpickler (%s) reaches %s; aibom's walker does not report it", st.name, miss[1], miss[0])
		}
		reachedTotal += len(reached)
	}
	t.Logf("loader differential: %d streams loaded (3 ways each), %d reached a global, %d names reached, %d disagreements, %d loader crashes; %d files skipped (over %d bytes or unreadable)",
		len(streams), pickles, reachedTotal, disagreements, crashes, skipped, maxStream)
}

// walkedNames returns every name the walker reports for b.
func walkedNames(sc *pickle.Scanner, b []byte) map[string]bool {
	res := sc.Walk(bytes.NewReader(b), 0)
	out := map[string]bool{}
	for _, r := range res.Refs {
		out[r.Name] = true
	}
	return out
}

// union returns the names reached in any way of reading, with the first
// way that reached each.
func union(b loaderdiff.Batch) map[string]string {
	out := map[string]string{}
	ways := make([]string, 0, len(b.Ways))
	for w := range b.Ways {
		ways = append(ways, w)
	}
	sort.Strings(ways)
	for _, w := range ways {
		for _, c := range b.Ways[w].Reached {
			if c.Module == "<persistent_load>" {
				continue
			}
			n := c.Module + "." + c.Name
			if _, ok := out[n]; !ok {
				out[n] = w
			}
		}
	}
	return out
}

// machinery are the attributes the C unpickler itself looks up on a class
// it instantiates or builds (instantiate, load_build): the stubs record
// the lookup, but what runs is the class, which the walker reports.
var machinery = map[string]bool{"__getinitargs__": true, "__new__": true, "__setstate__": true, "__dict__": true}

// missing returns the reached names (and the way that reached them) that
// the walker does not report.
func missing(b loaderdiff.Batch, seen map[string]bool) [][2]string {
	var out [][2]string
	for n, w := range union(b) {
		base, attr, _ := cutLast(n)
		if !seen[n] && (!machinery[attr] || !seen[base]) {
			out = append(out, [2]string{n, w})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// TestPickle2LoaderReaches checks that Debian's C unpickler, read in at
// least one of its three ways, reaches the payload of every fixture of
// testdata/pickle2 that names one: the fixtures are real threats, not
// files only aibom finds odd. (What aibom says of them is asserted in
// scanners/pickle.)
func TestPickle2LoaderReaches(t *testing.T) {
	t.Parallel()
	cfg := loaderdiff.DefaultConfig()
	cfg.CPU = 5 * time.Second
	need(t, cfg)
	dir := filepath.Join("..", "..", "testdata", "pickle2")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]struct {
		Loader  string `json:"loader"`
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	var names, paths []string
	for n, f := range fx {
		if f.Loader != "" && f.Payload != "" {
			abs, err := filepath.Abs(filepath.Join(dir, filepath.FromSlash(n)))
			if err != nil {
				t.Fatal(err)
			}
			names, paths = append(names, n), append(paths, abs)
		}
	}
	res, err := cfg.RunBatch(context.Background(), t.TempDir(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range res {
		if _, ok := union(b)[fx[names[i]].Payload]; !ok {
			t.Errorf("%s: no way of reading reaches %s: %+v", names[i], fx[names[i]].Payload, b.Ways)
		}
	}
	t.Logf("%d fixtures reach their payload in the C unpickler", len(res))
}

// fragments are the opcode snippets the random differential joins: imports
// by GLOBAL and STACK_GLOBAL, marks, tuples, calls, memo traffic, frames of
// arbitrary lengths and length-prefixed data (so that opcodes straddle).
var fragments = []string{
	"cos\nsystem\n", "ccollections\nOrderedDict\n", "cbuiltins\ngetattr\n", "ccollections.os\nsystem\n",
	"\x8c\x02os", "\x8c\x06system", "\x8c\x0bcollections", "\x8c\x0bOrderedDict", "\x93", "(", "t", ")", "\x85", "\x86",
	"\x87", "R", "b", "0", "2", "1", "\x94", "h\x00", "h\x01", "q\x00", "q\x01", "p1_0\n", "g10\n", "N", "}", "]",
	"s", "a", "K\x01", "C\x02ab", "B\x02\x00\x00\x00ab", "X\x02\x00\x00\x00ab", "U\x02ab", "S'x'\n", "Vy\n",
	"\x95\x02\x00\x00\x00\x00\x00\x00\x00", "\x95\x05\x00\x00\x00\x00\x00\x00\x00", "\x95\x0b\x00\x00\x00\x00\x00\x00\x00",
	"Q", "\x8a\x01\x05", "G\x00\x00\x00\x00\x00\x00\x00\x00",
	"\x95\x01\x00\x00\x00\x00\x00\x00\x00", "\x95\x03\x00\x00\x00\x00\x00\x00\x00", "o", "\x81", "\x92",
	"icollections\nOrderedDict\n", "\x82\x01", "(\x8c\x06module\x8c\x02os\x8c\x06system\x93t", "\x8c\x06extend",
}

// randomStream joins random fragments after a PROTO 4, ending with STOP.
func randomStream(r *rand.Rand) []byte {
	b := []byte("\x80\x04")
	for n := 4 + r.IntN(20); n > 0; n-- {
		b = append(b, fragments[r.IntN(len(fragments))]...)
	}
	return append(b, '.')
}

// TestRandomStreamsReachedSubset runs the same differential over random
// opcode soups (a fixed seed): FRAMEs whose lengths cut opcodes, stray
// marks, memo keys, with imports of os.system among them.
func TestRandomStreamsReachedSubset(t *testing.T) {
	t.Parallel()
	cfg := loaderdiff.DefaultConfig()
	cfg.CPU = 5 * time.Second
	need(t, cfg)
	r := rand.New(rand.NewPCG(11, 2026)) // a fixed, reproducible soup
	dir := t.TempDir()
	const n = 1000
	streams := make([][]byte, n)
	paths := make([]string, n)
	for i := range streams {
		streams[i] = randomStream(r)
		paths[i] = filepath.Join(dir, fmt.Sprintf("r%04d.pkl", i))
		if err := os.WriteFile(paths[i], streams[i], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := cfg.RunBatch(context.Background(), dir, paths)
	if err != nil {
		t.Fatal(err)
	}
	sc := pickle.New()
	reached, disagreements := 0, 0
	for i, b := range res {
		if len(union(b)) == 0 {
			continue
		}
		reached++
		for _, miss := range missing(b, walkedNames(sc, streams[i])) {
			disagreements++
			t.Errorf("stream %q: the C unpickler (%s) reaches %s; aibom's walker does not report it", streams[i], miss[1], miss[0])
		}
	}
	t.Logf("random differential: %d streams, %d reached a global, %d disagreements", n, reached, disagreements)
}

func cutLast(n string) (string, string, bool) {
	i := strings.LastIndexByte(n, '.')
	if i < 0 {
		return n, "", false
	}
	return n[:i], n[i+1:], true
}
