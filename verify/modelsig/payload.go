package modelsig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Predicate types and the statement type of the reference's payloads.
const (
	// PredicateV1 is the OMS v1.0 predicate (model_signing 0.3 and 1.x).
	PredicateV1 = "https://model_signing/signature/v1.0"
	// PredicateDigestsV01 is model_signing 0.2's payload: one in-toto subject
	// per file.
	PredicateDigestsV01 = "https://model_signing/Digests/v0.1"
	// StatementV1 is the in-toto Statement type.
	StatementV1 = "https://in-toto.io/Statement/v1"

	methodFiles = "files"
	hashSHA256  = "sha256"
)

type subject struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type statement struct {
	Type          string          `json:"_type"`
	Subject       []subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type serialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

type predicateResource struct {
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
	Name      string `json:"name"`
}

type predicateV1 struct {
	Serialization serialization       `json:"serialization"`
	Resources     []predicateResource `json:"resources"`
}

// manifest is what a signed statement says about the model.
type manifest struct {
	PredicateType string
	// Subject is the name the statement gives the model (v1.0 only).
	Subject       string
	Resources     []resource
	IgnorePaths   []string
	AllowSymlinks bool
	// ShardSize is set for the shards serialization; then every resource
	// name is "path:start:end".
	ShardSize int64
	// Files maps every resource name to its file ("." for a single file).
	Files map[string]string
}

// strictUnmarshal decodes JSON rejecting unknown fields, duplicate keys and
// trailing data.
func strictUnmarshal(b []byte, v any) error {
	if err := noDuplicateKeys(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("trailing data after JSON value at offset %d", dec.InputOffset())
	}
	return nil
}

// noDuplicateKeys rejects a JSON object with the same key twice anywhere:
// encoding/json would silently keep the last one.
func noDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].key {
			if k, ok := tok.(string); ok {
				if stack[n-1].keys[k] {
					return fmt.Errorf("duplicate key %q at offset %d", k, dec.InputOffset())
				}
				stack[n-1].keys[k] = true
				stack[n-1].key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].key = true
		}
	}
}

// parseStatement reads the signed in-toto statement and returns its manifest.
func parseStatement(payload []byte, lim Limits) (*manifest, error) {
	var st statement
	if err := strictUnmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: in-toto statement: %w", ErrMalformed, err)
	}
	if st.Type != StatementV1 {
		return nil, fmt.Errorf("%w: statement type %q, want %q", ErrMalformed, st.Type, StatementV1)
	}
	switch st.PredicateType {
	case PredicateV1:
		return parseV1(st, lim)
	case PredicateDigestsV01:
		return parseDigestsV01(st, lim)
	default:
		return nil, fmt.Errorf("%w: unsupported predicate type %q", ErrMalformed, st.PredicateType)
	}
}

func parseV1(st statement, lim Limits) (*manifest, error) {
	var p predicateV1
	if err := strictUnmarshal(st.Predicate, &p); err != nil {
		return nil, fmt.Errorf("%w: predicate: %w", ErrMalformed, err)
	}
	s := p.Serialization
	switch {
	case s.Method == methodFiles && s.ShardSize == 0:
	case s.Method == methodShards && s.ShardSize > 0:
	default:
		return nil, fmt.Errorf("%w: serialization method %q with shard size %d is not supported", ErrMalformed, s.Method, s.ShardSize)
	}
	if s.HashType != hashSHA256 {
		return nil, fmt.Errorf("%w: hash type %q is not supported", ErrMalformed, s.HashType)
	}
	if len(p.Resources) > lim.MaxFiles {
		return nil, fmt.Errorf("%w: %d resources, more than %d", ErrTooLarge, len(p.Resources), lim.MaxFiles)
	}
	m := &manifest{PredicateType: PredicateV1, Subject: subjectName(st), IgnorePaths: s.IgnorePaths,
		AllowSymlinks: s.AllowSymlinks, ShardSize: s.ShardSize}
	for _, r := range p.Resources {
		if r.Algorithm != hashSHA256 {
			return nil, fmt.Errorf("%w: resource %q: algorithm %q", ErrMalformed, r.Name, r.Algorithm)
		}
		m.Resources = append(m.Resources, resource{Name: r.Name, Digest: r.Digest})
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%w: %d subjects, want 1", ErrMalformed, len(st.Subject))
	}
	want, err := rootDigest(m.Resources)
	if err != nil {
		return nil, err
	}
	sub := st.Subject[0]
	if len(sub.Digest) != 1 || sub.Digest[hashSHA256] != want {
		return nil, fmt.Errorf("%w: subject digest %v does not match the resources (sha256:%s)", ErrMalformed, sub.Digest, want)
	}
	for _, ip := range s.IgnorePaths {
		if ip == "" || path.IsAbs(ip) || strings.Contains(ip, "\\") {
			return nil, fmt.Errorf("%w: ignore path %q", ErrMalformed, ip)
		}
	}
	return m, nil
}

