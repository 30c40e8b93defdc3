// Package oms parses the signed statements of OpenSSF Model Signing (OMS)
// signatures: the in-toto Statement and its model_signing predicate (v1.0
// and model_signing 0.2's per-file digests). It is shared by
// verify/modelsig (models on disk) and verify (OMS signatures attached to
// OCI artifacts), and checks only what the signed bytes say: the
// signature itself is checked by its callers.
package oms

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Sentinel errors (verify/modelsig re-exports them).
var (
	// ErrMalformed: the signature file is not a well-formed OMS signature.
	ErrMalformed = errors.New("modelsig: malformed signature")
	// ErrTooLarge: a bound was hit.
	ErrTooLarge = errors.New("modelsig: over a size limit")
)

// Predicate types and the Statement type of the reference's payloads.
const (
	// PredicateV1 is the OMS v1.0 predicate (model_signing 0.3 and 1.x).
	PredicateV1 = "https://model_signing/signature/v1.0"
	// PredicateDigestsV01 is model_signing 0.2's payload: one in-toto Subject
	// per file.
	PredicateDigestsV01 = "https://model_signing/Digests/v0.1"
	// StatementV1 is the in-toto Statement type.
	StatementV1 = "https://in-toto.io/Statement/v1"

	// MethodFiles is the "files" serialization: one digest per file.
	MethodFiles = "files"
	// MethodShards is the "shards" serialization.
	MethodShards = "shards"
	// HashSHA256 is the only hash aibom reads and writes.
	HashSHA256 = "sha256"
)

// Subject is an in-toto subject.
type Subject struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Statement is an in-toto Statement.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Serialization says how the model was hashed (OMS v1.0).
type Serialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

// PredicateResource is one file or shard of an OMS v1.0 predicate.
type PredicateResource struct {
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
	Name      string `json:"name"`
}

// Predicate is the OMS v1.0 predicate.
type Predicate struct {
	Serialization Serialization       `json:"serialization"`
	Resources     []PredicateResource `json:"resources"`
}

// Manifest is what a signed Statement says about the model.
type Manifest struct {
	PredicateType string
	// Subject is the name the statement gives the model (v1.0 only).
	Subject       string
	Resources     []Resource
	IgnorePaths   []string
	AllowSymlinks bool
	// ShardSize is set for the shards Serialization; then every Resource
	// name is "path:start:end".
	ShardSize int64
	// Files maps every Resource name to its file ("." for a single file).
	Files map[string]string
}

