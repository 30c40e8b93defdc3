//go:build !unix

package admission

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