func subjectName(st statement) string {
	if len(st.Subject) == 1 {
		return st.Subject[0].Name
	}
	return ""
}

func parseDigestsV01(st statement, lim Limits) (*manifest, error) {
	if len(st.Subject) > lim.MaxFiles {
		return nil, fmt.Errorf("%w: %d subjects, more than %d", ErrTooLarge, len(st.Subject), lim.MaxFiles)
	}
	m := &manifest{PredicateType: PredicateDigestsV01}
	for _, s := range st.Subject {
		if len(s.Digest) != 1 || s.Digest[hashSHA256] == "" {
			return nil, fmt.Errorf("%w: subject %q: digest %v, want sha256 only", ErrMalformed, s.Name, s.Digest)
		}
		if a := s.Annotations["actual_hash_algorithm"]; a != "file-sha256" || len(s.Annotations) != 1 {
			return nil, fmt.Errorf("%w: subject %q: annotations %v, want actual_hash_algorithm file-sha256", ErrMalformed, s.Name, s.Annotations)
		}
		m.Resources = append(m.Resources, resource{Name: s.Name, Digest: s.Digest[hashSHA256]})
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	return m, nil
}

// index checks the resources and fills Files.
func (m *manifest) index() error {
	m.Files = make(map[string]string, len(m.Resources))
	files := make([]resource, 0, len(m.Resources))
	single := 0
	for _, r := range m.Resources {
		f := r.Name
		if m.ShardSize > 0 {
			u, err := parseShardName(r.Name, m.ShardSize)
			if err != nil {
				return err
			}
			f = u.file
		}
		if _, dup := m.Files[r.Name]; dup {
			return fmt.Errorf("%w: resource %q listed twice", ErrMalformed, r.Name)
		}
		m.Files[r.Name] = f
		if f == "." {
			single++
		}
		files = append(files, resource{Name: f, Digest: r.Digest})
	}
	if single > 0 && single != len(files) {
		return fmt.Errorf("%w: a single-file resource \".\" among others", ErrMalformed)
	}
	if single > 0 {
		files = files[:1]
	}
	if m.ShardSize > 0 {
		files = uniqueNames(files)
	}
	return checkResources(files)
}

func uniqueNames(rs []resource) []resource {
	seen := map[string]bool{}
	var out []resource
	for _, r := range rs {
		if !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r)
		}
	}
	return out
}

// checkResources requires unique, clean, relative names and SHA-256 digests;
// "." (a single-file model) only alone.
func checkResources(rs []resource) error {
	if len(rs) == 0 {
		return fmt.Errorf("%w: the manifest lists no file", ErrMalformed)
	}
	seen := make(map[string]bool, len(rs))
	for _, r := range rs {
		if _, err := rootDigest([]resource{r}); err != nil {
			return err
		}
		bad := r.Name == "" || path.IsAbs(r.Name) || path.Clean(r.Name) != r.Name ||
			r.Name == ".." || strings.HasPrefix(r.Name, "../") || strings.Contains(r.Name, "\\") ||
			(r.Name == "." && len(rs) != 1)
		if bad {
			return fmt.Errorf("%w: resource name %q", ErrMalformed, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("%w: resource %q listed twice", ErrMalformed, r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}
