package compress

import (
	"bytes"
	"context"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// TestLZMAOverHeadSize: system_big.pkl.lzma (gen.py) is a hand-built
// os.system pickle behind 8000 incompressible bytes in an 8 KB legacy LZMA
// stream, as joblib.dump(compress='lzma') writes. The format check sees
// only the first 4 KiB, a cut-off stream; it used to decode nothing from
// it, so the file came out unscanned with exit 0.
func TestLZMAOverHeadSize(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "system_big.pkl.lzma")
	if len(b) <= 6<<10 || len(b) <= scanners.HeadSize {
		t.Fatalf("fixture is %d bytes: it must be over 6 KB and the head size", len(b))
	}
	if !Is(LZMA, b[:scanners.HeadSize]) {
		t.Fatal("the first 4 KiB of a legacy LZMA stream are not recognised")
	}
	fn := &scantest.Nester{FullBelow: scantest.NoLimit, Next: pickle.New()}
	file := scanners.File{Path: "model.joblib", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	res, err := New(LZMA, Limits{}).Scan(context.Background(), file)
	fs := res.Findings
	if got := scanners.VerdictOf(fs, err); got != scanners.Malicious {
		t.Fatalf("verdict %v, want malicious (findings %v, err %v)", got, fs, err)
	}
	if len(fs) == 0 || fs[0].Global != "os.system" {
		t.Errorf("findings %v, want os.system", fs)
	}
}

// TestLZMACutOff: a legacy LZMA stream cut short still hands what it
// decoded to the scanners, with the error.
func TestLZMACutOff(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "system_big.pkl.lzma")
	cut := b[:5000]
	_, fn, _, err := scanBytes(t, cut, Limits{})
	if err == nil {
		t.Error("a cut-off stream reported no error")
	}
	got := fn.Streams()
	if len(got) != 1 || len(got[0].All) < 4000 || !bytes.HasPrefix(got[0].All, []byte("\x80\x04B")) {
		t.Fatalf("decoded output not scanned: %d streams", len(got))
	}
}
