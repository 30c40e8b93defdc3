package modelcard

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/seed-43c89ce6/aibom/internal/frontmatter"
	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Card is what a Hugging Face model card (README.md) says: the YAML front
// matter fields that a BOM records and the text of the Markdown sections on
// uses, users, limitations and bias. Fields the card does not set are empty.
type Card struct {
	HasFrontMatter bool // the file starts with a `---` front matter block

	License     []string // license ids as written, e.g. "apache-2.0", "llama3", "other"
	LicenseName string   // license_name, for "other"
	LicenseLink string   // license_link: a URL or a path in the repository

	Language    []string
	LibraryName string
	PipelineTag string
	Tags        []string
	Datasets    []string
	Metrics     []string // metric ids, e.g. "accuracy"

	BaseModel         []string // base_model, a string or a list in the card
	BaseModelRelation string   // base_model_relation as written

	ModelName    string // model_name (common in GGUF repositories)
	ModelCreator string // model_creator
	QuantizedBy  string // quantized_by
	Inference    *bool  // inference: false disables the hosted widget

	ModelIndex []ModelIndex
	CO2        *Emissions

	// MetricsOmitted counts the model-index metrics left out over the
	// bound of MaxMetrics; it is a lower bound when MetricsOmittedAtLeast.
	MetricsOmitted        int
	MetricsOmittedAtLeast bool

	Sections Sections
}

// Sections holds the text of the Markdown sections a card's body has on each
// subject, one string per section, each at most MaxSectionLen bytes.
type Sections struct {
	IntendedUses    []string // "Intended uses", "Direct Use", "Downstream Use", "Uses"
	OutOfScope      []string // "Out-of-Scope Use"
	Users           []string // "Intended users", "Users"
	Limitations     []string // "Limitations"
	Bias            []string // "Bias, Risks, and Limitations", "Ethical considerations", "Risks"
	Recommendations []string // "Recommendations" (mitigations of bias and risks)
}

// ModelIndex is one entry of the card's model-index: evaluation results.
type ModelIndex struct {
	Name    string
	Results []Result
}

// Result is one evaluation: a task on a dataset with its metrics.
type Result struct {
	TaskType string // e.g. "question-answering"
	TaskName string
	Dataset  EvalDataset
	Metrics  []Metric
}

// EvalDataset names the dataset of an evaluation result.
type EvalDataset struct {
	Name     string // display name, e.g. "SQuAD v2"
	Type     string // dataset id, e.g. "squad_v2" or "cais/mmlu"
	Config   string
	Split    string
	Revision string // the dataset's revision, as MTEB results give it
}

// Metric is one measured value. Value keeps the text of the YAML scalar.
type Metric struct {
	Type     string
	Name     string
	Value    string
	Verified bool
}

// Emissions is the card's co2_eq_emissions.
type Emissions struct {
	Grams                float64 // emissions, in grams of CO2 equivalent
	HasGrams             bool    // emissions was a number
	Source               string
	TrainingType         string // e.g. "pre-training", "fine-tuning"
	GeographicalLocation string
	HardwareUsed         string
}

// ParseCard parses a Hugging Face model card: the YAML front matter between
// two `---` lines at the start of r, and the Markdown body after it. name is
// used in errors only.
//
// A card without front matter gives a Card with only Sections and no error.
// Malformed front matter gives a *SyntaxError with the file line, together
// with a Card that still holds the body's sections; a card larger than
// MaxCardSize is parsed up to that size and reported with an error wrapping
// safeio.ErrTooLarge, as is front matter larger than MaxFrontMatter (which is
// then skipped). The Card is nil only when r could not be read at all.
func ParseCard(r io.Reader, name string) (*Card, error) {
	return parseCard(r, name, limits{metrics: MaxMetrics})
}

// limits are the bounds of one parse (tests lower them).
type limits struct {
	metrics int // results and metrics kept from model-index
}

