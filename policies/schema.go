package policies

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed input.schema.json
var inputSchema []byte

const inputSchemaURL = "https://github.com/seed-43c89ce6/aibom/policies/input.schema.json"

// InputSchema returns the JSON Schema (draft 2020-12) of Input.
func InputSchema() []byte { return bytes.Clone(inputSchema) }

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(inputSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(inputSchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(inputSchemaURL)
})

// DecodeInput parses a JSON policy input and checks it against the input
// schema; the error names where the document is wrong.
func DecodeInput(data []byte) (*Input, error) {
	s, err := compiledSchema()
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the input schema: %w", ErrInput, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err := s.Validate(doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var in Input
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return &in, nil
}
