package pytorch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"path"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/tar"
)

// LegacyTar scans PyTorch's oldest checkpoint form, which torch.load still
// tries first: a tar with the members sys_info, pickle, tensors and
// storages. "storages" and "tensors" interleave pickles with raw bytes;
// they are walked by their layout (each record's pickle, then the bytes it
// declares), so that every pickle in them is found, whatever its protocol.
// The other members go through the full scanner set.
type LegacyTar struct {
	pk  *pickle.Scanner
	tar *tar.Scanner
	lim tar.Limits
}

// NewLegacyTar returns a LegacyTar scanner reporting pickles through pk.
func NewLegacyTar(pk *pickle.Scanner) *LegacyTar {
	return &LegacyTar{pk: pk, tar: tar.New(tar.DefaultLimits()), lim: tar.DefaultLimits()}
}

// Name implements scanners.Scanner.
func (l *LegacyTar) Name() string { return "pytorch" }

// Match reports whether f is a tar (from its head); Scan decides whether it
// is a legacy checkpoint.
func (l *LegacyTar) Match(_ scanners.File, head []byte) bool { return tar.Sniff(head) }

// Scan implements scanners.Scanner: a tar holding the members torch's
// legacy tar loader reads ("pickle" and "storages") is walked as one; any
// other tar is declined with scanners.ErrNotMatched, for the tar scanner.
func (l *LegacyTar) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	names := map[string]bool{}
	_, _ = tar.Walk(f.R, f.Size, l.lim, func(m tar.Member) error {
		names[m.Header.Name] = true
		return nil
	})
	if !names["pickle"] || !names["storages"] {
		return scanners.Result{}, scanners.ErrNotMatched
	}
	f.Nested = legacyMembers{l: l, next: f.Nested}
	return l.tar.Scan(ctx, f)
}

// legacyMembers walks the storages and tensors members by their layout and
// hands every other member to the full scanner set.
type legacyMembers struct {
	l    *LegacyTar
	next scanners.Nester
}

func (n legacyMembers) ScanNested(ctx context.Context, f scanners.File) (scanners.Result, error) {
	switch path.Clean(f.Name) {
	case "storages":
		fs, err := n.l.records(f, skipStorage)
		return scanners.Nest(f.Name, scanners.Result{Format: "pickle", Findings: fs}, err)
	case "tensors":
		fs, err := n.l.records(f, skipTensor)
		return scanners.Nest(f.Name, scanners.Result{Format: "pickle", Findings: fs}, err)
	}
	if n.next == nil {
		return scanners.Result{Format: "unknown"}, nil
	}
	return n.next.ScanNested(ctx, f)
}

// records walks a member made of a count pickle, then for each record a
// pickle followed by raw bytes that skip measures, then anything after.
func (l *LegacyTar) records(f scanners.File, skip func(*pickle.Stream, pickle.Value) error) ([]scanners.Finding, error) {
	st := l.pk.NewStream(io.NewSectionReader(f.R, 0, f.Size), 0)
	fail := func(err error) ([]scanners.Finding, error) {
		var pe *pickle.Error
		if !errors.As(err, &pe) {
			pe = &pickle.Error{Offset: st.Offset(), Msg: err.Error()}
		}
		st.Record(pe)
		st.WalkRest()
		return l.pk.Report(st.Result())
	}
	v, err := st.Next()
	if err != nil {
		return fail(err)
	}
	count, ok := v.Int()
	if !ok || count < 0 {
		return fail(errors.New("the record count is not a non-negative integer"))
	}
	for i := int64(0); i < count; i++ {
		rec, err := st.Next()
		if err != nil {
			return fail(fmt.Errorf("record %d of %d: %w", i, count, err))
		}
		if err := skip(st, rec); err != nil {
			return fail(fmt.Errorf("record %d of %d: %w", i, count, err))
		}
	}
	st.WalkRest()
	return l.pk.Report(st.Result())
}

// skipStorage skips one storage's bytes: rec is (key, location,
// storage_type), followed by an 8-byte element count and the elements.
func skipStorage(st *pickle.Stream, rec pickle.Value) error {
	items := rec.Items()
	if len(items) != 3 {
		return errors.New("storage record is not a (key, location, type) tuple")
	}
	typ, _ := items[2].Global()
	size := elementSize(typ)
	if size == 0 {
		return fmt.Errorf("storage type %q unknown", typ)
	}
	var num [8]byte
	if err := st.ReadFull(num[:]); err != nil {
		return errors.New("storage size missing")
	}
	hi, n := bits.Mul64(binary.LittleEndian.Uint64(num[:]), size)
	if hi != 0 || n > math.MaxInt64 {
		return errors.New("storage size overflows")
	}
	if err := st.Skip(int64(n)); err != nil {
		return fmt.Errorf("%d storage bytes run past the end of the member", n)
	}
	return nil
}

// skipTensor skips one tensor's geometry: a 4-byte dimension count, 4
// unused bytes, the sizes and strides (8 bytes each per dimension) and an
// 8-byte storage offset.
func skipTensor(st *pickle.Stream, _ pickle.Value) error {
	var hdr [8]byte
	if err := st.ReadFull(hdr[:]); err != nil {
		return errors.New("tensor dimension count missing")
	}
	ndim := int32(binary.LittleEndian.Uint32(hdr[:4])) //nolint:gosec // the format's int32
	if ndim < 0 || ndim > 64 {
		return fmt.Errorf("tensor has %d dimensions", ndim)
	}
	if err := st.Skip(16*int64(ndim) + 8); err != nil {
		return errors.New("tensor geometry runs past the end of the member")
	}
	return nil
}
