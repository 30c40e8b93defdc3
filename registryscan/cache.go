package registryscan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// memo remembers, for one run, the result of each layer: a layer is read
// at most once however many artifacts hold it.
type memo struct {
	mu sync.Mutex
	m  map[string]*memoEntry

	read, hits, cached atomic.Int64
}

type memoEntry struct {
	done  chan struct{}
	files []File
}

// do returns the result for key, computing it with fn once; hit says it
// was already there (or being computed by another artifact).
func (m *memo) do(key string, fn func() []File) (files []File, hit bool) {
	m.mu.Lock()
	e, ok := m.m[key]
	if !ok {
		e = &memoEntry{done: make(chan struct{})}
		m.m[key] = e
	}
	m.mu.Unlock()
	if ok {
		<-e.done
		return e.files, true
	}
	e.files = fn()
	close(e.done)
	return e.files, false
}

// diskCache keeps layer results across runs under dir/<scanner key>/.
type diskCache struct{ dir string }

// maxCacheEntry bounds one cached layer result.
const maxCacheEntry = 64 << 20

func newDiskCache(dir, key string) (*diskCache, error) {
	if dir == "" || key == "" {
		return nil, fmt.Errorf("%w: cache needs a folder and a scanner key", ErrConfig)
	}
	sum := sha256.Sum256([]byte(key))
	d := filepath.Join(dir, hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(d, 0o750); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &diskCache{dir: d}, nil
}

func (c *diskCache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".json")
}

// get returns the cached files for key; a missing or unreadable entry is
// a miss.
func (c *diskCache) get(key string) ([]File, bool) {
	f, err := os.Open(c.path(key))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := safeio.ReadAll(f, maxCacheEntry)
	if err != nil {
		return nil, false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Key != key {
		return nil, false
	}
	return e.Files, true
}

type cacheEntry struct {
	Key   string `json:"key"`
	Files []File `json:"files"`
}

// put stores files for key atomically (temporary file, fsync, rename).
func (c *diskCache) put(key string, files []File) error {
	b, err := json.Marshal(cacheEntry{Key: key, Files: files})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("cache: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path(key)); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
