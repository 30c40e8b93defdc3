package keras

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

const lambdaConfig = `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "lam", "function": ["AAAA", null, null], "function_type": "lambda"}}]}}`

// TestHDF5Layouts reads model_config from every layout the builder makes.
func TestHDF5Layouts(t *testing.T) {
	t.Parallel()
	attrs := func(vlen bool) []h5Attr {
		return []h5Attr{{name: "keras_version", value: "2.13.1", vlen: vlen}, {name: "model_config", value: lambdaConfig, vlen: vlen}}
	}
	cases := map[string]h5Builder{
		"v0 fixed":                 {attrs: attrs(false)},
		"v0 vlen":                  {attrs: attrs(true)},
		"v2 fixed":                 {v2: true, attrs: attrs(false)},
		"v2 vlen":                  {v2: true, attrs: attrs(true)},
		"v0 continuation":          {attrs: attrs(true), continuation: true},
		"v2 continuation":          {v2: true, attrs: attrs(false), continuation: true},
		"user block 512":           {userBlock: 512, attrs: attrs(true)},
		"user block 4096":          {userBlock: 4096, attrs: attrs(false), v2: true},
		"user block 8192 and cont": {userBlock: 8192, attrs: attrs(true), continuation: true},
	}
	for name, hb := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := hb.build()
			if !New().Match(fileOf(in), head(in)) {
				t.Fatal("Match rejected the file")
			}
			m, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if m.KerasVersion != "2.13.1" || len(m.LambdaLayers) != 1 {
				t.Fatalf("model %+v", m)
			}
			checkFindings(t, m.Findings, []want{{RuleLambda, scanners.Critical, "lam"}})
			// The finding points at the Lambda's function in the file.
			if off := m.Findings[0].Offset; !bytes.HasPrefix(in[off:], []byte(`["AAAA"`)) {
				t.Errorf("finding offset %d points at %q", off, in[off:min(len(in), int(off)+10)])
			}
		})
	}
}

// TestHDF5Unreadable checks that storage the reader cannot read is reported.
func TestHDF5Unreadable(t *testing.T) {
	t.Parallel()
	dense := append([]byte{0, 0}, le64(4096)...) // fractal heap address defined
	dense = append(dense, le64(undef)...)
	noDense := append([]byte{0, 0}, le64(undef)...)
	noDense = append(noDense, le64(undef)...)
	cases := []struct {
		name string
		msg  h5Msg
		want int
	}{
		{"dense storage", h5Msg{typ: msgAttrInfo, data: dense}, 1},
		{"no dense storage", h5Msg{typ: msgAttrInfo, data: noDense}, 0},
		{"shared attribute", h5Msg{typ: msgAttribute, flags: 0x02, data: make([]byte, 16)}, 1},
		{"short attribute info", h5Msg{typ: msgAttrInfo, data: []byte{0}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := h5Builder{extra: []h5Msg{c.msg}, eof: 1 << 20}.build()
			in = append(in, make([]byte, 1<<20-len(in))...)
			m, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range m.Findings {
				if f.Rule == RuleUnreadable && f.Severity == scanners.Medium {
					n++
				}
			}
			if n != c.want {
				t.Errorf("%d unreadable findings, want %d: %+v", n, c.want, m.Findings)
			}
		})
	}
}

type errCase struct {
	name string
	in   []byte
	msg  string
	off  int64 // -2: do not check
}

