package cli

import (
	"os"
	"runtime/debug"
)

// scanMemoryLimit is the soft limit of the Go runtime's memory while
// `aibom scan` runs: enough for one LZMA dictionary at its cap
// (safeio.MaxDict, 16 MiB), the spool budget (4 MiB) and the walkers, so
// that a scan's peak memory does not grow with its input. It is soft: a scan
// that needs more (several large archives at once) still gets it, and the
// garbage collector works harder (at most half the CPU, by the runtime's own
// limiter). Measured on a 64 MiB pickle in `xz -9` and `7z -mx9` and on a
// 1 GiB 7z bomb: peak RSS 111, 115 and 107 MB without it, 96, 98 and 94 MB
// with it, in the same time; at 32 MiB the bombs took up to 1.7 times as
// long for 4 MB less.
const scanMemoryLimit = 40 << 20

// softMemoryLimit sets limit as the runtime's soft memory limit unless the
// user set GOMEMLIMIT, and returns what restores the previous one (the CLI
// also runs inside tests and other programs).
func softMemoryLimit(limit int64) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}
