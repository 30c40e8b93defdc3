package verify

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

// PredicateModelSigning is the predicate type of an OpenSSF Model Signing
// (OMS v1.0) statement, as the reference model_signing writes in model.sig
// and as `aibom push --sign-model` attaches to a model artifact (a Sigstore
// bundle referrer). Its subject is the digest of the model's files, not of
// the manifest: Verify binds it to the artifact by comparing every signed
// file digest with the artifact's files.
const PredicateModelSigning = oms.PredicateV1

// maxModelFiles bounds the files of a signed manifest and of an artifact.
const maxModelFiles = 1 << 20

// modelSigIgnore are the paths an OMS signature leaves out by default (the
// reference's defaults and the signature itself).
var modelSigIgnore = []string{".git", ".gitattributes", ".github", ".gitignore", "model.sig"}

func isModelSigning(predicateType string) bool {
	return predicateType == oms.PredicateV1 || predicateType == oms.PredicateDigestsV01
}

// modelSigningSubject peeks, unverified, at a DSSE payload: when it is an
// OMS statement with one SHA-256 subject, it returns that digest, which the
// keyless verifier then requires the signed statement to name.
func modelSigningSubject(payloadB64 string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(payloadB64)
	if err != nil {
		return "", false
	}
	var st oms.Statement
	if json.Unmarshal(b, &st) != nil || !isModelSigning(st.PredicateType) || len(st.Subject) != 1 {
		return "", false
	}
	d, ok := st.Subject[0].Digest[oms.HashSHA256]
	return d, ok && len(d) == 2*sha256.Size
}

// modelFile is one file of the artifact and where it came from.
type modelFile struct {
	digest string // SHA-256, hex
	layer  string // "layer N (sha256:…)"
	raw    bool
}

// artifactFiles lists the artifact's files with their SHA-256: a raw
// layer's digest is its file's (nothing is downloaded), tar layers are
// streamed once and their regular members hashed (go-containerregistry
// and oci check the layer's digest as it streams). Computed once per
// Verify.
func (c *checker) artifactFiles(ctx context.Context) (map[string]modelFile, error) {
	if c.files != nil || c.filesErr != nil {
		return c.files, c.filesErr
	}
	c.files, c.filesErr = c.walkArtifact(ctx)
	if c.filesErr != nil {
		c.files = nil
	}
	return c.files, c.filesErr
}

