package policyfuzz

import (
	"flag"
	"os"
	"testing"
)

// minimizeTime is the default of -fuzzminimizetime here. An evaluation of
// the default bundle takes milliseconds and the seeds are kilobytes long:
// minimizing one new input (byte by byte, then every span) takes far longer
// than the 60 s the testing package allows it, and while both workers
// minimize nothing else runs. A flag given on the command line wins.
const minimizeTime = "5s"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", minimizeTime); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
