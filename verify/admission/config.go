package admission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// ConfigAPIVersion and ConfigKind head a webhook configuration file.
const (
	ConfigAPIVersion = "aibom.dev/v1alpha1"
	ConfigKind       = "WebhookConfiguration"
)

// MaxConfigBytes bounds a configuration file.
const MaxConfigBytes = 1 << 20

// Config is the webhook's configuration file (aibom webhook --config): the
// trust roots, and the rules that say which images each one covers, with
// which requirements, policies and mode. See deploy/config.example.yaml.
type Config struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	TrustRoots []TrustRootConfig `json:"trustRoots"`
	Rules      []RuleConfig      `json:"rules"`
	// Unmatched is what happens to an image that no rule covers: deny (the
	// default) or allow.
	Unmatched string `json:"unmatched,omitempty"`
}

// TrustRootConfig is a named set of trusted signers.
type TrustRootConfig struct {
	Name string `json:"name"`
	// Keys are public keys: PEM files or KMS URIs.
	Keys []string `json:"keys,omitempty"`
	// Identities are keyless signers; they need TrustedRoot.
	Identities []IdentityConfig `json:"identities,omitempty"`
	// TrustedRoot is a Sigstore trusted_root.json.
	TrustedRoot string `json:"trustedRoot,omitempty"`
	// RequireTlog requires a verified transparency-log entry.
	RequireTlog bool `json:"requireTlog,omitempty"`
}

// IdentityConfig is a keyless signer: one of subject and subjectRegexp, one
// of issuer and issuerRegexp (regular expressions match the whole value).
type IdentityConfig struct {
	Subject       string `json:"subject,omitempty"`
	SubjectRegexp string `json:"subjectRegexp,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	IssuerRegexp  string `json:"issuerRegexp,omitempty"`
}

// RuleConfig says how the images it covers are checked. Rules are tried in
// order; the first that covers an image checks it.
type RuleConfig struct {
	Name string `json:"name"`
	// Namespaces and Images are wildcard patterns ('*' any run, '?' one
	// character) of the object's namespace and of the reference as written;
	// left out, they match everything.
	Namespaces []string `json:"namespaces,omitempty"`
	Images     []string `json:"images,omitempty"`
	// ObjectSelector selects by the object's labels. (Select namespaces by
	// their labels with the webhook configuration's namespaceSelector: the
	// API server applies it before calling the webhook.)
	ObjectSelector *metav1.LabelSelector `json:"objectSelector,omitempty"`
	// TrustRoots name the trust roots whose signers count.
	TrustRoots []string `json:"trustRoots"`
	// Require is what must verify: signature, bom, scan (default signature
	// and bom).
	Require []string `json:"require,omitempty"`
	// Policy is a Rego bundle directory or file (default: the built-in
	// bundle, with params.require set from Require).
	Policy string `json:"policy,omitempty"`
	// Data is merged over the policies' data (e.g. {aibom: {params: ...}}).
	Data map[string]any `json:"data,omitempty"`
	// Mode: enforce (default), warn or audit.
	Mode string `json:"mode,omitempty"`
}

// ErrConfigFile: the configuration file does not parse or is not valid.
var ErrConfigFile = errors.New("admission: configuration file")

// ParseConfig decodes and validates a configuration file strictly: unknown
// or duplicate fields, wrong types and bad values are errors that name the
// file and the field's path (e.g. rules[1].mode). It reads no other file.
func ParseConfig(file string, data []byte) (*Config, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrConfigFile, file, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxConfigBytes {
		return nil, fail("larger than %d bytes", MaxConfigBytes)
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fail("%v", err)
	}
	var raw any
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, fail("%v", err)
	}
	if err := knownFields("", raw, reflect.TypeFor[Config]()); err != nil {
		return nil, fail("%v", err)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fail("%s: want %s, got a %s", te.Field, te.Type, te.Value)
		}
		return nil, fail("%v", err)
	}
	if err := c.validate(); err != nil {
		return nil, fail("%v", err)
	}
	return &c, nil
}

// ReadConfig reads and parses a configuration file.
func ReadConfig(file string) (*Config, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrConfigFile, file, err)
	}
	defer f.Close()
	b, err := safeio.ReadAll(f, MaxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrConfigFile, file, err)
	}
	return ParseConfig(file, b)
}

// knownFields reports the first field of v, at path, that t does not have.
func knownFields(path string, v any, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil // maps of anything (data, matchLabels)
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("%s: unknown field", join(path, k))
			}
			if err := knownFields(join(path, k), x[k], ft); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for i, e := range x {
			if err := knownFields(fmt.Sprintf("%s[%d]", path, i), e, t.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