// StrictUnmarshal decodes JSON rejecting unknown fields, duplicate keys and
// trailing data.
func StrictUnmarshal(b []byte, v any) error {
	if err := NoDuplicateKeys(b); err != nil {
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

// NoDuplicateKeys rejects a JSON object with the same key twice anywhere:
// encoding/json would silently keep the last one.
func NoDuplicateKeys(b []byte) error {
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

// ParseStatement reads the signed in-toto Statement and returns its Manifest.
func ParseStatement(payload []byte, maxFiles int) (*Manifest, error) {
	var st Statement
	if err := StrictUnmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: in-toto Statement: %w", ErrMalformed, err)
	}
	if st.Type != StatementV1 {
		return nil, fmt.Errorf("%w: Statement type %q, want %q", ErrMalformed, st.Type, StatementV1)
	}
	switch st.PredicateType {
	case PredicateV1:
		return parseV1(st, maxFiles)
	case PredicateDigestsV01:
		return parseDigestsV01(st, maxFiles)
	default:
		return nil, fmt.Errorf("%w: unsupported predicate type %q", ErrMalformed, st.PredicateType)
	}
}

func parseV1(st Statement, maxFiles int) (*Manifest, error) {
	var p Predicate
	if err := StrictUnmarshal(st.Predicate, &p); err != nil {
		return nil, fmt.Errorf("%w: predicate: %w", ErrMalformed, err)
	}
	s := p.Serialization
	switch {
	case s.Method == MethodFiles && s.ShardSize == 0:
	case s.Method == MethodShards && s.ShardSize > 0:
	default:
		return nil, fmt.Errorf("%w: Serialization method %q with shard size %d is not supported", ErrMalformed, s.Method, s.ShardSize)
	}
	if s.HashType != HashSHA256 {
		return nil, fmt.Errorf("%w: hash type %q is not supported", ErrMalformed, s.HashType)
	}
	if len(p.Resources) > maxFiles {
		return nil, fmt.Errorf("%w: %d resources, more than %d", ErrTooLarge, len(p.Resources), maxFiles)
	}
	m := &Manifest{PredicateType: PredicateV1, Subject: subjectName(st), IgnorePaths: s.IgnorePaths,
		AllowSymlinks: s.AllowSymlinks, ShardSize: s.ShardSize}
	for _, r := range p.Resources {
		if r.Algorithm != HashSHA256 {
			return nil, fmt.Errorf("%w: Resource %q: algorithm %q", ErrMalformed, r.Name, r.Algorithm)
		}
		m.Resources = append(m.Resources, Resource{Name: r.Name, Digest: r.Digest})
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%w: %d subjects, want 1", ErrMalformed, len(st.Subject))
	}
	want, err := RootDigest(m.Resources)
	if err != nil {
		return nil, err
	}
	sub := st.Subject[0]
	if len(sub.Digest) != 1 || sub.Digest[HashSHA256] != want {
		return nil, fmt.Errorf("%w: subject digest %v does not match the resources (sha256:%s)", ErrMalformed, sub.Digest, want)
	}
	for _, ip := range s.IgnorePaths {
		if ip == "" || path.IsAbs(ip) || strings.Contains(ip, "\\") {
			return nil, fmt.Errorf("%w: ignore path %q", ErrMalformed, ip)
		}
	}
	return m, nil
}

func subjectName(st Statement) string {
	if len(st.Subject) == 1 {
		return st.Subject[0].Name
	}
	return ""
}

func parseDigestsV01(st Statement, maxFiles int) (*Manifest, error) {
	if len(st.Subject) > maxFiles {
		return nil, fmt.Errorf("%w: %d subjects, more than %d", ErrTooLarge, len(st.Subject), maxFiles)
	}
	m := &Manifest{PredicateType: PredicateDigestsV01}
	for _, s := range st.Subject {
		if len(s.Digest) != 1 || s.Digest[HashSHA256] == "" {
			return nil, fmt.Errorf("%w: subject %q: digest %v, want sha256 only", ErrMalformed, s.Name, s.Digest)
		}
		if a := s.Annotations["actual_hash_algorithm"]; a != "file-sha256" || len(s.Annotations) != 1 {
			return nil, fmt.Errorf("%w: subject %q: annotations %v, want actual_hash_algorithm file-sha256", ErrMalformed, s.Name, s.Annotations)
		}
		m.Resources = append(m.Resources, Resource{Name: s.Name, Digest: s.Digest[HashSHA256]})
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	return m, nil
}

// index checks the resources and fills Files.
func (m *Manifest) index() error {
	m.Files = make(map[string]string, len(m.Resources))
	files := make([]Resource, 0, len(m.Resources))
	single := 0
	for _, r := range m.Resources {
		f := r.Name
		if m.ShardSize > 0 {
			u, _, _, err := ParseShardName(r.Name, m.ShardSize)
			if err != nil {
				return err
			}
			f = u
		}
		if _, dup := m.Files[r.Name]; dup {
			return fmt.Errorf("%w: Resource %q listed twice", ErrMalformed, r.Name)
		}
		m.Files[r.Name] = f
		if f == "." {
			single++
		}
		files = append(files, Resource{Name: f, Digest: r.Digest})
	}
	if single > 0 && single != len(files) {
		return fmt.Errorf("%w: a single-file Resource \".\" among others", ErrMalformed)
	}
	if single > 0 {
		files = files[:1]
	}
	if m.ShardSize > 0 {
		files = uniqueNames(files)
	}
	return CheckResources(files)
}

func uniqueNames(rs []Resource) []Resource {
	seen := map[string]bool{}
	var out []Resource
	for _, r := range rs {
		if !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r)
		}
	}
	return out
}

// CheckResources requires unique, clean, relative names and SHA-256 digests;
// "." (a single-file model) only alone.
func CheckResources(rs []Resource) error {
	if len(rs) == 0 {
		return fmt.Errorf("%w: the Manifest lists no file", ErrMalformed)
	}
	seen := make(map[string]bool, len(rs))
	for _, r := range rs {
		if _, err := RootDigest([]Resource{r}); err != nil {
			return err
		}
		bad := r.Name == "" || path.IsAbs(r.Name) || path.Clean(r.Name) != r.Name ||
			r.Name == ".." || strings.HasPrefix(r.Name, "../") || strings.Contains(r.Name, "\\") ||
			(r.Name == "." && len(rs) != 1)
		if bad {
			return fmt.Errorf("%w: Resource name %q", ErrMalformed, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("%w: Resource %q listed twice", ErrMalformed, r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// RootDigest is the reference's subject digest: SHA-256 over the raw
// digests of the resources, in order.
func RootDigest(rs []Resource) (string, error) {
	h := sha256.New()
	for _, r := range rs {
		b, err := hex.DecodeString(r.Digest)
		if err != nil || len(b) != sha256.Size {
			return "", fmt.Errorf("%w: resource %q: digest %q is not a SHA-256 hex digest", ErrMalformed, r.Name, r.Digest)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ShardName is the reference's name of the shard [start, end) of file.
func ShardName(file string, start, end int64) string {
	return file + ":" + strconv.FormatInt(start, 10) + ":" + strconv.FormatInt(end, 10)
}

// ParseShardName reads "path:start:end" as the reference writes it (exactly
// three ':'-separated parts, canonical decimal offsets, 0 < end-start <=
// shardSize).
func ParseShardName(name string, shardSize int64) (string, int64, int64, error) {
	parts := strings.Split(name, ":")
	if len(parts) != 3 {
		return "", 0, 0, fmt.Errorf("%w: shard name %q is not path:start:end", ErrMalformed, name)
	}
	start, err1 := strconv.ParseInt(parts[1], 10, 64)
	end, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || ShardName(parts[0], start, end) != name || start < 0 || end <= start || end-start > shardSize {
		return "", 0, 0, fmt.Errorf("%w: shard name %q", ErrMalformed, name)
	}
	return parts[0], start, end, nil
}

// Resource is one entry of a manifest: a file (or "." for a single-file
// model, or "path:start:end" for a shard) and its SHA-256 digest in hex.
type Resource struct {
	Name   string
	Digest string
}
