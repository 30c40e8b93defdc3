package runner

import (
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/chattemplate"
	"github.com/seed-43c89ce6/aibom/scanners/compress"
	"github.com/seed-43c89ce6/aibom/scanners/gguf"
	"github.com/seed-43c89ce6/aibom/scanners/keras"
	"github.com/seed-43c89ce6/aibom/scanners/numpy"
	"github.com/seed-43c89ce6/aibom/scanners/onnx"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/pytorch"
	"github.com/seed-43c89ce6/aibom/scanners/safetensors"
	"github.com/seed-43c89ce6/aibom/scanners/sevenzip"
	"github.com/seed-43c89ce6/aibom/scanners/tar"
	"github.com/seed-43c89ce6/aibom/scanners/tensorflow"
	"github.com/seed-43c89ce6/aibom/scanners/tflite"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// Config selects options of the default scanners.
type Config struct {
	// Policy classifies pickle callables; nil means pickle.DefaultPolicy().
	Policy *pickle.Policy
}

// Default returns the built-in scanners with the default configuration.
func Default() []scanners.Scanner { return Scanners(Config{}) }

// Scanners returns the built-in scanners, in the order they are tried: the
// one list of every format aibom knows. Specific container layouts come
// before the generic container (a PyTorch zip before any zip), formats
// with a precise magic before weaker ones, and pickle, which protocols 0
// and 1 give no magic, last. A file that the first matching scanner finds
// invalid is also offered to the others that match (see dispatch).
func Scanners(c Config) []scanners.Scanner {
	pol := c.Policy
	if pol == nil {
		pol = pickle.DefaultPolicy()
	}
	pk := pickle.New(pickle.WithPolicy(pol))
	list := []scanners.Scanner{
		pytorch.NewZip(),
		numpy.NewNPZ(),
		keras.New(),
		zip.New(),
		pytorch.NewLegacyTar(pk),
		tar.New(tar.DefaultLimits()),
		sevenzip.New(sevenzip.DefaultLimits()),
	}
	list = append(list, compress.All(compress.DefaultLimits())...)
	return append(list,
		gguf.New(),
		onnx.New(),
		tensorflow.New(),
		tflite.New(),
		chattemplate.New(),
		numpy.New(pk),
		safetensors.New(),
		pytorch.NewLegacy(pk),
		pk,
	)
}
