package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	signatureoptions "github.com/sigstore/sigstore/pkg/signature/options"
)

// Signer signs what Sign and Attest write: with a key (a cosign key file or
// a KMS key), or keyless (an ephemeral key certified by Fulcio).
type Signer struct {
	kp      *keypair
	keyless *Keyless
}

// Keyless configures Sigstore keyless signing: Fulcio certifies an
// ephemeral key for the identity of IDToken, Rekor logs the signature.
type Keyless struct {
	FulcioURL string
	RekorURL  string
	// IDToken is the OIDC identity token (a JWT) that Fulcio checks.
	IDToken string
}

// LoadSigner loads a signing key: a cosign key file (encrypted with
// password, which may be empty for an unencrypted key; also given as an
// http(s) URL or a reference of a KeySource, e.g. env://VAR in the CLI) or a KMS URI (awskms://, gcpkms://, azurekms://,
// hashivault://, or a sigstore-kms-* plugin) through sigstore's KMS support.
// The caller reads the password (e.g. from COSIGN_PASSWORD). Secret-store
// references (k8s://, gitlab://, github://, pkcs11:) are refused with
// ErrConfig: mount the secret as a file.
func LoadSigner(ctx context.Context, keyRef string, password []byte) (*Signer, error) {
	if keyRef == "" {
		return nil, fmt.Errorf("%w: no signing key given", ErrConfig)
	}
	sv, err := LoadSignerVerifier(ctx, keyRef, password)
	if err != nil {
		return nil, err
	}
	return NewSigner(sv)
}

// LoadSignerVerifier loads the signing key of LoadSigner as a sigstore
// SignerVerifier (for callers that sign other formats with the same keys).
func LoadSignerVerifier(ctx context.Context, keyRef string, password []byte) (signature.SignerVerifier, error) {
	if keyRef == "" {
		return nil, fmt.Errorf("%w: no signing key given", ErrConfig)
	}
	sv, ok, err := kmsKey(ctx, keyRef)
	if err == nil && !ok {
		var raw []byte
		if raw, err = readKeyRef(ctx, keyRef); err == nil {
			sv, err = parseCosignPrivateKey(raw, password)
		}
	}
	if err != nil {
		return nil, keyError(keyRef, err)
	}
	return sv, nil
}

// keyError wraps err as ErrKey, unless it is a configuration error already.
func keyError(keyRef string, err error) error {
	if errors.Is(err, ErrConfig) {
		return fmt.Errorf("loading %s: %w", keyRef, err)
	}
	return fmt.Errorf("%w: loading %s: %w", ErrKey, keyRef, err)
}

// NewSigner signs with sv (for callers that hold a key already).
func NewSigner(sv signature.SignerVerifier) (*Signer, error) {
	kp, err := newKeypair(sv)
	if err != nil {
		return nil, err
	}
	return &Signer{kp: kp}, nil
}

// NewKeylessSigner signs with an ephemeral key certified by Fulcio.
func NewKeylessSigner(k Keyless) (*Signer, error) {
	if k.FulcioURL == "" || k.RekorURL == "" {
		return nil, fmt.Errorf("%w: keyless signing needs a Fulcio URL and a Rekor URL", ErrConfig)
	}
	if k.IDToken == "" {
		return nil, fmt.Errorf("%w: keyless signing needs an OIDC identity token", ErrConfig)
	}
	return &Signer{keyless: &k}, nil
}

// LoadPublicKey loads a verification key: a PEM public key (a file, an
// http(s) URL, or a reference of a KeySource), or a KMS URI. Secret-store references
// (k8s://, gitlab://, github://, pkcs11:) are refused with ErrConfig: mount
// the secret as a file.
func LoadPublicKey(ctx context.Context, keyRef string) (signature.Verifier, error) {
	if keyRef == "" {
		return nil, fmt.Errorf("%w: no public key given", ErrConfig)
	}
	sv, ok, err := kmsKey(ctx, keyRef)
	if err != nil {
		return nil, keyError(keyRef, err)
	}
	if ok {
		return sv, nil
	}
	raw, err := readKeyRef(ctx, keyRef)
	if err != nil {
		return nil, keyError(keyRef, err)
	}
	v, err := parsePublicKeyPEM(raw)
	if err != nil {
		return nil, keyError(keyRef, err)
	}
	return v, nil
}

// keypair adapts a sigstore SignerVerifier (file or KMS key) to
// sigstore-go's sign.Keypair.
type keypair struct {
	sv     signature.SignerVerifier
	pub    crypto.PublicKey
	hint   []byte
	keyAlg string
	alg    signature.AlgorithmDetails
}

func newKeypair(sv signature.SignerVerifier) (*keypair, error) {
	pub, err := sv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrKey, err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrKey, err)
	}
	sum := sha256.Sum256(der)
	kp := &keypair{sv: sv, pub: pub, hint: []byte(base64.StdEncoding.EncodeToString(sum[:]))}
	switch pub.(type) {
	case *ecdsa.PublicKey:
		kp.keyAlg = "ECDSA"
	case *rsa.PublicKey:
		kp.keyAlg = "RSA"
	case ed25519.PublicKey:
		kp.keyAlg = "ED25519"
	default:
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrKey, pub)
	}
	if kp.alg, err = signature.GetDefaultAlgorithmDetails(pub); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return kp, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm { return k.alg.GetProtoHashType() }
func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.alg.GetSignatureAlgorithm()
}
func (k *keypair) GetHint() []byte                { return k.hint }
func (k *keypair) GetKeyAlgorithm() string        { return k.keyAlg }
func (k *keypair) GetPublicKey() crypto.PublicKey { return k.pub }

func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.pub)
	return string(b), err
}

// SignData signs data and returns the signature and the digest signed.
func (k *keypair) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	hf := k.alg.GetHashType()
	var digest []byte
	opts := []signature.SignOption{signatureoptions.WithContext(ctx)}
	if hf != crypto.Hash(0) {
		h := hf.New()
		h.Write(data)
		digest = h.Sum(nil)
		opts = append(opts, signatureoptions.WithDigest(digest))
	}
	sig, err := k.sv.SignMessage(bytes.NewReader(data), opts...)
	if err != nil {
		return nil, nil, errors.Join(ErrKey, err)
	}
	return sig, digest, nil
}
