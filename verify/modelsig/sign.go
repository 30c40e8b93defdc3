package modelsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/seed-43c89ce6/aibom/verify"
)

// Signer signs model manifests: with a key alone, with a key and its
// certificate chain (leaf first), which the bundle then carries, or keyless
// (NewKeylessSigner).
type Signer struct {
	sv       signature.SignerVerifier
	pub      crypto.PublicKey
	chain    []*x509.Certificate
	sigstore *Sigstore
}

// NewKeySigner signs with sv; the bundle names the key by a hint only.
func NewKeySigner(sv signature.SignerVerifier) (*Signer, error) {
	pub, err := sv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", verify.ErrKey, err)
	}
	return &Signer{sv: sv, pub: pub}, nil
}

// NewCertificateSigner signs with sv, whose public key must be that of
// chain[0], the signing certificate; the rest of chain are its issuers.
func NewCertificateSigner(sv signature.SignerVerifier, chain []*x509.Certificate) (*Signer, error) {
	s, err := NewKeySigner(sv)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no signing certificate", ErrConfig)
	}
	if err := cryptoutils.EqualKeys(s.pub, chain[0].PublicKey); err != nil {
		return nil, fmt.Errorf("%w: the signing key is not the key of certificate %q", ErrConfig, chain[0].Subject)
	}
	s.chain = chain
	return s, nil
}

// LoadKey loads a signing key: a PEM private key (PKCS#8, SEC 1 or PKCS#1,
// unencrypted, as the reference reads), else a cosign key file or KMS URI.
// ECDSA keys hash with the curve's hash (SHA-384 for P-384), as the reference.
func LoadKey(ctx context.Context, keyRef string, password []byte) (signature.SignerVerifier, error) {
	if b, err := os.ReadFile(keyRef); err == nil {
		if priv, err := cryptoutils.UnmarshalPEMToPrivateKey(b, cryptoutils.StaticPasswordFunc(password)); err == nil {
			sv, err := signature.LoadDefaultSignerVerifier(priv)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", verify.ErrKey, keyRef, err)
			}
			return sv, nil
		}
	}
	s, err := verify.LoadSignerVerifier(ctx, keyRef, password)
	if err != nil {
		return nil, err
	}
	return s, nil
}

type signOptions struct {
	sigPath       string
	ignore        []string
	allowSymlinks bool
	shardSize     int64
}

// SignOption configures Sign.
type SignOption func(*signOptions)

// SignTo writes the signature to path instead of DIR/model.sig (for a single
// file: model.sig beside it).
func SignTo(path string) SignOption { return func(o *signOptions) { o.sigPath = path } }

// SignIgnoring leaves paths (relative to the model) out of the manifest; they
// are recorded in the signature with the defaults.
func SignIgnoring(paths ...string) SignOption {
	return func(o *signOptions) { o.ignore = append(o.ignore, paths...) }
}

// SignShards uses the reference's shards serialization: every file is cut
// into shards of size bytes, each hashed on its own (and in parallel).
func SignShards(size int64) SignOption { return func(o *signOptions) { o.shardSize = size } }

// SignAllowingSymlinks follows symbolic links to regular files.
func SignAllowingSymlinks() SignOption { return func(o *signOptions) { o.allowSymlinks = true } }

// Sign hashes the model at path (a folder or a file) with the files
// serialization, signs the OMS v1.0 statement and writes the bundle
// atomically. It returns the signature's path.
func Sign(ctx context.Context, path string, s *Signer, opts ...SignOption) (string, error) {
	var o signOptions
	for _, f := range opts {
		f(&o)
	}
	sigPath, err := signaturePath(path, options{sigPath: o.sigPath})
	if err != nil {
		return "", err
	}
	b, err := signBundle(ctx, path, sigPath, s, o)
	if err != nil {
		return "", err
	}
	return sigPath, writeAtomic(sigPath, b)
}

