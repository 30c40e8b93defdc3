package fuzzmin

import (
	"flag"
	"testing"
	"time"
)

func TestSetDefault(t *testing.T) {
	f := flag.Lookup(flagName)
	if f == nil {
		t.Fatalf("the testing package has no -%s", flagName)
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == flagName })
	before := f.Value.String()
	if err := setDefault(7 * time.Second); err != nil {
		t.Fatal(err)
	}
	if given {
		if f.Value.String() != before {
			t.Fatalf("-%s=%s given, then changed to %s", flagName, before, f.Value)
		}
		return
	}
	if f.Value.String() != "7s" {
		t.Fatalf("-%s is %s, want 7s", flagName, f.Value)
	}
	// Once set, it is given: a second default does not change it.
	if err := setDefault(time.Second); err != nil || f.Value.String() != "7s" {
		t.Fatalf("second default: %v, %s", err, f.Value)
	}
}
