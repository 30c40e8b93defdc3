package policyfuzz

import (
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/fuzzmin"
)

// TestMain minimizes a new input for 5 s, not 60 s, unless the command line
// says otherwise: an evaluation of the default bundle takes milliseconds
// and the seeds are kilobytes long (see package fuzzmin).
func TestMain(m *testing.M) { fuzzmin.Main(m, 5*time.Second) }
