package modelcard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// MaxIndexSize bounds a sharded checkpoint's index: a 400B-parameter
// model's runs to a few MiB.
const MaxIndexSize = 64 << 20

// WeightIndex is a sharded checkpoint's index (model.safetensors.index.json,
// pytorch_model.bin.index.json): which shard holds each tensor.
type WeightIndex struct {
	// TotalSize is metadata.total_size, the bytes of all tensors (0 when
	// absent).
	TotalSize int64
	// Shards maps each shard's file name, as the index writes it, to the
	// tensors the index places in it, sorted.
	Shards map[string][]string
	// Tensors is the number of tensors the index maps.
	Tensors int
}

// ErrNoWeightMap is wrapped by the error of ParseWeightIndex for a JSON
// object without a weight_map: a file named *.index.json that is not a
// sharded checkpoint's index.
var ErrNoWeightMap = errors.New("modelcard: no weight_map")

// ParseWeightIndex parses a weight index of at most MaxIndexSize bytes.
// Shard names must be plain relative paths: one that is absolute or leaves
// the folder (a loader would open it) is an error.
func ParseWeightIndex(r io.Reader, name string) (*WeightIndex, error) {
	obj, err := decodeObject(r, name, MaxIndexSize)
	if err != nil {
		return nil, err
	}
	var wm map[string]string
	if raw, ok := obj["weight_map"]; !ok {
		return nil, &SyntaxError{Name: name, Msg: "no weight_map", Err: ErrNoWeightMap}
	} else if err := json.Unmarshal(raw, &wm); err != nil {
		return nil, &SyntaxError{Name: name, Msg: "weight_map is not an object of tensor names to shard files", Err: err}
	}
	idx := &WeightIndex{Shards: map[string][]string{}, Tensors: len(wm)}
	var meta jsonObject
	if raw, ok := obj["metadata"]; ok && json.Unmarshal(raw, &meta) == nil && meta != nil {
		idx.TotalSize = meta.int("total_size")
	}
	var bad []string
	for tensor, shard := range wm {
		if c := path.Clean(shard); shard == "" || strings.HasPrefix(shard, "/") || c == ".." || strings.HasPrefix(c, "../") ||
			strings.ContainsAny(shard, "\\\x00") {
			bad = append(bad, shard)
			continue
		}
		idx.Shards[shard] = append(idx.Shards[shard], tensor)
	}
	for _, ts := range idx.Shards {
		sort.Strings(ts)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return idx, &SyntaxError{Name: name, Msg: fmt.Sprintf("shard names that leave the folder: %q", bad)}
	}
	return idx, nil
}

// ShardNames returns the shard file names, sorted.
func (w *WeightIndex) ShardNames() []string {
	out := make([]string, 0, len(w.Shards))
	for s := range w.Shards {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
