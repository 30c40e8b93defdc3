//go:build unix

package admission

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used: a
// benchmark's cost that does not depend on how busy the machine is.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
