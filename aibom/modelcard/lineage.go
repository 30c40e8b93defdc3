package modelcard

import "strings"

// Relation is how a model derives from an ancestor, as the Hub's
// base_model_relation spells it.
type Relation string

// The relations a model can have to its base model.
const (
	RelationFinetune  Relation = "finetune"
	RelationAdapter   Relation = "adapter"
	RelationQuantized Relation = "quantized"
	RelationMerge     Relation = "merge"
	RelationUnknown   Relation = "unknown"
)

// Where an ancestor was found.
const (
	SourceCard    = "card"           // base_model in README.md
	SourceAdapter = "adapter_config" // base_model_name_or_path in adapter_config.json
	SourceGGUF    = "gguf"           // general.base_model.N.* keys of a GGUF file
)

// Ancestor is a model this one derives from: a Hub id ("org/name") or, for
// adapters trained on a local copy, a path.
type Ancestor struct {
	Name     string
	Relation Relation
	Source   string // SourceCard, SourceAdapter or SourceGGUF
}

// Lineage lists the models this one derives from, from the card's
// base_model (with base_model_relation), the adapter config's base model
// (relation adapter) and the base models named in a GGUF header, in that
// order. Any argument may be nil. A model named by several sources is listed
// once, under the first source, with the first relation that is not
// RelationUnknown.
func Lineage(card *Card, adapter *Adapter, ggufBase []string) []Ancestor {
	var out []Ancestor
	index := map[string]int{}
	add := func(name string, rel Relation, source string) {
		name = hubID(name, "https://huggingface.co/")
		if name == "" || len(out) == maxListItems {
			return
		}
		key := strings.ToLower(name)
		if i, ok := index[key]; ok {
			if out[i].Relation == RelationUnknown {
				out[i].Relation = rel
			}
			return
		}
		index[key] = len(out)
		out = append(out, Ancestor{Name: name, Relation: rel, Source: source})
	}
	if card != nil {
		rel := RelationUnknown
		switch r := Relation(strings.ToLower(strings.TrimSpace(card.BaseModelRelation))); r {
		case RelationFinetune, RelationAdapter, RelationQuantized, RelationMerge:
			rel = r
		case RelationUnknown:
		}
		for _, b := range card.BaseModel {
			add(b, rel, SourceCard)
		}
	}
	if adapter != nil {
		add(adapter.BaseModel, RelationAdapter, SourceAdapter)
	}
	for _, b := range ggufBase {
		add(b, RelationUnknown, SourceGGUF)
	}
	return out
}

// PackageURL returns the package URL of a Hugging Face model repository,
// "pkg:huggingface/<org>/<name>@<revision>", following the purl-spec
// huggingface type: namespace and name keep their case, the version is the
// commit hash, lowercased. repo is "org/name", "name" or a huggingface.co
// URL; revision may be empty. It returns "" when repo is not a repository
// id (empty, or more than two path segments).
func PackageURL(repo, revision string) string {
	repo = hubID(repo, "https://huggingface.co/")
	segs := strings.Split(repo, "/")
	if repo == "" || len(segs) > 2 {
		return ""
	}
	for i, s := range segs {
		if s == "" || s == "." || s == ".." {
			return ""
		}
		segs[i] = escape(s)
	}
	p := "pkg:huggingface/" + strings.Join(segs, "/")
	if rev := strings.TrimSpace(revision); rev != "" {
		p += "@" + escape(strings.ToLower(rev))
	}
	return p
}

// escape percent-encodes a purl segment: everything but unreserved
// characters, as the purl spec requires.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
