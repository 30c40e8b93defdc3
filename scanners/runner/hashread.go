package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sync"
)

// hashingReader lets the scanners' reads feed the file's SHA-256, so that
// hashing and scanning share one pass over the bytes. Every read that
// continues the hashed prefix of the file extends it; reads elsewhere (a
// zip's central directory at the end, the head of a tensor further on)
// are served but not hashed. finish then reads, once, only what no
// scanner read in order, and returns the digest.
//
// A pickle, a legacy PyTorch stream or an archive member read in order is
// therefore read once in all, and a safetensors file or a PyTorch zip is
// read once plus its headers.
type hashingReader struct {
	r    io.ReaderAt
	size int64

	mu     sync.Mutex
	h      *asyncHash // nil when hashing is off
	hashed int64      // bytes [0, hashed) are in h
	read   int64      // bytes read from r in all, for benchmarks and tests

	// A few reads are kept: the latest at offset 0 and the latest four of
	// at least minCached bytes elsewhere that do not continue the stream.
	// Every scanner whose Match looks at a file reads the same head, and
	// every zip-based one the same end-of-central-directory search at the
	// tail (again for each member); probes of a few bytes in between
	// (HDF5's signature search) do not evict them.
	cache [5]cached
	next  int // the slot among 1..4 to fill next
}

type cached struct {
	off  int64
	data []byte
}

// maxCached bounds a read that is kept (a zip's end-of-central-directory
// search reads up to 64 KiB + 22 bytes).
const maxCached = 66 << 10

// minCached is the smallest read kept, other than at offset 0.
const minCached = 512

func newHashingReader(r io.ReaderAt, size int64, hashing bool) *hashingReader {
	hr := &hashingReader{r: r, size: size}
	if hashing {
		hr.h = newAsyncHash()
	}
	return hr
}

func (hr *hashingReader) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return hr.r.ReadAt(p, off)
	}
	hr.mu.Lock()
	for _, c := range hr.cache {
		cend := c.off + int64(len(c.data))
		switch {
		case c.data == nil:
		case off >= c.off && off+int64(len(p)) <= cend:
			n := copy(p, c.data[off-c.off:])
			hr.mu.Unlock()
			return n, nil
		case off < c.off && off+int64(len(p)) > c.off && off+int64(len(p)) <= cend:
			// The kept read holds the end of this one (the same directory
			// search from a nested member, a little further back): read
			// only the part before it.
			head := int(c.off - off)
			copy(p[head:], c.data[:off+int64(len(p))-c.off])
			hr.mu.Unlock()
			n, err := hr.readAt(p[:head], off, false)
			if n < head {
				return n, err
			}
			return len(p), nil
		}
	}
	hr.mu.Unlock()
	return hr.readAt(p, off, true)
}

// readAt reads from the file, hashes what continues the hashed prefix and,
// if keep is set, keeps the read if it is one worth keeping.
func (hr *hashingReader) readAt(p []byte, off int64, keep bool) (int, error) {
	n, err := hr.r.ReadAt(p, off)
	hr.mu.Lock()
	defer hr.mu.Unlock()
	hr.read += int64(n)
	streaming := off <= hr.hashed && off+int64(n) > hr.hashed
	if hr.h != nil && streaming {
		hr.h.write(p[hr.hashed-off : n])
		hr.hashed = off + int64(n)
	}
	// Reads that continue the stream are not read again; random reads
	// ahead of it (directory searches, headers further on) may be.
	if keep && n > 0 && n <= maxCached && (off == 0 || (n >= minCached && !streaming)) {
		slot := 0
		if off != 0 {
			slot = 1 + hr.next
			hr.next = (hr.next + 1) % (len(hr.cache) - 1)
		}
		c := &hr.cache[slot]
		c.off, c.data = off, append(c.data[:0], p[:n]...)
	}
	return n, err
}

// finish hashes what is left of the file and returns the hex digest
// (empty when hashing is off).
func (hr *hashingReader) finish() (string, error) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	if hr.h == nil {
		return "", nil
	}
	for hr.hashed < hr.size {
		// Read straight into a buffer the hashing goroutine takes over.
		p := hr.h.buffer()[:min(hashChunk, hr.size-hr.hashed)]
		if n := hr.cachedPrefix(p, hr.hashed); n > 0 {
			hr.h.submit(p[:n]) // kept from a read ahead of the stream
			hr.hashed += int64(n)
			continue
		}
		if c := hr.nextCached(hr.hashed); c < int64(len(p)) {
			p = p[:c] // stop where a kept read takes over
		}
		n, err := hr.r.ReadAt(p, hr.hashed)
		hr.read += int64(n)
		hr.h.submit(p[:n])
		hr.hashed += int64(n)
		if err != nil && (err != io.EOF || hr.hashed < hr.size) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			hr.h.sum() // stop the hashing goroutine
			return "", err
		}
	}
	return hr.h.sum(), nil
}

// cachedPrefix copies into p what a kept read holds from off on, and
// returns how many bytes it copied. The caller holds mu.
func (hr *hashingReader) cachedPrefix(p []byte, off int64) int {
	for _, c := range hr.cache {
		if c.data != nil && off >= c.off && off < c.off+int64(len(c.data)) {
			return copy(p, c.data[off-c.off:])
		}
	}
	return 0
}

// nextCached returns how far after off the nearest kept read starts
// (a large number when none does). The caller holds mu.
func (hr *hashingReader) nextCached(off int64) int64 {
	best := int64(1) << 62
	for _, c := range hr.cache {
		if c.data != nil && c.off > off && c.off-off < best {
			best = c.off - off
		}
	}
	return best
}

// asyncHash computes SHA-256 on a goroutine of its own, so that a scanner
// busy parsing (a pickle walk) does not also wait for the hash: with two
// cores the two overlap. Chunks are copied into pooled buffers; at most
// hashQueue of them wait, which bounds the memory per file.
type asyncHash struct {
	ch   chan []byte
	done chan struct{}
	h    hash.Hash
}

const (
	hashQueue = 2
	hashChunk = 1 << 20
)

var hashBufs = sync.Pool{New: func() any { b := make([]byte, hashChunk); return &b }}

func newAsyncHash() *asyncHash {
	a := &asyncHash{ch: make(chan []byte, hashQueue), done: make(chan struct{}), h: sha256.New()}
	go func() {
		defer close(a.done)
		for b := range a.ch {
			a.h.Write(b)
			if cap(b) == hashChunk {
				b = b[:hashChunk]
				hashBufs.Put(&b)
			}
		}
	}()
	return a
}

// buffer returns an empty pooled buffer of hashChunk bytes, for submit.
func (a *asyncHash) buffer() []byte { return *hashBufs.Get().(*[]byte) }

// submit queues b, which must come from buffer; the hashing goroutine
// owns it from then on.
func (a *asyncHash) submit(b []byte) { a.ch <- b }

// write queues a copy of p, which the caller keeps.
func (a *asyncHash) write(p []byte) {
	for len(p) > 0 {
		n := min(len(p), hashChunk)
		b := a.buffer()[:n]
		copy(b, p[:n])
		a.submit(b)
		p = p[n:]
	}
}

// sum waits for the queued chunks and returns the hex digest. It must be
// called exactly once, and write not after it.
func (a *asyncHash) sum() string {
	close(a.ch)
	<-a.done
	return hex.EncodeToString(a.h.Sum(nil))
}
