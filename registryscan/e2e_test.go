package registryscan

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// filled is a registry with a few dozen repositories of every kind.
type filled struct {
	host   string
	want   map[string]scanners.Verdict // repository:tag -> verdict
	signed map[string]bool
	bom    map[string]bool
	large  []string // repository:tag of the large sparse weights
}

const largeSize = 64 << 20

// fill pushes 30 repositories: ModelPack (safetensors, GGUF, PyTorch),
// KitOps-style tars, Docker model GGUFs, plain images, some signed
// (cosign tags), some with a BOM attestation, some malicious.
func fill(t testing.TB, host string) *filled {
	t.Helper()
	p := pusher{t, host}
	f := &filled{host: host, want: map[string]scanners.Verdict{}, signed: map[string]bool{}, bom: map[string]bool{}}
	st := fixture(t, "safetensors/model.safetensors")
	evilPkl := fixture(t, "pickle/malicious_p2.pkl")
	evilPt := fixture(t, "pytorch/malicious_zip.pt")
	cleanPt := fixture(t, "pytorch/state_dict.pt")
	gguf := fixture(t, "gguf/benign.gguf")
	evilGGUF := fixture(t, "gguf/malicious_template.gguf")
	bigST, bigGG := bigSafetensors(largeSize), bigGGUF(largeSize)
	add := func(key string, d v1.Hash, v scanners.Verdict, i int) {
		f.want[key] = v
		repo, _, _ := strings.Cut(key, ":")
		if i%3 == 0 {
			p.cosignTag(repo, d, ".sig", "")
			f.signed[key] = true
		}
		if i%4 == 0 {
			p.cosignTag(repo, d, ".att", "https://cyclonedx.org/bom")
			f.bom[key] = true
		}
	}
	for i := range 6 {
		k := fmt.Sprintf("modelpack/st-%d:v1", i)
		add(k, p.modelPack(k, map[string][]byte{"model.safetensors": st}), scanners.Clean, i)
	}
	for i := range 4 {
		k := fmt.Sprintf("modelpack/pt-%d:v1", i)
		w, v := cleanPt, scanners.Clean
		if i%2 == 1 {
			w, v = evilPt, scanners.Malicious
		}
		add(k, p.modelPack(k, map[string][]byte{"pytorch_model.bin": w}), v, i)
	}
	for i := range 2 {
		k := fmt.Sprintf("large/st-%d:v1", i)
		add(k, p.modelPack(k, map[string][]byte{"model.safetensors": bigST}), scanners.Clean, i)
		f.large = append(f.large, k)
		k = fmt.Sprintf("large/gguf-%d:q4", i)
		add(k, p.dockerModel(k, bigGG), scanners.Clean, i+1)
		f.large = append(f.large, k)
	}
	for i := range 6 {
		k := fmt.Sprintf("kitops/kit-%d:latest", i)
		files := map[string][]byte{"model/model.safetensors": st, "docs/README.md": []byte("# kit\n")}
		v := scanners.Unscanned // README.md: the worst file, as aibom scan
		if i%3 == 2 {
			files["model/extra.pkl"] = evilPkl
			v = scanners.Malicious
		}
		add(k, p.kitops(k, files), v, i)
	}
	for i := range 4 {
		k := fmt.Sprintf("docker/llm-%d:q4", i)
		g, v := gguf, scanners.Clean
		if i == 3 {
			g, v = evilGGUF, scanners.Malicious
		}
		add(k, p.dockerModel(k, g), v, i)
	}
	for i := range 6 {
		k := fmt.Sprintf("images/app-%d:1.0", i)
		files := map[string][]byte{"etc/os-release": []byte("ID=test\n"), "srv/model.safetensors": st}
		v := scanners.Unscanned
		if i == 5 {
			files["srv/model.pkl"] = evilPkl
			v = scanners.Malicious
		}
		add(k, p.plainImage(k, files), v, i)
	}
	return f
}

