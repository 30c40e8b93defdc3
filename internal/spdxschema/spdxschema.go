// Package spdxschema validates SPDX 3.0.1 JSON-LD documents against the
// SPDX 3.0.1 JSON Schema, which it embeds (see README.md), for tests in
// any package, without network access and without executing anything.
package spdxschema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed *.json
var files embed.FS

// Schemas are the embedded copies of the SPDX 3.0.1 JSON Schema that
// Validate checks against (README.md says where each comes from).
var Schemas = []string{"spdx-3.0.1.schema.json", "spdx-schema-3-0-1.json"}

var (
	once     sync.Once
	compiled []*jsonschema.Schema
	errSetup error
)

// Validate checks doc against every embedded copy of the schema and
// returns an error listing each violation with its JSON pointer.
func Validate(doc []byte) error {
	once.Do(compile)
	if errSetup != nil {
		return errSetup
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("spdxschema: decoding document: %w", err)
	}
	for i, sch := range compiled {
		if err := sch.Validate(v); err != nil {
			return fmt.Errorf("spdxschema: %s: %w", Schemas[i], err)
		}
	}
	return nil
}

func compile() {
	for _, name := range Schemas {
		raw, err := files.ReadFile(name)
		if err != nil {
			errSetup = err
			return
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			errSetup = fmt.Errorf("spdxschema: decoding %s: %w", name, err)
			return
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(refuse{})
		// The schema's IRI pattern uses a lookahead, which Go's regexp
		// lacks: patterns are ECMA-262 regular expressions.
		c.UseRegexpEngine(ecmaRegexp)
		url := "https://spdx.org/schema/3.0.1/" + name
		if err := c.AddResource(url, doc); err != nil {
			errSetup = fmt.Errorf("spdxschema: adding %s: %w", name, err)
			return
		}
		sch, err := c.Compile(url)
		if err != nil {
			errSetup = fmt.Errorf("spdxschema: compiling %s: %w", name, err)
			return
		}
		compiled = append(compiled, sch)
	}
}

type ecmaRE struct{ re *regexp2.Regexp }

func (r ecmaRE) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return ok && err == nil
}

func (r ecmaRE) String() string { return r.re.String() }

func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRE{re}, nil
}

type refuse struct{}

func (refuse) Load(url string) (any, error) {
	return nil, fmt.Errorf("spdxschema: %s is not embedded", url)
}
