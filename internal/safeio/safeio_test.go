package safeio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadAll(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n, limit int
		tooLarge bool
	}{{0, 10, false}, {10, 10, false}, {11, 10, true}, {3 << 20, 4 << 20, false}, {5 << 20, 4 << 20, true}} {
		b, err := ReadAll(bytes.NewReader(make([]byte, tc.n)), int64(tc.limit))
		if tc.tooLarge {
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("n=%d limit=%d: err %v, want ErrTooLarge", tc.n, tc.limit, err)
			}
			continue
		}
		if err != nil || len(b) != tc.n {
			t.Errorf("n=%d limit=%d: got %d bytes, err %v", tc.n, tc.limit, len(b), err)
		}
	}
}

func TestReadAt(t *testing.T) {
	t.Parallel()
	r := strings.NewReader("0123456789")
	if b, err := ReadAt(r, 10, 2, 3, 100); err != nil || string(b) != "234" {
		t.Errorf("got %q, %v", b, err)
	}
	for _, tc := range []struct{ size, off, n, limit int64 }{
		{10, 8, 3, 100},       // past the end
		{10, -1, 1, 100},      // negative offset
		{10, 0, 1 << 62, 100}, // lying length
		{10, 0, 5, 4},         // over the limit
		{20, 8, 5, 100},       // size larger than the reader holds: short read
	} {
		if _, err := ReadAt(r, tc.size, tc.off, tc.n, tc.limit); err == nil {
			t.Errorf("%+v: no error", tc)
		}
	}
}

func TestLimitReader(t *testing.T) {
	t.Parallel()
	if _, err := io.Copy(io.Discard, LimitReader(bytes.NewReader(make([]byte, 100)), 100)); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
	if _, err := io.Copy(io.Discard, LimitReader(bytes.NewReader(make([]byte, 101)), 100)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v, want ErrTooLarge", err)
	}
}
