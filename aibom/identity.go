package aibom

import (
	"path"
	"strings"
	"unicode"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// Property names of the model's identity.
const (
	propIdentitySource = "aibom:model:identity_source"
	propModelTitle     = "aibom:model:title"
)

// Where an identity or a lineage entry came from.
const (
	idHFCache    = "huggingface cache"
	idModelIndex = "model-index name"
	idNameOrPath = "_name_or_path"
	idCardTitle  = "card title"
	srcConfig    = "config _name_or_path"
	srcModelfile = "Modelfile FROM"
)

// identity names the model: its Hugging Face repository id, from the
// first of these that gives one, and a pkg:huggingface purl (with the
// revision when the source knows it) and its publisher:
//
//   - the Hugging Face cache's repository id (certain);
//   - the card's model-index name when it is "org/name";
//   - config.json's (or model_index.json's) _name_or_path when it is
//     "org/name" and its name agrees with the folder's name, the card's
//     title or the model-index name. Trainers save the id of the model
//     they started from there, so a _name_or_path that nothing agrees
//     with is the model's ancestor (see nameOrPathAncestor), not its name.
//
// Without an id, the model is named after the card's title, else the
// model-index name, else its folder.
func identity(c *cdx.Component, src *listing, meta repoMeta, x repoExtras) {
	if x.title != "" {
		*c.Properties = append(*c.Properties, cdx.Property{Name: propModelTitle, Value: x.title})
	}
	if src.Kind == source.HuggingFaceCache {
		setPublisher(c, idHFCache)
		return
	}
	id, how := modelID(src, meta, x)
	if id == "" {
		if name := displayName(meta, x); name != "" && src.art == nil {
			c.Name = name
			*c.Properties = append(*c.Properties, cdx.Property{Name: propIdentitySource, Value: idCardTitle})
		}
		return
	}
	c.Group, c.Name, _ = strings.Cut(id, "/")
	c.PackageURL = modelcard.PackageURL(id, "")
	setPublisher(c, how)
}

func setPublisher(c *cdx.Component, how string) {
	if c.Group != "" {
		c.Publisher = c.Group
	}
	*c.Properties = append(*c.Properties, cdx.Property{Name: propIdentitySource, Value: how})
}

// modelID returns the model's repository id and where it came from.
func modelID(src *listing, meta repoMeta, x repoExtras) (id, how string) {
	indexName := ""
	if meta.card != nil && len(meta.card.ModelIndex) > 0 {
		indexName = meta.card.ModelIndex[0].Name
	}
	if modelcard.IsHubID(indexName) {
		return indexName, idModelIndex
	}
	nop := nameOrPath(x)
	if !modelcard.IsHubID(nop) {
		return "", ""
	}
	_, name, _ := strings.Cut(nop, "/")
	for _, other := range []string{path.Base(src.Root), src.Name, x.title, indexName} {
		if other != "" && sameName(name, other) {
			return nop, idNameOrPath
		}
	}
	return "", ""
}

// nameOrPath is the _name_or_path of the folder's config.json, else of
// its model_index.json.
func nameOrPath(x repoExtras) string {
	if x.config != nil && x.config.NameOrPath != "" {
		return x.config.NameOrPath
	}
	if x.pipeline != nil {
		return x.pipeline.NameOrPath
	}
	return ""
}

// nameOrPathAncestor returns the _name_or_path of a model's config when
// it is a repository id other than the model's own: the model it was
// loaded from before being saved here.
func nameOrPathAncestor(x repoExtras, self string) string {
	nop := nameOrPath(x)
	if !modelcard.IsHubID(nop) || strings.EqualFold(nop, self) {
		return ""
	}
	return nop
}

// displayName is the card's title, else the model-index name.
func displayName(meta repoMeta, x repoExtras) string {
	if x.title != "" {
		return x.title
	}
	if meta.card != nil && len(meta.card.ModelIndex) > 0 {
		return meta.card.ModelIndex[0].Name
	}
	return ""
}

// sameName compares two names by their letters and digits, ignoring case
// and any parenthesised remark ("Tiny Chat 1B (fixture)" is
// "tiny-chat-1b").
func sameName(a, b string) bool {
	na, nb := normName(a), normName(b)
	return na != "" && na == nb
}

func normName(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		}
	}
	return b.String()
}
