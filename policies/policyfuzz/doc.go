// Package policyfuzz holds the fuzz targets of package policies, apart from
// its other tests: those link the scanners and the AI-BOM generator (1,833
// packages) to build their inputs, and under -fuzz every package linked
// into the test binary carries coverage counters that each execution
// resets, copies and compares. Here the test binary links policies and OPA
// only. Run a target with
//
//	go test -run '^$' -fuzz '^FuzzEvalJSON$' -fuzztime 5m ./policies/policyfuzz/
package policyfuzz
