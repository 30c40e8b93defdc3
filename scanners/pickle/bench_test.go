package pickle

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// synthetic builds a protocol 4 pickle of n floats appended in batches of
// 1000, the shape of pickle.dump([float(i) for i in range(n)]).
func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04]\x94")
	for i := 0; i < n; i += 1000 {
		b.WriteByte('(')
		for j := i; j < min(n, i+1000); j++ {
			b.WriteByte('G')
			b.Write(u64(uint64(j)))
		}
		b.WriteByte('e')
	}
	b.WriteByte('.')
	return b.Bytes()
}

func BenchmarkWalkSynthetic(b *testing.B) {
	data := synthetic(2_000_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		res := Walk(bytes.NewReader(data), 0, DefaultLimits())
		if res.Pickles != 1 {
			b.Fatalf("%d pickles", res.Pickles)
		}
	}
}

// BenchmarkWalkLarge walks the inputs that bench/gen.py writes to
// bench/out (skipped when they are missing). It reports the peak heap
// during the walk as peak-MiB.
func BenchmarkWalkLarge(b *testing.B) {
	for _, name := range []string{"big.pkl", "strings.pkl"} {
		path := filepath.Join("..", "..", "bench", "out", name)
		b.Run(name, func(b *testing.B) {
			f, err := os.Open(path)
			if err != nil {
				b.Skipf("%v: run /usr/bin/python3 bench/gen.py bench/out first", err)
			}
			defer f.Close()
			st, _ := f.Stat()
			b.SetBytes(st.Size())
			var peak uint64
			for b.Loop() {
				_, _ = f.Seek(0, 0)
				res := walkPeak(f, &peak)
				b.ReportMetric(float64(res.Ops), "opcodes")
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}

func samplePeak(peak *uint64, done chan struct{}) {
	var ms runtime.MemStats
	for {
		select {
		case <-done:
			return
		default:
		}
		runtime.ReadMemStats(&ms)
		*peak = max(*peak, ms.HeapInuse)
		time.Sleep(10 * time.Millisecond)
	}
}

// walkPeak walks r and raises *peak to the most heap in use sampled
// during the walk.
func walkPeak(r io.Reader, peak *uint64) *Result {
	done, sampled := make(chan struct{}), make(chan struct{})
	go func() { samplePeak(peak, done); close(sampled) }()
	res := Walk(r, 0, DefaultLimits())
	close(done)
	<-sampled
	return res
}

// walkFilePeak is walkPeak of the file at path, after a GC.
func walkFilePeak(b *testing.B, path string, peak *uint64) *Result {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	return walkPeak(f, peak)
}

// adversarial builds a pickle that fills the stack and the memo with the
// longest strings the walker keeps, then hides os.system at the end.
func adversarial() []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04")
	name := bytes.Repeat([]byte("a"), 126)
	for i := range 400_000 {
		b.WriteByte(0x8c)
		b.WriteByte(128)
		b.Write(name)
		fmt.Fprintf(&b, "%02d", i%100)
		b.WriteByte(0x94) // MEMOIZE
	}
	b.WriteString("\x8c\x02os\x8c\x06system\x93.")
	return b.Bytes()
}

// BenchmarkWalkAdversarialMemory reports the peak heap of a walk over
// input built to maximise what the model keeps.
func BenchmarkWalkAdversarialMemory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "adv.pkl")
	if err := os.WriteFile(path, adversarial(), 0o644); err != nil {
		b.Fatal(err)
	}
	if st, err := os.Stat(path); err == nil {
		b.SetBytes(st.Size())
	}
	var peak uint64
	for b.Loop() {
		res := walkFilePeak(b, path, &peak)
		if len(res.Refs) == 0 {
			b.Fatal("os.system lost")
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

// BenchmarkWalkMarks walks 200k nested MARKs (more than the stack limit):
// the time must stay linear.
func BenchmarkWalkMarks(b *testing.B) {
	data := append(append([]byte("\x80\x02"), bytes.Repeat([]byte("("), 200_000)...), "cos\nsystem\n."...)
	for b.Loop() {
		Walk(bytes.NewReader(data), 0, DefaultLimits())
	}
}

// BenchmarkWalkDupBomb walks PROTO 2, NONE, 40M DUP, STOP (issue 9: 5.4 GB
// of RSS before the fix) from a file and reports the peak heap, which must
// not depend on the count.
func BenchmarkWalkDupBomb(b *testing.B) {
	path := filepath.Join(b.TempDir(), "dup.pkl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = f.WriteString("\x80\x02N")
	chunk := bytes.Repeat([]byte("2"), 1<<20)
	for range 40 {
		_, _ = f.Write(chunk)
	}
	_, _ = f.WriteString(".")
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(40 << 20)
	var peak uint64
	for b.Loop() {
		res := walkFilePeak(b, path, &peak)
		if res.Pickles != 1 {
			b.Fatalf("%d pickles, errors %v", res.Pickles, res.Errors)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}
