package verify

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms"
	signatureoptions "github.com/sigstore/sigstore/pkg/signature/options"
)

// The PEM block types of cosign's encrypted private keys: the current one
// (`cosign generate-key-pair`, `cosign import-key-pair`) and the one older
// cosign releases wrote.
const (
	pemSigstorePrivateKey = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemCosignPrivateKey   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// maxKeyBytes bounds a key read from a file, a URL or the environment: a
// PEM key, even RSA-4096 and encrypted, is a few KiB.
const maxKeyBytes = 1 << 20

// Key references that cosign's CLI reads from a secret store through that
// store's API. aibom does not link those clients: the secret is mounted as a
// file (a Kubernetes Secret volume, a CI secret file) and passed by path.
var secretStoreSchemes = []string{"k8s://", "gitlab://", "github://", "pkcs11:"}

// parseCosignPrivateKey decrypts a cosign private key (a PEM block
// "ENCRYPTED SIGSTORE PRIVATE KEY": scrypt + NaCl secretbox around PKCS #8,
// the format of go-securesystemslib's encrypted package) and returns its
// SignerVerifier, with the options cosign uses (ED25519ph for Ed25519).
func parseCosignPrivateKey(raw, password []byte) (signature.SignerVerifier, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("not a PEM file")
	}
	if block.Type != pemSigstorePrivateKey && block.Type != pemCosignPrivateKey {
		return nil, fmt.Errorf("PEM block %q is not a cosign private key (want %q)", block.Type, pemSigstorePrivateKey)
	}
	der, err := encrypted.Decrypt(block.Bytes, password)
	if err != nil {
		return nil, fmt.Errorf("decrypting (wrong password?): %w", err)
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the decrypted PKCS #8 key: %w", err)
	}
	sv, err := signature.LoadDefaultSignerVerifier(pk, signatureoptions.WithED25519ph())
	if err != nil {
		return nil, fmt.Errorf("loading the private key: %w", err)
	}
	return sv, nil
}

// parsePublicKeyPEM returns a verifier for a PEM public key (PKIX or
// PKCS #1), hashing with SHA-256 as cosign does.
func parsePublicKeyPEM(raw []byte) (signature.Verifier, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("PEM to public key: %w", err)
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("loading the public key: %w", err)
	}
	return v, nil
}

// kmsKey returns the KMS SignerVerifier for ref when ref names a KMS key: a
// registered provider (awskms://, gcpkms://, azurekms://, hashivault://) or
// a sigstore KMS plugin on PATH (sigstore-kms-SCHEME). ok is false when ref
// is not a KMS reference, and the caller reads it as a file or URL.
func kmsKey(ctx context.Context, ref string) (sv signature.SignerVerifier, ok bool, err error) {
	if err := checkKeyScheme(ref); err != nil {
		return nil, false, err
	}
	if !strings.Contains(ref, "://") || isURLOrSource(ref) {
		return nil, false, nil
	}
	k, err := kms.Get(ctx, ref, crypto.SHA256)
	var notFound *kms.ProviderNotFoundError
	switch {
	case err == nil:
		return k, true, nil
	case errors.As(err, &notFound):
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("KMS key: %w", err)
}

// checkKeyScheme refuses the key references of secret stores with a
// message that says what to do instead.
func checkKeyScheme(ref string) error {
	for _, s := range secretStoreSchemes {
		if strings.HasPrefix(ref, s) {
			return fmt.Errorf("%w: %s key references are not supported: mount the secret (e.g. the Kubernetes Secret) as a file and pass its path", ErrConfig, strings.TrimSuffix(s, "//"))
		}
	}
	return nil
}

func isURLOrSource(ref string) bool {
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return true
	}
	_, _, ok := keySource(ref)
	return ok
}

// KeySource reads the key that a reference "scheme://rest" names, given
// rest.
type KeySource func(ctx context.Context, rest string) ([]byte, error)

var (
	keySourcesMu sync.RWMutex
	keySources   = map[string]KeySource{}
)

// AddKeySource makes LoadSigner and LoadPublicKey read key references that
// start with scheme (e.g. "env://") through read. The library reads files
// and http(s) URLs itself but never the environment: the aibom command
// registers env://VAR, as cosign reads it, with the process environment.
func AddKeySource(scheme string, read KeySource) {
	keySourcesMu.Lock()
	defer keySourcesMu.Unlock()
	keySources[scheme] = read
}

func keySource(ref string) (KeySource, string, bool) {
	keySourcesMu.RLock()
	defer keySourcesMu.RUnlock()
	for scheme, read := range keySources {
		if rest, ok := strings.CutPrefix(ref, scheme); ok {
			return read, rest, true
		}
	}
	return nil, "", false
}

// readKeyRef reads the bytes of a key given as a file path, an http(s) URL
// or a reference of a registered KeySource, as cosign reads a key
// reference that is not a KMS URI.
func readKeyRef(ctx context.Context, ref string) ([]byte, error) {
	if read, rest, ok := keySource(ref); ok {
		b, err := read(ctx, rest)
		if err != nil {
			return nil, err
		}
		if len(b) > maxKeyBytes {
			return nil, fmt.Errorf("%w: key (limit %d bytes)", ErrTooLarge, maxKeyBytes)
		}
		return b, nil
	}
	switch {
	case strings.HasPrefix(ref, "http://"), strings.HasPrefix(ref, "https://"):
		return fetchKey(ctx, ref)
	case strings.Contains(ref, "://"):
		scheme, _, _ := strings.Cut(ref, "://")
		return nil, fmt.Errorf("%w: unknown key reference scheme %q (want a file, http(s)://, or a KMS URI: awskms://, gcpkms://, azurekms://, hashivault://)", ErrConfig, scheme)
	}
	f, err := os.Open(ref)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return readBounded(f, maxKeyBytes, "key file")
}

func fetchKey(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return readBounded(resp.Body, maxKeyBytes, "key")
}
