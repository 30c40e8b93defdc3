package modelsig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// walkOptions configure how a model is read from disk.
type walkOptions struct {
	ignore        []string // '/'-separated, relative to the model root
	allowSymlinks bool
	maxFiles      int
}

// ignorePaths normalizes ignore paths: absolute ones are made relative to
// root; paths outside root are dropped (they cannot match).
func ignorePaths(root string, paths []string) []string {
	var out []string
	absRoot, _ := filepath.Abs(root)
	for _, p := range paths {
		if p == "" {
			continue
		}
		if filepath.IsAbs(p) {
			rel, err := filepath.Rel(absRoot, p)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				continue
			}
			p = rel
		}
		p = filepath.ToSlash(filepath.Clean(p))
		if p != "." && !containsString(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func ignored(rel string, ignore []string) bool {
	for _, p := range ignore {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// listFiles returns the model's files (relative '/'-names, sorted), or "."
// alone when root is a regular file.
func listFiles(root string, o walkOptions) ([]string, error) {
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if !o.allowSymlinks {
			return nil, fmt.Errorf("%w: %s is a symbolic link (allow symlinks to follow it)", ErrConfig, root)
		}
		if fi, err = os.Stat(root); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if fi.Mode().IsRegular() {
		return []string{"."}, nil
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is neither a file nor a folder", ErrConfig, root)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignored(rel, o.ignore) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return addEntry(p, rel, d, o, &files)
	})
	if err != nil {
		return nil, err
	}
	sortPaths(files)
	return files, nil
}

// sortPaths sorts '/'-separated paths as the reference sorts its manifest
// (Python's PurePosixPath order): component by component, so "a/b" comes
// before "a-b" although '-' sorts before '/'. Comparing UTF-8 bytes orders
// components as Python's code-point comparison does.
func sortPaths(ps []string) {
	sort.Slice(ps, func(i, j int) bool { return comparePaths(ps[i], ps[j]) < 0 })
}

func comparePaths(a, b string) int {
	return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
}

func addEntry(p, rel string, d fs.DirEntry, o walkOptions, files *[]string) error {
	mode := d.Type()
	if mode&fs.ModeSymlink != 0 {
		if !o.allowSymlinks {
			return fmt.Errorf("%w: %s is a symbolic link (refused unless symlinks are allowed)", ErrConfig, rel)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%w: symbolic link %s: %w", ErrConfig, rel, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%w: symbolic link %s does not point to a regular file", ErrConfig, rel)
		}
		mode = 0
	}
	switch {
	case d.IsDir():
		return nil
	case mode.IsRegular():
		if len(*files) >= o.maxFiles {
			return fmt.Errorf("%w: more than %d files", ErrTooLarge, o.maxFiles)
		}
		*files = append(*files, rel)
		return nil
	default:
		return fmt.Errorf("%w: %s is not a regular file (%s)", ErrConfig, rel, mode)
	}
}

// hashFiles hashes whole files (names from listFiles) in parallel and returns
// the resources in the same order.
func hashFiles(ctx context.Context, root string, files []string) ([]resource, error) {
	return hashUnits(ctx, root, wholeFiles(files))
}

// minWorkers is how many units are hashed at once even on fewer cores. A
// file's SHA-256 is sequential, so with one worker per core 3 equal files
// on 2 cores take 2 file-times (two, then the last alone); hashed at once,
// time-sliced by the scheduler, they take 1.5, as parallel openssl
// processes do. Each worker holds a 1 MiB buffer.
const minWorkers = 8

// hashUnits hashes files or shards in parallel (so a large file cut into
// shards is hashed by every core) and returns the resources in order.
func hashUnits(ctx context.Context, root string, units []unit) ([]resource, error) {
	out := make([]resource, len(units))
	errs := make([]error, len(units))
	next := make(chan int)
	var wg sync.WaitGroup
	workers := min(max(runtime.GOMAXPROCS(0), minWorkers), max(len(units), 1))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for i := range next {
				u := units[i]
				p := root
				if u.file != "." {
					p = filepath.Join(root, filepath.FromSlash(u.file))
				}
				d, err := hashFile(ctx, p, u, buf)
				out[i], errs[i] = resource{Name: u.name(), Digest: d}, err
			}
		}()
	}
	for i := range units {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("hashing %s: %w", units[i].name(), err)
		}
	}
	return out, nil
}

func hashFile(ctx context.Context, p string, u unit, buf []byte) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = f
	if u.shard {
		r = io.NewSectionReader(f, u.start, u.end-u.start)
	}
	h := sha256.New()
	var n64 int64
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := r.Read(buf)
		n64 += int64(n)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			if u.shard && n64 != u.end-u.start {
				return "", fmt.Errorf("shard %d:%d is past the end of the file", u.start, u.end)
			}
			break
		}
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
