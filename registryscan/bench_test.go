package registryscan

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// BenchmarkScanRegistry crawls an in-process registry of 8 large weight
// artifacts (4 ModelPack safetensors, 4 Docker model GGUF, 32 MiB each,
// all distinct) with a fresh Scanner per iteration: header-only reads (the
// default) against the baseline that reads and hashes every raw layer
// whole (--verify-blobs). It reports artifacts/s and bytes read as a
// percentage of bytes stored.
func BenchmarkScanRegistry(b *testing.B) {
	host := inProcessRegistry(b)
	p := pusher{b, host}
	const size = 32 << 20
	for i := range 4 {
		st := bigSafetensors(size + int64(i)*64)
		p.modelPack(fmt.Sprintf("bench/st-%d:v1", i), map[string][]byte{"model.safetensors": st})
		p.dockerModel(fmt.Sprintf("bench/gguf-%d:q4", i), bigGGUF(size+int64(i)*64))
	}
	for _, mode := range []struct {
		name string
		run  *runner.Runner
	}{
		{"header-only", runner.New(runner.WithoutHash())},
		{"verify-blobs", runner.New()},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var arts int
			var read, stored int64
			start := time.Now()
			for range b.N {
				s, err := New(oci.Registry{}, WithRunner(mode.run), WithJobs(4))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Run(context.Background(), host, func(r Result) error {
					arts++
					read += r.BytesRead
					stored += r.BytesStored
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(arts)/time.Since(start).Seconds(), "artifacts/s")
			b.ReportMetric(100*float64(read)/float64(stored), "read/stored-%")
		})
	}
}
