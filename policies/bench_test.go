package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time: on a shared machine it
// shows the cost of an operation better than the wall clock.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs fn b.N times and reports the CPU time per operation too.
func loop(b *testing.B, fn func()) {
	b.ReportAllocs()
	start := cpuTime(b)
	n := 0
	for b.Loop() {
		fn()
		n++
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(n), "cpu-ns/op")
}

// BenchmarkEval measures one evaluation of the prepared default bundle over
// a real input (the webhook's warm path: everything but verification).
func BenchmarkEval(b *testing.B) {
	for _, name := range []string{"allowed-prod.json", "malicious-prod.json", "pii-dataset.json"} {
		b.Run(name, func(b *testing.B) {
			e := evaluator(b, nil)
			in := loadExample(b, name)
			ctx := context.Background()
			loop(b, func() {
				if _, err := e.Eval(ctx, in, WithTime(evalTime)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkEvalFacts is the same with the facts converted once (NewFacts),
// as a webhook that caches them by digest evaluates them per request.
func BenchmarkEvalFacts(b *testing.B) {
	for _, name := range []string{"allowed-prod.json", "malicious-prod.json", "pii-dataset.json"} {
		b.Run(name, func(b *testing.B) {
			e := evaluator(b, nil)
			in := loadExample(b, name)
			f, err := NewFacts(in)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			loop(b, func() {
				if _, err := e.EvalFacts(ctx, f, in.Context, WithTime(evalTime)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkEvalLargeBOM: an AI-BOM of n weight files (a sharded checkpoint
// or a model repository with many files), each with aibom's properties.
func BenchmarkEvalLargeBOM(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			in := loadExample(b, "allowed-prod.json")
			var bom map[string]any
			if err := json.Unmarshal(in.BOM, &bom); err != nil {
				b.Fatal(err)
			}
			comps := bom["components"].([]any)
			for i := range n {
				comps = append(comps, map[string]any{"bom-ref": fmt.Sprintf("file:shard-%05d.safetensors", i), "type": "file",
					"name": fmt.Sprintf("shard-%05d.safetensors", i), "hashes": []any{map[string]any{"alg": "SHA-256", "content": fingerprint(fmt.Sprint(i))[7:]}},
					"properties": []any{
						map[string]any{"name": "aibom:file:role", "value": "weights"},
						map[string]any{"name": "aibom:file:size", "value": "4294967296"},
						map[string]any{"name": "aibom:file:format", "value": "safetensors"},
						map[string]any{"name": "aibom:scan:verdict", "value": "clean"},
						map[string]any{"name": "aibom:weights:parameters", "value": "1000000000"},
					}})
			}
			bom["components"] = comps
			raw, err := json.Marshal(bom)
			if err != nil {
				b.Fatal(err)
			}
			in.BOM, in.Scan = raw, nil
			e := evaluator(b, nil)
			ctx := context.Background()
			d, err := e.Eval(ctx, in, WithTime(evalTime))
			if err != nil || !d.Allowed {
				b.Fatalf("%v %+v", err, d)
			}
			b.SetBytes(int64(len(raw)))
			loop(b, func() {
				if _, err := e.Eval(ctx, in, WithTime(evalTime)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkPrepare is the one-time cost: load the default bundle and
// prepare its query.
func BenchmarkPrepare(b *testing.B) {
	loop(b, func() { evaluator(b, nil) })
}
