// Package fuzzmin gives a package's fuzz targets a shorter default for
// -fuzzminimizetime, from the package's TestMain.
//
// When a fuzz worker finds an input with new coverage, the testing package
// minimizes it (cutting its tail, then removing each byte, then every
// span: quadratic in its length) for up to -fuzzminimizetime, 60 s by
// default, and counts its executions only when it is done. With kilobyte
// seeds, minimization always runs to that limit, and the first mutations of
// each seed all find new coverage: both workers then minimize for minutes
// while nothing new is tried, and the reported rate is near zero. A few
// seconds keep most of the benefit.
package fuzzmin

import (
	"flag"
	"os"
	"testing"
	"time"
)

// Main sets -test.fuzzminimizetime to d unless the command line gave it,
// then runs the tests and exits with their status. Call it from TestMain.
func Main(m *testing.M, d time.Duration) {
	flag.Parse()
	if err := setDefault(d); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// setDefault sets -test.fuzzminimizetime to d unless it was given.
func setDefault(d time.Duration) error {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == flagName })
	if set {
		return nil
	}
	return flag.Set(flagName, d.String())
}

const flagName = "test.fuzzminimizetime"