// SignBundle hashes and signs the model at path as Sign does, and returns
// the signature (a Sigstore bundle, the bytes of a model.sig) instead of
// writing it: `aibom push --sign-model` attaches it to the pushed artifact.
// The signature path (SignTo, default DIR/model.sig) is still left out of
// the manifest and recorded among its ignore paths.
func SignBundle(ctx context.Context, path string, s *Signer, opts ...SignOption) ([]byte, error) {
	var o signOptions
	for _, f := range opts {
		f(&o)
	}
	sigPath, err := signaturePath(path, options{sigPath: o.sigPath})
	if err != nil {
		return nil, err
	}
	return signBundle(ctx, path, sigPath, s, o)
}

func signBundle(ctx context.Context, path, sigPath string, s *Signer, o signOptions) ([]byte, error) {
	payload, err := buildStatement(ctx, path, sigPath, o)
	if err != nil {
		return nil, err
	}
	return s.bundle(ctx, payload)
}

func buildStatement(ctx context.Context, path, sigPath string, o signOptions) ([]byte, error) {
	recorded := append(append([]string{}, defaultIgnore...), o.ignore...)
	if abs, err := filepath.Abs(sigPath); err == nil {
		recorded = append(recorded, abs)
	}
	recorded = ignorePaths(path, recorded)
	sort.Strings(recorded)
	files, err := listFiles(path, walkOptions{ignore: recorded, allowSymlinks: o.allowSymlinks, maxFiles: DefaultLimits().MaxFiles})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: %s has no file to sign", ErrConfig, path)
	}
	units := wholeFiles(files)
	if o.shardSize != 0 {
		if units, err = shardUnits(path, files, o.shardSize, DefaultLimits().MaxFiles); err != nil {
			return nil, err
		}
	}
	rs, err := hashUnits(ctx, path, units)
	if err != nil {
		return nil, err
	}
	root, err := rootDigest(rs)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pred := predicateV1{Serialization: serialization{
		Method: methodFiles, HashType: hashSHA256, AllowSymlinks: o.allowSymlinks, IgnorePaths: recorded,
	}}
	if o.shardSize != 0 {
		pred.Serialization.Method, pred.Serialization.ShardSize = methodShards, o.shardSize
	}
	if files[0] == "." {
		pred.Serialization.IgnorePaths = nil
	}
	for _, r := range rs {
		pred.Resources = append(pred.Resources, predicateResource{Algorithm: hashSHA256, Digest: r.Digest, Name: r.Name})
	}
	pb, err := json.Marshal(pred)
	if err != nil {
		return nil, err
	}
	st := statement{
		Type:          StatementV1,
		Subject:       []subject{{Name: filepath.Base(abs), Digest: map[string]string{hashSHA256: root}}},
		PredicateType: PredicateV1,
		Predicate:     pb,
	}
	return json.MarshalIndent(st, "", "  ")
}

func (s *Signer) bundle(ctx context.Context, payload []byte) ([]byte, error) {
	if s.sigstore != nil {
		return s.keylessBundle(ctx, payload)
	}
	sig, err := s.sv.SignMessage(bytes.NewReader(pae(verify.PayloadTypeInToto, payload)))
	if err != nil {
		return nil, fmt.Errorf("%w: signing: %w", verify.ErrKey, err)
	}
	vm := &protobundle.VerificationMaterial{TlogEntries: nil}
	if len(s.chain) > 0 {
		var certs []*protocommon.X509Certificate
		for _, c := range s.chain {
			certs = append(certs, &protocommon.X509Certificate{RawBytes: c.Raw})
		}
		vm.Content = &protobundle.VerificationMaterial_X509CertificateChain{
			X509CertificateChain: &protocommon.X509CertificateChain{Certificates: certs},
		}
	} else {
		der, err := x509.MarshalPKIXPublicKey(s.pub)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", verify.ErrKey, err)
		}
		sum := sha256.Sum256(der)
		vm.Content = &protobundle.VerificationMaterial_PublicKey{
			PublicKey: &protocommon.PublicKeyIdentifier{Hint: hex.EncodeToString(sum[:])},
		}
	}
	b := &protobundle.Bundle{
		MediaType:            MediaTypeBundleV03,
		VerificationMaterial: vm,
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: payload, PayloadType: verify.PayloadTypeInToto,
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	return protojson.Marshal(b)
}

// writeAtomic writes b to p through a temporary file in the same folder.
func writeAtomic(p string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".model.sig-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}