func (c *checker) walkArtifact(ctx context.Context) (map[string]modelFile, error) {
	a, err := oci.OpenRemote(ctx, c.d, oci.WithRegistry(c.v.modelReg), oci.WithLimits(oci.Limits{MaxTarEntries: maxModelFiles}))
	if err != nil {
		return nil, fmt.Errorf("reading the artifact: %w", err)
	}
	defer a.Close()
	if a.Digest.String() != c.d.DigestStr() {
		return nil, fmt.Errorf("%s is an index: model signatures are checked against a model manifest's digest (%s)", c.d.DigestStr(), a.Digest)
	}
	if a.Kind == oci.Image {
		return nil, errors.New("a container image, not a model artifact: its files are not checked against a model signature")
	}
	files := map[string]modelFile{}
	buf := make([]byte, 1<<20)
	err = a.Walk(ctx, func(_ context.Context, e oci.Entry) error {
		if len(files) >= maxModelFiles {
			return fmt.Errorf("more than %d files", maxModelFiles)
		}
		if prev, dup := files[e.Path]; dup {
			return fmt.Errorf("file %s is in %s and again in layer %d: ambiguous", e.Path, prev.layer, e.LayerIndex)
		}
		f := modelFile{layer: fmt.Sprintf("layer %d (%s)", e.LayerIndex, e.Layer), raw: e.R == nil}
		if f.raw {
			f.digest = e.Digest.Hex
		} else {
			h := sha256.New()
			if _, err := io.CopyBuffer(h, e.R, buf); err != nil {
				return fmt.Errorf("%s: %s: %w", f.layer, e.Path, err)
			}
			f.digest = hex.EncodeToString(h.Sum(nil))
		}
		files[e.Path] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the artifact's files: %w", err)
	}
	return files, nil
}

// modelSigning checks a verified OMS statement against the artifact: every
// signed file must be there with the signed digest, and every file of the
// artifact must be signed (or left out by the signature's ignore paths,
// which are reported).
func (c *checker) modelSigning(ctx context.Context, where, signer string, payload []byte) {
	m, err := oms.ParseStatement(payload, maxModelFiles)
	if err != nil {
		c.problem("%s: model signature by %s: %v", where, signer, err)
		return
	}
	if m.PredicateType != oms.PredicateV1 || m.ShardSize > 0 {
		c.problem("%s: model signature by %s: only the OMS v1.0 files serialization is checked against OCI layers (got %s, shard size %d)", where, signer, m.PredicateType, m.ShardSize)
		return
	}
	files, err := c.artifactFiles(ctx)
	if err != nil {
		c.problem("%s: model signature by %s: %v", where, signer, err)
		return
	}
	problems, notes := compareModelFiles(m, files)
	for _, n := range notes {
		c.problem("%s: %s", where, n)
	}
	if len(problems) > 0 {
		c.problem("%s: model signature by %s does not match the artifact: %s", where, signer, strings.Join(problems, "; "))
		return
	}
	c.res.Verified.ModelSigning = true
	c.signer(signer)
	if !containsStr(c.res.PredicateTypes, m.PredicateType) {
		c.res.PredicateTypes = append(c.res.PredicateTypes, m.PredicateType)
	}
}

// compareModelFiles names every signed file that is missing or changed and
// every unsigned file (problems), and the files the signature's ignore
// paths leave out (notes).
func compareModelFiles(m *oms.Manifest, files map[string]modelFile) (problems, notes []string) {
	ignore := append(append([]string{}, modelSigIgnore...), m.IgnorePaths...)
	present := map[string]modelFile{}
	for p, f := range files {
		if ignoredPath(p, ignore) {
			notes = append(notes, fmt.Sprintf("file %s (%s) is not covered by the model signature (its ignore paths leave it out)", p, f.layer))
			continue
		}
		present[p] = f
	}
	signed := map[string]string{}
	for _, r := range m.Resources {
		signed[r.Name] = r.Digest
	}
	if _, single := signed["."]; single {
		// A single signed file: the artifact must hold exactly that file.
		if len(present) != 1 {
			return []string{fmt.Sprintf("the signature is of the single file %q, the artifact has %d files", m.Subject, len(present))}, notes
		}
		for p, f := range present {
			if path.Base(p) != m.Subject {
				problems = append(problems, fmt.Sprintf("the signature is of the file %q, not of %s", m.Subject, p))
			} else if f.digest != signed["."] {
				problems = append(problems, fmt.Sprintf("file %s (%s) changed: sha256:%s, signed sha256:%s", p, f.layer, f.digest, signed["."]))
			}
		}
		return problems, notes
	}
	for p, f := range present {
		want, ok := signed[p]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("file %s (%s) is not in the signed manifest (added or renamed)", p, f.layer))
		case !strings.EqualFold(want, f.digest):
			problems = append(problems, fmt.Sprintf("file %s (%s) changed: sha256:%s, signed sha256:%s", p, f.layer, f.digest, want))
		}
	}
	for p := range signed {
		if _, ok := present[p]; !ok {
			problems = append(problems, fmt.Sprintf("file %s is signed but missing from the artifact", p))
		}
	}
	sort.Strings(problems)
	sort.Strings(notes)
	return problems, notes
}

// ignoredPath reports whether p is one of ignore or under one of them.
func ignoredPath(p string, ignore []string) bool {
	for _, i := range ignore {
		if p == i || strings.HasPrefix(p, i+"/") {
			return true
		}
	}
	return false
}