func hdf5ErrCases() []errCase {
	good := h5Model(`{"class_name": "Sequential", "config": {"layers": []}}`, true)
	set := func(b []byte, off int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], v)
		return c
	}
	setU64 := func(b []byte, off int, v uint64) []byte { return set(b, off, le64(v)...) }
	loop := h5Builder{extra: []h5Msg{{typ: msgContinuation, data: append(le64(96+16), le64(24)...)}}}.build()
	v2 := h5Builder{v2: true, attrs: []h5Attr{{name: "model_config", value: "{}"}}}.build()
	fixed := h5Builder{attrs: []h5Attr{{name: "model_config", value: `{"a": [1,]}`}}}.build()
	notString := h5Builder{attrs: []h5Attr{{name: "model_config", value: "x"}}}.build()
	i := bytes.Index(notString, []byte{0x13, 0, 0, 0, 1, 0, 0, 0})
	notString[i] = 0x10 // integer class
	heapAt := bytes.Index(good, []byte("GCOL"))
	return []errCase{
		{"bad superblock version", set(good, 8, 7), "unknown superblock version 7", 8},
		{"bad offset size", set(good, 13, 3), "invalid sizes of offsets", 13},
		{"root outside", setU64(good, 64, 1<<40), "root group address", 64},
		{"truncated", good[:len(good)-40], "file is truncated", int64(len(good) - 40)},
		{"no object header", set(good, 96, 9), "no object header", 96},
		{"continuation loop", loop, "loops back", 112},
		{"continuation outside", h5Builder{extra: []h5Msg{{typ: msgContinuation, data: append(le64(1<<30), le64(24)...)}}}.build(), "lies outside the file", 120},
		{"message overruns", set(good, 114, 0xff, 0xff), "overruns its block", 112},
		{"v2 bad version", set(v2, 52, 3), "unknown object header version 3", 52},
		{"no GCOL", set(good, heapAt, 'X'), "no global heap collection", int64(heapAt)},
		{"heap object missing", set(good, heapAt+16, 9), "global heap object", int64(heapAt)},
		{"heap collection too big", setU64(good, heapAt+8, 1<<40), "runs past the end", int64(heapAt)},
		{"heap string longer than object", set(good, bytes.LastIndex(good, le64(uint64(heapAt)))-4, 0xff, 0xff), "in a global heap object", -2},
		{"bad attribute version", set(good, 96+16+8, 9), "unknown attribute message version 9", 120},
		{"config not JSON", fixed, "invalid JSON", int64(bytes.Index(fixed, []byte(`{"a"`)) + 9)},
		{"config not object", h5Model(`[1]`, false), "not a JSON object", -2},
		{"config not string", notString, "is not a string", -2},
		{"config too deep", h5Model(strings.Repeat("[", 600), false), "nested more than", -2},
		{"trailing data", h5Model(`{} x`, false), "data after the JSON", -2},
		{"not a model", []byte("hello"), "neither", 0},
	}
}

func TestHDF5Errors(t *testing.T) {
	t.Parallel()
	for _, c := range hdf5ErrCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(bytes.NewReader(c.in), int64(len(c.in)), DefaultLimits())
			checkErr(t, err, c.msg, c.off)
		})
	}
}

func checkErr(t *testing.T, err error, msg string, off int64) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", msg)
	}
	for _, fe := range scanners.FormatErrors(err) {
		if strings.Contains(fe.Msg, msg) {
			if fe.Format != format {
				t.Errorf("format %q", fe.Format)
			}
			if off != -2 && fe.Offset != off {
				t.Errorf("offset %d, want %d (%v)", fe.Offset, off, fe)
			}
			var want *scanners.FormatError
			if !errors.As(err, &want) {
				t.Error("not a FormatError")
			}
			return
		}
	}
	t.Errorf("error %v does not say %q", err, msg)
}

func TestMessageLimits(t *testing.T) {
	t.Parallel()
	var extra []h5Msg
	for range 20 {
		extra = append(extra, h5Msg{typ: msgNil, data: make([]byte, 8)})
	}
	in := h5Builder{extra: extra}.build()
	lim := DefaultLimits()
	lim.MaxMessages = 10
	_, err := Parse(bytes.NewReader(in), int64(len(in)), lim)
	checkErr(t, err, "more than 10 messages", -2)
	lim = DefaultLimits()
	lim.MaxConfig = 10
	in = h5Model(`{"class_name": "Sequential", "config": {}}`, true)
	_, err = Parse(bytes.NewReader(in), int64(len(in)), lim)
	checkErr(t, err, "exceeds the limit", -2)
	lim = DefaultLimits()
	lim.MaxNodes = 2
	_, err = Parse(bytes.NewReader(in), int64(len(in)), lim)
	checkErr(t, err, "too many JSON values", -2)
}

func TestUint(t *testing.T) {
	t.Parallel()
	b := binary.LittleEndian.AppendUint64(nil, 0x0102030405060708)
	if le(b, 2) != 0x0708 || le(b, 4) != 0x05060708 || le(b, 8) != 0x0102030405060708 {
		t.Error("le")
	}
}
