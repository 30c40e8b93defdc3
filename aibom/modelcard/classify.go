package modelcard

import (
	"strings"
	"sync"
	"unicode"
)

type sectionKind int

const (
	kindNone sectionKind = iota
	kindOutOfScope
	kindBias
	kindUsers
	kindUses
	kindLimitations
	kindRecommendations
)

// maxTitleWords bounds the words of a heading or bold label that is
// classified: a longer one is a sentence, not a section title.
const maxTitleWords = 10

// sectionTitles is the curated table of section titles, as phrases of whole
// words, tried in this order: "Bias, Risks, and Limitations" is about bias,
// "Misuse, Malicious Use, and Out-of-Scope Use" about out-of-scope use,
// "Intended uses & limitations" about uses. Words are matched whole, so
// "Diffusers" is not "users" and "How to use" is not "uses".
var sectionTitles = []struct {
	kind    sectionKind
	phrases []string
}{
	{kindOutOfScope, []string{"out of scope", "misuse", "misuses", "malicious use", "malicious uses",
		"prohibited use", "prohibited uses", "unintended use", "unintended uses"}},
	{kindBias, []string{"bias", "biases", "risk", "risks", "ethical", "ethics", "fairness", "responsible ai", "harms"}},
	{kindUsers, []string{"users", "intended user", "target user", "primary user"}},
	{kindUses, []string{"uses", "intended use", "intended usage", "direct use", "downstream use", "primary use",
		"use case", "use cases", "evaluated use", "evaluated uses"}},
	{kindLimitations, []string{"limitation", "limitations", "caveat", "caveats", "known issues"}},
	{kindRecommendations, []string{"recommendation", "recommendations"}},
}

// classify maps a heading's or a bold label's title to the kind of section
// it starts, by whole words against sectionTitles.
func classify(title string) sectionKind {
	words := titleWords(title)
	if len(words) == 0 || len(words) > maxTitleWords {
		return kindNone
	}
	for _, row := range titlePhrases() {
		for _, p := range row.phrases {
			if hasPhrase(words, p) {
				return row.kind
			}
		}
	}
	return kindNone
}

// titlePhrases is sectionTitles with each phrase split into its words,
// built on first use rather than at start-up.
var titlePhrases = sync.OnceValue(func() []struct {
	kind    sectionKind
	phrases [][]string
} {
	out := make([]struct {
		kind    sectionKind
		phrases [][]string
	}, len(sectionTitles))
	for i, row := range sectionTitles {
		out[i].kind = row.kind
		for _, p := range row.phrases {
			out[i].phrases = append(out[i].phrases, strings.Fields(p))
		}
	}
	return out
})

// titleWords lowercases a title and splits it into words of letters and
// digits: punctuation, Markdown emphasis, links' brackets and emoji are
// separators. Leading numbering ("3.2", "IV") is dropped.
func titleWords(title string) []string {
	words := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for len(words) > 0 && strings.Trim(words[0], "0123456789") == "" {
		words = words[1:]
	}
	return words
}

func hasPhrase(words, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		match := true
		for j, w := range phrase {
			if words[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// boldLabel recognises a line that starts with a bold label, as cards
// write instead of headings: "**Intended Use:**", "**Intended Use**:",
// "__Limitations__:", a line that is all bold ("**Out-of-scope Uses**"),
// or a short bold lead-in followed by text ("**Intended Use Cases** Llama
// 3 is ..."). It returns the label without its colon and whether the line
// holds nothing else. List items are not labels.
func boldLabel(line string) (label string, alone, ok bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 5 {
		return "", false, false
	}
	marker := t[:2]
	if marker != "**" && marker != "__" {
		return "", false, false
	}
	end := strings.Index(t[2:], marker)
	if end <= 0 {
		return "", false, false
	}
	label = strings.TrimSpace(t[2 : 2+end])
	rest := strings.TrimSpace(t[2+end+2:])
	colon := strings.HasSuffix(label, ":") || strings.HasPrefix(rest, ":")
	label = strings.TrimSpace(strings.TrimSuffix(label, ":"))
	rest = strings.TrimSpace(strings.TrimPrefix(rest, ":"))
	if label == "" || len(titleWords(label)) > maxTitleWords || (!colon && strings.HasSuffix(label, ".")) {
		return "", false, false
	}
	return label, rest == "", true
}
