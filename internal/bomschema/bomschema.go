// Package bomschema validates CycloneDX JSON documents against the official
// JSON schemas, which it embeds (see README.md), so that tests in any package
// can check every BOM they produce without network access, without the module
// cache and without executing anything.
package bomschema

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrUnknownVersion is returned for a spec version that has no embedded schema.
var ErrUnknownVersion = errors.New("bomschema: no schema for spec version")

//go:embed schema/*.json schema/*.xsd
var files embed.FS

// baseURL is the $id prefix shared by the CycloneDX schemas; their relative
// $refs resolve against it, and the embedded files are registered under it.
const baseURL = "http://cyclonedx.org/schema/"

// resources are the embedded files, each registered under its $id.
var resources = []string{
	"bom-1.6.schema.json",
	"bom-1.7.schema.json",
	"spdx.schema.json",
	"jsf-0.82.schema.json",
	"cryptography-defs.schema.json",
}

// Versions lists the spec versions Validate accepts.
var Versions = []string{"1.6", "1.7"}

var (
	once     sync.Once
	schemas  map[string]*jsonschema.Schema
	errSetup error
)

// Validate checks doc, a CycloneDX JSON document, against the official schema
// of specVersion ("1.6" or "1.7"). It returns nil when doc is valid, and an
// error that lists every violation with its JSON pointer otherwise.
func Validate(doc []byte, specVersion string) error {
	once.Do(compileAll)
	if errSetup != nil {
		return errSetup
	}
	sch, ok := schemas[specVersion]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownVersion, specVersion)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("bomschema: decoding document: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("bomschema: CycloneDX %s: %w", specVersion, err)
	}
	return nil
}

// compileAll compiles the schema of every version in Versions once.
func compileAll() {
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	for _, name := range resources {
		raw, err := files.ReadFile("schema/" + name)
		if err != nil {
			errSetup = fmt.Errorf("bomschema: reading embedded %s: %w", name, err)
			return
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			errSetup = fmt.Errorf("bomschema: decoding embedded %s: %w", name, err)
			return
		}
		if err := c.AddResource(baseURL+name, doc); err != nil {
			errSetup = fmt.Errorf("bomschema: adding %s: %w", name, err)
			return
		}
	}
	schemas = make(map[string]*jsonschema.Schema, len(Versions))
	for _, v := range Versions {
		sch, err := c.Compile(baseURL + "bom-" + v + ".schema.json")
		if err != nil {
			errSetup = fmt.Errorf("bomschema: compiling the %s schema: %w", v, err)
			return
		}
		schemas[v] = sch
	}
}

// refuseLoader keeps the compiler off the network and the file system: every
// schema it needs is registered with AddResource beforehand.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("bomschema: %s is not embedded", url)
}

var (
	spdxOnce sync.Once
	spdxIDs  map[string]bool
)

// IsSPDXID reports whether id is in the SPDX license list of the embedded
// CycloneDX schemas: the values the schemas accept as a license's id.
// Anything else must be written as a license name or an expression.
func IsSPDXID(id string) bool {
	spdxOnce.Do(func() {
		spdxIDs = map[string]bool{}
		raw, err := files.ReadFile("schema/spdx.schema.json")
		if err != nil {
			return
		}
		var doc struct {
			Enum []string `json:"enum"`
		}
		if json.Unmarshal(raw, &doc) != nil {
			return
		}
		for _, v := range doc.Enum {
			spdxIDs[v] = true
		}
	})
	return spdxIDs[id]
}
