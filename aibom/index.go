package aibom

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// linkShards reads each sharded checkpoint's index (*.index.json with a
// weight_map) and ties it to its shards: the index depends on them, each
// shard names its index, and the index records its shard and tensor
// counts. An index naming a shard that is not in the source, or placing a
// tensor in a shard whose header has no such tensor, is a problem: the
// checkpoint will not load as described, or was tampered with.
func linkShards(ctx context.Context, in []fileEntry) ([]fileEntry, []source.Problem) {
	files := append([]fileEntry(nil), in...)
	byPath := make(map[string]int, len(files))
	for i, f := range files {
		byPath[f.src.Path] = i
	}
	// edit returns files[i]'s info, copied on first change so that in is
	// never changed.
	copied := map[int]bool{}
	edit := func(i int) *weightInfo {
		if !copied[i] {
			copied[i] = true
			files[i].info = files[i].info.clone()
		}
		return files[i].info
	}
	var problems []source.Problem
	for i, fe := range files {
		f := fe.scan
		if !strings.HasSuffix(strings.ToLower(f.Path), ".index.json") || f.Format != "unknown" {
			continue
		}
		idx, err := readIndex(ctx, fe.src)
		if idx == nil {
			if err != nil && !errors.Is(err, errNotIndex) {
				problems = append(problems, source.Problem{Path: f.Path, Err: err})
			}
			continue
		}
		if err != nil {
			problems = append(problems, source.Problem{Path: f.Path, Err: err})
		}
		wi := edit(i)
		wi.props = append(wi.props,
			cdx.Property{Name: propIndexShards, Value: fmt.Sprint(len(idx.Shards))},
			cdx.Property{Name: propIndexTensors, Value: fmt.Sprint(idx.Tensors)})
		if idx.TotalSize > 0 {
			wi.props = append(wi.props, cdx.Property{Name: propIndexTotalSize, Value: fmt.Sprint(idx.TotalSize)})
		}
		dir := path.Dir(f.Path)
		for _, shard := range idx.ShardNames() {
			p := path.Join(dir, shard)
			j, ok := byPath[p]
			if !ok {
				problems = append(problems, source.Problem{Path: f.Path, Err: fmt.Errorf("the index names shard %s, which is not in the source", p)})
				continue
			}
			wi.dependsOn = append(wi.dependsOn, fileRef(p))
			si := edit(j)
			si.props = append(si.props, cdx.Property{Name: propWeightsIndex, Value: f.Path})
			if missing := missingTensors(idx.Shards[shard], si); len(missing) > 0 {
				problems = append(problems, source.Problem{Path: f.Path, Err: fmt.Errorf(
					"the index places %d tensor(s) in %s that its header does not hold: %s", len(missing), p, clip(missing, 3))})
			}
		}
	}
	return files, problems
}

var errNotIndex = errors.New("not a weight index")

func readIndex(ctx context.Context, f source.File) (*modelcard.WeightIndex, error) {
	fh, err := f.Entry.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	idx, err := modelcard.ParseWeightIndex(fh, f.Path)
	if idx == nil && errors.Is(err, modelcard.ErrNoWeightMap) {
		return nil, errNotIndex
	}
	return idx, err
}

// clone returns a copy of wi (an empty one for nil) whose slices can be
// appended to without changing wi.
func (wi *weightInfo) clone() *weightInfo {
	if wi == nil {
		return &weightInfo{}
	}
	c := *wi
	c.props = append([]cdx.Property(nil), wi.props...)
	c.dependsOn = append([]string(nil), wi.dependsOn...)
	return &c
}

// missingTensors lists the tensors of want that the shard's header (when
// its format gives an inventory) does not hold.
func missingTensors(want []string, wi *weightInfo) []string {
	if len(wi.tensors) == 0 {
		return nil // no inventory (a pickle shard): nothing to compare
	}
	have := make(map[string]bool, len(wi.tensors))
	for _, t := range wi.tensors {
		have[t[0]] = true
	}
	var out []string
	for _, t := range want {
		if !have[t] {
			out = append(out, t)
		}
	}
	return out
}

func clip(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:n], ", ") + fmt.Sprintf(", and %d more", len(list)-n)
}