func check(t *testing.T, f *filled, got map[string]Result) {
	t.Helper()
	for k, v := range f.want {
		r, ok := got[k]
		if !ok {
			t.Errorf("%s: no result", k)
			continue
		}
		if r.Verdict != v || r.Signed != f.signed[k] || r.BOMAttached != f.bom[k] {
			t.Errorf("%s: verdict %v signed %v bom %v, want %v %v %v\n%s", k, r.Verdict, r.Signed, r.BOMAttached, v, f.signed[k], f.bom[k], mustJSON(r))
		}
	}
	for k := range got {
		if strings.Contains(k, "sha256-") {
			t.Errorf("%s: a signature tag was scanned as an artifact", k)
		}
	}
}

// TestRealRegistry: a crawl of the distribution registry finds every
// artifact with its verdict, signature and BOM; the large safetensors and
// GGUF weights cost less than 1% of their size in bytes served (counted by
// a proxy); a second run with --cache reads no layer at all.
func TestRealRegistry(t *testing.T) {
	f := fill(t, testtools.StartRegistry(t))
	px := newProxy(t, f.host)
	cache := t.TempDir()
	s, err := New(oci.Registry{}, WithJobs(4), WithCache(cache, "test"))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, px.host())
	check(t, f, got)
	var stored, read int64
	for _, k := range f.large {
		stored += got[k].BytesStored
		read += got[k].BytesRead
	}
	if stored < int64(len(f.large))*largeSize || read*100 >= stored {
		t.Errorf("large weights: read %d of %d bytes stored, want < 1%%", read, stored)
	}
	var allStored int64
	seen := map[string]bool{}
	for _, r := range got {
		if !seen[r.Key()] {
			seen[r.Key()] = true
			allStored += r.BytesStored
		}
	}
	if served := px.blobBytes.Load(); served*100 >= allStored {
		t.Errorf("proxy served %d blob bytes for %d stored: want < 1%%", served, allStored)
	}
	t.Logf("run 1: %+v; proxy served %d blob bytes of %d stored (%.4f%%)", st, px.blobBytes.Load(), allStored, 100*float64(px.blobBytes.Load())/float64(allStored))
	if st.MemoHits == 0 {
		t.Errorf("no layer was shared between artifacts: %+v", st)
	}

	before := px.blobBytes.Load()
	s2, err := New(oci.Registry{}, WithJobs(4), WithCache(cache, "test"))
	if err != nil {
		t.Fatal(err)
	}
	got2, st2 := collect(t, s2, px.host())
	check(t, f, got2)
	if st2.LayersRead != 0 || st2.CacheHits == 0 {
		t.Errorf("second run with the cache: %+v, want no layer read", st2)
	}
	t.Logf("run 2 (cached): %+v; proxy served %d more blob bytes (configs)", st2, px.blobBytes.Load()-before)

	s3, err := New(oci.Registry{}, WithCache(cache, "rules changed"))
	if err != nil {
		t.Fatal(err)
	}
	_, st3 := collect(t, s3, px.host())
	if st3.CacheHits != 0 || st3.LayersRead == 0 {
		t.Errorf("a new cache key must not reuse results: %+v", st3)
	}
}

// TestShards: the shards of a registry are disjoint and their union is
// the unsharded run.
func TestShards(t *testing.T) {
	f := fill(t, testtools.StartRegistry(t))
	keys := func(sh Shard) []string {
		s, err := New(oci.Registry{}, WithShard(sh))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		if _, err := s.Run(context.Background(), f.host, func(r Result) error {
			out = append(out, r.Key())
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(out)
		return out
	}
	all := keys(Shard{0, 1})
	seen := map[string]int{}
	for i := range 3 {
		for _, k := range keys(Shard{i, 3}) {
			seen[k]++
		}
	}
	if len(seen) != len(all) {
		t.Errorf("union of shards: %d artifacts, unsharded: %d", len(seen), len(all))
	}
	for _, k := range all {
		if seen[k] != 1 {
			t.Errorf("%s is in %d shards, want 1", k, seen[k])
		}
	}
}
