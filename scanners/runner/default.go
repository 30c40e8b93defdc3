package runner

import (
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/numpy"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/pytorch"
	"github.com/seed-43c89ce6/aibom/scanners/safetensors"
)

// Config selects options of the default scanners.
type Config struct {
	// Policy classifies pickle callables; nil means pickle.DefaultPolicy().
	Policy *pickle.Policy
}

// Default returns the built-in scanners with the default configuration.
func Default() []scanners.Scanner { return Scanners(Config{}) }

// Scanners returns the built-in scanners, in the order they are tried: the
// one list of every format aibom knows. Formats with a precise magic come
// first; pickle, which protocols 0 and 1 give no magic, comes last.
func Scanners(c Config) []scanners.Scanner {
	pol := c.Policy
	if pol == nil {
		pol = pickle.DefaultPolicy()
	}
	pk := pickle.New(pickle.WithPolicy(pol))
	return []scanners.Scanner{
		pytorch.NewZip(),
		numpy.New(pk),
		numpy.NewNPZ(),
		safetensors.New(),
		pytorch.NewLegacy(pk),
		pk,
	}
}
