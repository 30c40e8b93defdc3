package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestSoftMemoryLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(-1)
	restore := softMemoryLimit(scanMemoryLimit)
	if got := debug.SetMemoryLimit(-1); got != scanMemoryLimit {
		t.Errorf("limit during the scan = %d, want %d", got, scanMemoryLimit)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit after the scan = %d, want the previous %d", got, prev)
	}
}

func TestSoftMemoryLimitKeepsGOMEMLIMIT(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	before := debug.SetMemoryLimit(-1)
	restore := softMemoryLimit(scanMemoryLimit)
	defer restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("GOMEMLIMIT set: limit = %d, want it untouched (%d)", got, before)
	}
	if before == scanMemoryLimit || before == math.MaxInt64 && scanMemoryLimit == math.MaxInt64 {
		t.Fatal("test cannot tell the limits apart")
	}
}
