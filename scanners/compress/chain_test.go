package compress_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/compress"
	"github.com/seed-43c89ce6/aibom/scanners/sevenzip"
	sctar "github.com/seed-43c89ce6/aibom/scanners/tar"
	sczip "github.com/seed-43c89ce6/aibom/scanners/zip"
)

// dispatcher is a miniature runner: the first matching scanner wins.
type dispatcher struct {
	list []scanners.Scanner
	seen []string
}

func (d *dispatcher) ScanNested(ctx context.Context, f scanners.File) (scanners.Result, error) {
	head := make([]byte, min(f.Size, scanners.HeadSize))
	n, _ := f.R.ReadAt(head, 0)
	d.seen = append(d.seen, f.Member)
	for _, s := range d.list {
		if s.Match(f, head[:n]) {
			res, err := s.Scan(ctx, f)
			if res.Format == "" {
				res.Format = s.Name()
			}
			return scanners.Nest(f.Name, res, err)
		}
	}
	return scanners.Result{Format: "unknown"}, nil
}

// TestChain scans a gzip of a tar holding a zip whose member is flagged
// encrypted: the finding comes back with the full member path.
func TestChain(t *testing.T) {
	t.Parallel()
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "m/data.pkl", Method: zip.Store, Flags: 1})
	_, _ = w.Write([]byte("\x80\x02cos\nsystem\n."))
	_ = zw.Close()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	_ = tw.WriteHeader(&tar.Header{Name: "inner.zip", Size: int64(zb.Len()), Mode: 0o644, Typeflag: tar.TypeReg})
	_, _ = tw.Write(zb.Bytes())
	_ = tw.Close()
	var gb bytes.Buffer
	gw := gzip.NewWriter(&gb)
	gw.Name = "model.tar"
	_, _ = gw.Write(tb.Bytes())
	_ = gw.Close()

	d := &dispatcher{}
	d.list = append([]scanners.Scanner{sczip.New(), sctar.New(sctar.DefaultLimits()), sevenzip.New(sevenzip.DefaultLimits())}, compress.All(compress.DefaultLimits())...)
	f := scanners.File{Path: "model.tar.gz", Size: int64(gb.Len()), R: bytes.NewReader(gb.Bytes()), Nested: d}
	got, err := scanners.FindingsOf(d.ScanNested(context.Background(), f))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Rule != sczip.RuleEncrypted || got[0].Member != "model.tar!inner.zip" {
		t.Fatalf("findings %+v", got)
	}
	want := []string{"", "model.tar", "model.tar!inner.zip", "model.tar!inner.zip!m/data.pkl"}
	if diff := cmp.Diff(want, d.seen); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
}
