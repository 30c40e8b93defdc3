package runner

import (
	"strings"
	"sync"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/chattemplate"
	"github.com/seed-43c89ce6/aibom/scanners/compress"
	"github.com/seed-43c89ce6/aibom/scanners/gguf"
	"github.com/seed-43c89ce6/aibom/scanners/keras"
	"github.com/seed-43c89ce6/aibom/scanners/lfs"
	"github.com/seed-43c89ce6/aibom/scanners/numpy"
	"github.com/seed-43c89ce6/aibom/scanners/onnx"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/python"
	"github.com/seed-43c89ce6/aibom/scanners/pytorch"
	"github.com/seed-43c89ce6/aibom/scanners/safetensors"
	"github.com/seed-43c89ce6/aibom/scanners/sevenzip"
	"github.com/seed-43c89ce6/aibom/scanners/tar"
	"github.com/seed-43c89ce6/aibom/scanners/tensorflow"
	"github.com/seed-43c89ce6/aibom/scanners/text"
	"github.com/seed-43c89ce6/aibom/scanners/tflite"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// Config selects options of the default scanners.
type Config struct {
	// Policy classifies pickle callables; nil means pickle.DefaultPolicy().
	Policy *pickle.Policy
	// StoredCRCBelow, when set, is the size below which a stored zip
	// member (a PyTorch tensor storage) is read whole to check its CRC;
	// larger ones are only sniffed (zip.ScanOptions.VerifyStoredBelow,
	// default 64 MiB). A registry scan sets it low, so that a checkpoint
	// costs its directory and its pickles.
	StoredCRCBelow int64
}

// Format is one line of the registry: a scanner, the kind of file its
// format is, the refined format names it may report besides its Name, and
// a phrase for `aibom scan --help`.
type Format struct {
	Scanner scanners.Scanner
	Kind    scanners.Kind
	Refines []string
	Help    string
}

// Registry returns every format aibom knows, in the order they are tried:
// the one list. Adding a format is its own package plus one line here.
// Zip layouts (PyTorch, .npz, .keras) are refined by the zip scanner, which
// opens each archive once; a legacy PyTorch tar is tried before any tar;
// formats with a precise magic come before weaker ones, and pickle, which
// protocols 0 and 1 give no magic, last. A file that the
// first matching scanner finds invalid is also offered to the others that
// match (see dispatch).
func Registry(c Config) []Format {
	pol := c.Policy
	if pol == nil {
		pol = pickle.DefaultPolicy()
	}
	pk := pickle.New(pickle.WithPolicy(pol))
	ks := keras.New()
	zopts := zip.DefaultScanOptions()
	if c.StoredCRCBelow > 0 {
		zopts.VerifyStoredBelow = c.StoredCRCBelow
	}
	list := []Format{
		{lfs.New(), scanners.Pointer, nil, "Git LFS pointers (never clean: the content is not there)"},
		// One zip scanner opens each archive once and refines it by layout.
		{zip.New(zip.WithScanOptions(zopts), zip.WithLayouts(pytorch.NewZipWithOptions(zopts), numpy.NewNPZ(), ks)), scanners.Container, nil, ""},
		{ks, scanners.Weights, nil, "Keras .keras/.h5 (Lambda layers, unsafe modules)"},
		{pytorch.NewLegacyTar(pk), scanners.Weights, []string{"torchscript"}, "PyTorch (zip, legacy, legacy tar, TorchScript)"},
		{tar.New(tar.DefaultLimits()), scanners.Container, nil, ""},
		{sevenzip.New(sevenzip.DefaultLimits()), scanners.Container, nil, ""},
	}
	for _, s := range compress.All(compress.DefaultLimits()) {
		kind := scanners.Container
		if s.Name() == "joblib-zfile" {
			kind = scanners.Weights
		}
		list = append(list, Format{s, kind, nil, ""})
	}
	return append(list,
		Format{gguf.New(), scanners.Weights, nil, "GGUF (chat templates checked for template injection)"},
		Format{onnx.New(), scanners.Weights, nil, "ONNX (external data paths, custom operators)"},
		Format{tensorflow.New(), scanners.Weights, nil, "TensorFlow SavedModel (file, process and Python ops)"},
		Format{tflite.New(), scanners.Weights, nil, "TFLite (custom and Flex operators)"},
		Format{python.New(), scanners.Code, nil, "Python files beside the model (what runs on import)"},
		Format{chattemplate.New(), scanners.Template, nil, "chat templates (Jinja, in .jinja files and tokenizer_config.json)"},
		Format{numpy.New(pk), scanners.Weights, nil, "NumPy .npy/.npz"},
		Format{safetensors.New(), scanners.Weights, nil, "safetensors (validated to the letter of its specification)"},
		Format{pytorch.NewLegacy(pk), scanners.Weights, nil, ""},
		Format{pk, scanners.Weights, []string{"joblib"}, "pickle (protocols 0-5) and joblib (also compressed)"},
		Format{text.New(), scanners.Config, nil, "credentials in configs, cards and tokenizer files"},
	)
}

// Default returns the built-in scanners with the default configuration.
func Default() []scanners.Scanner { return Scanners(Config{}) }

// Scanners returns the scanners of the Registry, in its order.
func Scanners(c Config) []scanners.Scanner {
	reg := Registry(c)
	out := make([]scanners.Scanner, len(reg))
	for i, f := range reg {
		out[i] = f.Scanner
	}
	return out
}

var kinds = sync.OnceValue(func() map[string]scanners.Kind {
	m := map[string]scanners.Kind{}
	for _, f := range Registry(Config{}) {
		for _, n := range append([]string{f.Scanner.Name()}, f.Refines...) {
			if _, ok := m[n]; !ok {
				m[n] = f.Kind
			}
		}
	}
	return m
})

// KindOf returns the kind of files in the named format ("pytorch",
// "joblib", "zip", ...); scanners.Unknown for "unknown" and names no
// scanner reports.
func KindOf(format string) scanners.Kind { return kinds()[format] }

// Help lists the formats of the Registry for `aibom scan --help`, and the
// container formats they travel in.
func Help() string {
	var formats, containers []string
	for _, f := range Registry(Config{}) {
		switch {
		case f.Help != "":
			formats = append(formats, f.Help)
		case f.Kind == scanners.Container:
			containers = append(containers, f.Scanner.Name())
		}
	}
	return strings.Join(formats, ", ") + ", and the archives they travel in: " + strings.Join(containers, ", ") + "."
}
