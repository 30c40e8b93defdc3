package modelsig

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

// methodShards is the reference's "shards" serialization: every file is cut
// into shards of shard_size bytes (the last one shorter; an empty file has
// none), each named "path:start:end" and hashed with SHA-256 on its own.
const methodShards = oms.MethodShards

// unit is what one resource digest covers: a whole file, or a shard of it.
type unit struct {
	file       string // '/'-separated, "." for a single-file model
	start, end int64
	shard      bool
}

func (u unit) name() string {
	if !u.shard {
		return u.file
	}
	return oms.ShardName(u.file, u.start, u.end)
}

func wholeFiles(files []string) []unit {
	us := make([]unit, len(files))
	for i, f := range files {
		us[i] = unit{file: f}
	}
	return us
}

// shardUnits cuts files into shards as the reference does, in its order
// (path components, then offsets), refusing more than maxUnits shards.
func shardUnits(root string, files []string, shardSize int64, maxUnits int) ([]unit, error) {
	if shardSize <= 0 {
		return nil, fmt.Errorf("%w: shard size %d", ErrConfig, shardSize)
	}
	var us []unit
	for _, f := range files {
		p := root
		if f != "." {
			p = filepath.Join(root, filepath.FromSlash(f))
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		size := fi.Size()
		if n := (size + shardSize - 1) / shardSize; n > int64(maxUnits-len(us)) {
			return nil, fmt.Errorf("%w: more than %d shards", ErrTooLarge, maxUnits)
		}
		for start := int64(0); start < size; start += shardSize {
			us = append(us, unit{file: f, start: start, end: min(start+shardSize, size), shard: true})
		}
	}
	sort.SliceStable(us, func(i, j int) bool {
		if c := comparePaths(us[i].file, us[j].file); c != 0 {
			return c < 0
		}
		return us[i].start < us[j].start
	})
	return us, nil
}
