package scantest

import (
	"encoding/json"
	"os"
	"testing"
)

// Expectation is one entry of a fixture folder's expected.json
// (testdata/models and its format folders), written by the generator
// beside the files it made.
type Expectation struct {
	Verdict string   `json:"verdict"`
	Format  string   `json:"format"`
	Globals []string `json:"globals"`
	Derived []string `json:"derived"`
	Why     string   `json:"why"`
}

// ReadExpected reads the expected.json at path: the expectations by
// fixture path. A file that cannot be read or decoded fails tb.
func ReadExpected(tb testing.TB, path string) map[string]Expectation {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var want map[string]Expectation
	if err := json.Unmarshal(raw, &want); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return want
}
