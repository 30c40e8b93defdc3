package pickle

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// payload0 is os.system('true') in protocol-0 opcodes.
const payload0 = "cos\nsystem\n(S'true'\ntR."

func probeBytes(b []byte) bool { return Probe(bytes.NewReader(b), int64(len(b))) }

// TestProbeHostile: the pickles issue 9 found the sniffer stepping around
// are walked (testdata/hostile/sniff has the same as whole files).
func TestProbeHostile(t *testing.T) {
	t.Parallel()
	zipTail := "PK\x03\x04" + strings.Repeat("\x00", 200) + "PK\x05\x06" + strings.Repeat("\x00", 18)
	for name, b := range map[string]string{
		"PROTO 0":                       "\x80\x00" + payload0,
		"PROTO 1":                       "\x80\x01cos\nsystem\nq\x00(X\x04\x00\x00\x00trueq\x01tq\x02Rq\x03.",
		"import after 6 KB of NONE POP": strings.Repeat("N0", 3000) + payload0,
		"import after a 300 KB string":  "V" + strings.Repeat("a", 300<<10) + "\n0" + payload0,
		"legacy torch without PROTO":    "L119547037146038801333356L\n.M\xe9\x03.}q\x00." + payload0,
		"pickle prepended to a zip":     "\x80\x01" + payload0 + zipTail,
		"stray MARK before the import":  "(" + payload0,
	} {
		if !probeBytes([]byte(b)) {
			t.Errorf("%s: not walked as a pickle", name)
		}
	}
	// What a head-only sniff cannot decide, Probe does by reading on.
	late := []byte(strings.Repeat("N0", 3000) + payload0)
	if Sniff(late[:4096], false) {
		t.Error("Sniff decided on a head that holds no import")
	}
}

// TestProbeOrdinaryFiles: text, JSON, CSV and images are not pickles, nor
// is a plain-data pickle followed by something else.
func TestProbeOrdinaryFiles(t *testing.T) {
	t.Parallel()
	for name, b := range map[string]string{
		"markdown":                             "# Model card\n\nThis model...\n",
		"json":                                 `{"architectures": ["Bert"], "vocab_size": 30522}`,
		"csv":                                  "id,name,value\n1,a,0.5\n2,b,0.25\n",
		"csv starting with a digit":            "0,1,2\n3,4,5\n",
		"png":                                  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"jpeg":                                 "\xff\xd8\xff\xe0\x00\x10JFIF",
		"gif":                                  "GIF89a\x01\x00\x01\x00",
		"version":                              "12.10\n",
		"python":                               "import os\nimport sys\n",
		"PROTO 1 then text":                    "\x80\x01hello world",
		"data pickle then junk":                "(dp0\nS'a'\np1\nI1\ns." + "\x00\xff\x00\xff junk",
		"lines that are opcodes, then a break": "all good\nVersion 2\n",
	} {
		if probeBytes([]byte(b)) {
			t.Errorf("%s: taken for a pickle", name)
		}
	}
}

// TestDupBombStack: NONE followed by DUPs is one run of unmodelled values,
// not one stack entry per DUP (issue 9: 160M DUPs drove RSS past 1.4 GB).
func TestDupBombStack(t *testing.T) {
	t.Parallel()
	b := append(append([]byte("\x80\x02N"), bytes.Repeat([]byte("2"), 1_000_000)...), '.')
	st := NewStream(bytes.NewReader(b), 0, DefaultLimits())
	if _, err := st.Next(); err != nil {
		t.Fatal(err)
	}
	if c := cap(st.stack); c > 64 {
		t.Errorf("the stack grew to %d entries for NONE + 1M DUP", c)
	}
	// DUP of a modelled value still counts against MaxStack.
	lim := DefaultLimits()
	lim.MaxStack = 128
	b = append(append([]byte("\x80\x02X\x02\x00\x00\x00os"), bytes.Repeat([]byte("2"), 100_000)...), '.')
	st = NewStream(bytes.NewReader(b), 0, lim)
	if _, err := st.Next(); err != nil {
		t.Fatal(err)
	}
	if c := cap(st.stack); c > 2*lim.MaxStack {
		t.Errorf("the stack grew to %d entries, MaxStack %d", c, lim.MaxStack)
	}
}

var sysFiles = flag.String("sysfiles", "", "comma-separated roots whose regular files TestProbeSystemFiles checks (e.g. /usr/share,/usr/lib)")

// TestProbeSystemFiles is the false-positive check of issue 9, run by hand:
//
//	go test ./scanners/pickle -run TestProbeSystemFiles -args -sysfiles=/usr/share,/usr/lib
//
// It probes every regular file up to 16 MiB under the roots and fails on
// any that Probe takes for a pickle but that is not named like one.
func TestProbeSystemFiles(t *testing.T) {
	if *sysFiles == "" {
		t.Skip("run with -args -sysfiles=/usr/share,/usr/lib")
	}
	n, hits := 0, 0
	for _, root := range strings.Split(*sysFiles, ",") {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil //nolint:nilerr // unreadable entries are skipped
			}
			info, err := d.Info()
			if err != nil || info.Size() == 0 || info.Size() > 16<<20 {
				return nil //nolint:nilerr // as above
			}
			f, err := os.Open(p)
			if err != nil {
				return nil //nolint:nilerr // as above
			}
			defer f.Close()
			n++
			if Probe(f, info.Size()) {
				hits++
				t.Logf("pickle: %s", p)
			}
			return nil
		})
	}
	t.Logf("%d files probed, %d taken for pickles", n, hits)
}

// TestProbeWordLists: the two system files (of 182,779) that the first
// version of Probe took for pickles, word lists that read as one GLOBAL.
func TestProbeWordLists(t *testing.T) {
	t.Parallel()
	for _, b := range []string{"coverage\ncoveralls\nflake8\nsphinx\nunittest2\n", "cmake_uamqp\nuamqp\n"} {
		if probeBytes([]byte(b)) {
			t.Errorf("%q taken for a pickle", b)
		}
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	b []byte
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := bytes.NewReader(c.b).ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// TestProbeStopsAtFirstError: the probe decides at the first error that
// would stop the unpickler, so it reads only that far: a stored zip of
// ASCII text ("PK": PERSID, whose line would run to the first newline) and
// a stream whose first opcode underflows the stack cost a few KiB, not the
// file. A payload before such an error is still found.
func TestProbeStopsAtFirstError(t *testing.T) {
	t.Parallel()
	ascii := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, no newline
	for name, b := range map[string][]byte{
		"zip":       append([]byte("PK\x03\x04\x14\x00\x08\x00"), ascii...),
		"persid":    append([]byte("P"), ascii...),
		"underflow": append([]byte("0S'"), ascii...), // POP on an empty stack, then a long STRING line
	} {
		c := &countingReaderAt{b: b}
		if Probe(c, int64(len(b))) {
			t.Errorf("%s: probed as a pickle", name)
		}
		if c.n > 16<<10 {
			t.Errorf("%s: probe read %d bytes of %d", name, c.n, len(b))
		}
	}
	payload := append([]byte("cos\nsystem\n(S'true'\ntR0"), ascii...)
	if !Probe(&countingReaderAt{b: payload}, int64(len(payload))) {
		t.Error("a payload before the first error is not a pickle")
	}
}
