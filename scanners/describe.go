package scanners

// Kind says what role the files of a format play in a model. Each format
// declares its kind in the registry (scanners/runner); aibom names a file's
// role by it.
type Kind string

// Kinds of format.
const (
	// Weights hold a model's parameters (and possibly code that runs when
	// they are loaded): pickle, PyTorch, safetensors, GGUF, ONNX, ...
	Weights Kind = "weights"
	// Container formats only hold other streams: zip, tar, 7z, gzip, ...
	// A manual.zip or a src.tar.gz is a container, not weights.
	Container Kind = "container"
	// Template is a chat template (Jinja) a tokenizer renders.
	Template Kind = "chat-template"
	// Config is configuration a loader reads.
	Config Kind = "config"
	// Code is source code a loader may run.
	Code Kind = "code"
	// Pointer files stand for content kept elsewhere (a Git LFS pointer):
	// the content was not there to scan, so a pointer is never clean.
	Pointer Kind = "pointer"
	// Unknown is for formats aibom does not know.
	Unknown Kind = ""
)

// Meta is what a scanner parsed that describes a stream (a weight file's
// header, a graph): Result.Meta. Each format's metadata type implements
// it in the format's own package, so that aibom encodes every format the
// same way, without knowing any.
type Meta interface {
	// Describe returns what the BOM records about the stream.
	Describe() Description
}

// Description is what a format says about one file for the AI-BOM.
type Description struct {
	// Properties describe the file ("aibom:gguf:architecture" = "llama"),
	// encoded as they are (Add leaves out empty values).
	Properties []Property
	// Params counts parameters by dtype or quantization.
	Params map[string]uint64
	// Tensors is the tensor inventory, in file order.
	Tensors []Tensor
	// BaseModels and Datasets are what the file's own metadata names
	// (GGUF's general.base_model.*, general.dataset.*).
	BaseModels, Datasets []string
}

// Property is one name/value pair of a Description.
type Property struct{ Name, Value string }

// Tensor is one entry of a tensor inventory: its name and a description
// of its type and shape ("F32 [2 4]").
type Tensor struct{ Name, Type string }

// Add appends the property name=value unless value is empty or "0".
func (d *Description) Add(name, value string) {
	if value != "" && value != "0" {
		d.Properties = append(d.Properties, Property{Name: name, Value: value})
	}
}