func parseCard(r io.Reader, name string, lim limits) (*Card, error) {
	data, readErr := readLimited(r, name, MaxCardSize)
	if readErr != nil && !errors.Is(readErr, safeio.ErrTooLarge) {
		return nil, readErr
	}
	card := &Card{}
	meta, metaLine, body, err := splitFrontMatter(data, name)
	card.Sections = parseSections(body)
	if meta != nil {
		card.HasFrontMatter = true
		perr := fmt.Errorf("modelcard: %s: front matter: %w (%d bytes)", name, safeio.ErrTooLarge, MaxFrontMatter)
		if len(meta) <= MaxFrontMatter {
			perr = card.parseFrontMatter(meta, metaLine, name, lim)
		}
		if err == nil {
			err = perr
		}
	}
	if meta == nil && err == nil {
		if line := frontmatter.FindLate(data); line > 0 {
			err = fmt.Errorf("%w: %s:%d: the Hub reads front matter only at the very start of the file, "+
				"so its metadata (license, datasets, base_model, ...) is ignored", ErrFrontMatterNotAtStart, name, line)
		}
	}
	if card.MetricsOmitted > 0 || card.MetricsOmittedAtLeast {
		err = errors.Join(err, card.omittedError(name, lim))
	}
	return card, errors.Join(readErr, err)
}

// ErrFrontMatterNotAtStart is wrapped by the error of ParseCard for a card
// whose front matter does not start on its first line (blank lines or a
// comment come first). The Hub ignores such front matter, and so does
// ParseCard: the error says so.
var ErrFrontMatterNotAtStart = errors.New("modelcard: front matter not at the start of the file")

// ErrMetricsOmitted is wrapped by the error of ParseCard for a card whose
// model-index holds more than MaxMetrics results and metrics: the card is
// returned with the first ones, and MetricsOmitted says how many were
// left out.
var ErrMetricsOmitted = errors.New("modelcard: model-index metrics left out")

func (c *Card) omittedError(name string, lim limits) error {
	n := strconv.Itoa(c.MetricsOmitted)
	if c.MetricsOmittedAtLeast {
		n = "at least " + n
	}
	return fmt.Errorf("%w: %s: %s metrics over the bound of %d results and metrics", ErrMetricsOmitted, name, n, lim.metrics)
}

var yamlLineExpr = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): `) })

// splitFrontMatter separates the front matter from the body. metaLine is the
// file line on which the YAML starts. A front matter block that is never
// closed is reported, and the whole file is then treated as body.
func splitFrontMatter(data []byte, name string) (meta []byte, metaLine int, body []byte, err error) {
	meta, metaLine, body, unclosed := frontmatter.Split(data)
	if unclosed {
		return nil, 0, body, &SyntaxError{Name: name, Line: 1, Msg: "front matter is not closed by a --- line"}
	}
	return meta, metaLine, body, nil
}

// decodeYAML parses front matter into a node tree. yaml.v3 reports syntax
// errors as "yaml: line N: msg" with N counted from the start of meta; the
// returned error carries the line in the file instead.
func decodeYAML(meta []byte, metaLine int, name string) (*yaml.Node, error) {
	doc, err := frontmatter.Decode(meta)
	if err != nil {
		se := &SyntaxError{Name: name, Msg: "front matter: " + err.Error(), Err: err}
		if m := yamlLineExpr().FindStringSubmatch(err.Error()); m != nil {
			if n, convErr := strconv.Atoi(m[1]); convErr == nil {
				se.Line = n + metaLine - 1
				se.Msg = "front matter: " + err.Error()[len(m[0]):]
			}
		}
		return nil, se
	}
	if doc.Kind == 0 || len(doc.Content) == 0 { // empty front matter
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			return nil, nil
		}
		return nil, &SyntaxError{Name: name, Line: root.Line + metaLine - 1, Msg: "front matter is not a YAML mapping"}
	}
	return root, nil
}
