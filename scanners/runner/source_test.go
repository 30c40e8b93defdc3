package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// stream is a Source whose entries are streamed once, in order, as a tar
// layer's members are: Open is valid only inside the WalkFunc.
type stream struct {
	files    map[string][]byte
	order    []string
	problems map[string]error
}

func (s *stream) Info() source.Info {
	return source.Info{Kind: "stream", Root: "stream", Name: "stream"}
}

func (s *stream) Walk(ctx context.Context, fn source.WalkFunc) error {
	for _, p := range s.order {
		if err, ok := s.problems[p]; ok {
			if err := fn(&streamEntry{path: p}, err); err != nil {
				return err
			}
			continue
		}
		e := &streamEntry{path: p, b: s.files[p], live: true}
		err := fn(e, nil)
		e.live = false
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

type streamEntry struct {
	path   string
	b      []byte
	live   bool
	opened bool
}

func (e *streamEntry) Path() string   { return e.path }
func (e *streamEntry) Size() int64    { return int64(len(e.b)) }
func (e *streamEntry) Digest() string { return "" }
func (e *streamEntry) Open(context.Context) (io.ReadCloser, error) {
	if !e.live || e.opened {
		return nil, source.ErrStreamed
	}
	e.opened = true
	return io.NopCloser(bytes.NewReader(e.b)), nil
}

// TestStreamedSource: entries that can only be read once, in stream order,
// are spooled while the walk is at them and scanned like local files; a
// problem of the source is an unscanned result.
func TestStreamedSource(t *testing.T) {
	t.Parallel()
	src := &stream{
		files: map[string][]byte{
			"a/evil.pkl":  []byte("\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."),
			"b/clean.pkl": []byte("\x80\x02}."),
			"c/README.md": []byte("# hi\n"),
		},
		order:    []string{"a/evil.pkl", "b/clean.pkl", "c/README.md", "d/gone"},
		problems: map[string]error{"d/gone": source.ErrDangling},
	}
	items, err := New(WithWorkers(2)).ScanSource(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]scanners.Verdict{"a/evil.pkl": scanners.Malicious, "b/clean.pkl": scanners.Clean,
		"c/README.md": scanners.Unscanned, "d/gone": scanners.Unscanned}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for _, it := range items {
		if it.Result.Verdict != want[it.Entry.Path()] {
			t.Errorf("%s: %v, want %v (%+v)", it.Entry.Path(), it.Result.Verdict, want[it.Entry.Path()], it.Result)
		}
		if it.Entry.Path() == "d/gone" && !errors.Is(it.Problem, source.ErrDangling) {
			t.Errorf("d/gone: problem %v", it.Problem)
		}
		if it.Entry.Path() == "a/evil.pkl" && it.Result.SHA256 == "" {
			t.Error("a/evil.pkl: not hashed")
		}
	}
}
