package testtools

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509util "github.com/google/certificate-transparency-go/x509util"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"         // entry kinds the fake Rekor accepts
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1" // (cosign v2 and sigstore-go upload these)
	_ "github.com/sigstore/rekor/pkg/types/intoto/v0.0.2"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Sigstore is a private Sigstore deployment for tests, served on
// 127.0.0.1: a Fulcio CA whose leaf certificates carry an embedded signed
// certificate timestamp (SCT) from its own CT log, and a Rekor (v1 API)
// that signs entries with sigstore-go's virtual Sigstore log key (SET and
// inclusion-proof checkpoint). Its trusted_root.json names all three, so
// that verifiers run with their default, strict options.
type Sigstore struct {
	// VS holds the Rekor log key.
	VS           *ca.VirtualSigstore
	Root         *x509.Certificate
	Intermediate *x509.Certificate
	interKey     *ecdsa.PrivateKey
	ctKey        *ecdsa.PrivateKey

	mu      sync.Mutex
	serial  int64
	entries int
}

// NewSigstore makes the CA, the CT log key and the Rekor key.
func NewSigstore(t testing.TB) *Sigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	ctKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Sigstore{VS: vs, Root: rootCert, Intermediate: inter, interKey: interKey, ctKey: ctKey, serial: 100}
}

// OIDs of Fulcio's OIDC issuer extensions (the raw v1 and the DER v2).
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	oidSCTList  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
)

// Leaf issues a code-signing certificate for pub, as Fulcio does: the
// identity as its SAN (an e-mail, or a URI when it has "://"), the OIDC
// issuer in Fulcio's extensions, valid for ten minutes from a minute ago,
// with an embedded SCT of the CT log.
func (s *Sigstore) Leaf(t testing.TB, pub crypto.PublicKey, identity, issuer string) *x509.Certificate {
	t.Helper()
	c, err := s.leaf(pub, identity, issuer)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *Sigstore) leaf(pub crypto.PublicKey, identity, issuer string) (*x509.Certificate, error) {
	s.mu.Lock()
	s.serial++
	serial := s.serial
	s.mu.Unlock()
	issuerDER, err := asn1.MarshalWithParams(issuer, "utf8")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(10 * time.Minute),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: oidIssuerV1, Value: []byte(issuer)},
			{Id: oidIssuerV2, Value: issuerDER},
		},
	}
	if strings.Contains(identity, "://") {
		u, err := url.Parse(identity)
		if err != nil {
			return nil, err
		}
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{identity}
	}
	// The precertificate's TBS (the final one without the SCT list) is
	// what the CT log signs.
	pre, err := x509.CreateCertificate(rand.Reader, tmpl, s.Intermediate, pub, s.interKey)
	if err != nil {
		return nil, err
	}
	ext, err := s.sctExtension(pre)
	if err != nil {
		return nil, err
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.Intermediate, pub, s.interKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// sctExtension is the SCT list extension for the precertificate pre.
func (s *Sigstore) sctExtension(pre []byte) (pkix.Extension, error) {
	var none pkix.Extension
	preCert, err := x509.ParseCertificate(pre)
	if err != nil {
		return none, err
	}
	ts := uint64(time.Now().Add(-30 * time.Second).UnixMilli())
	// What ct.MerkleTreeLeafForEmbeddedSCT rebuilds from the final
	// certificate: its TBS without the SCT list, and the issuer's key hash.
	leaf := &ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			EntryType: ct.PrecertLogEntryType,
			Timestamp: ts,
			PrecertEntry: &ct.PreCert{
				IssuerKeyHash:  sha256.Sum256(s.Intermediate.RawSubjectPublicKeyInfo),
				TBSCertificate: preCert.RawTBSCertificate,
			},
		},
	}
	pkixKey, err := x509.MarshalPKIXPublicKey(s.ctKey.Public())
	if err != nil {
		return none, err
	}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: sha256.Sum256(pkixKey)}, Timestamp: ts}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: *leaf})
	if err != nil {
		return none, err
	}
	sum := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, s.ctKey, sum[:])
	if err != nil {
		return none, err
	}
	sct.Signature = ct.DigitallySigned{Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA}, Signature: sig}
	list, err := ctx509util.MarshalSCTsIntoSCTList([]*ct.SignedCertificateTimestamp{&sct})
	if err != nil {
		return none, err
	}
	raw, err := cttls.Marshal(*list)
	if err != nil {
		return none, err
	}
	val, err := asn1.Marshal(raw)
	if err != nil {
		return none, err
	}
	return pkix.Extension{Id: oidSCTList, Value: val}, nil
}

// ChainPEM is the intermediate and the root, in PEM (cosign's
// --certificate-chain).
func (s *Sigstore) ChainPEM(t testing.TB) []byte {
	t.Helper()
	b, err := cryptoutils.MarshalCertificatesToPEM([]*x509.Certificate{s.Intermediate, s.Root})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TrustedRoot is the deployment's trusted material: the Fulcio CA, the
// Rekor log and the CT log (no timestamp authority).
func (s *Sigstore) TrustedRoot(t testing.TB) *root.TrustedRoot {
	t.Helper()
	pkixKey, err := x509.MarshalPKIXPublicKey(s.ctKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	id := sha256.Sum256(pkixKey)
	ctlogs := map[string]*root.TransparencyLog{hex.EncodeToString(id[:]): {
		BaseURL: "https://ct.test", ID: id[:], HashFunc: crypto.SHA256, PublicKey: s.ctKey.Public(),
		SignatureHashFunc: crypto.SHA256, ValidityPeriodStart: time.Now().Add(-time.Hour),
	}}
	rekor := map[string]*root.TransparencyLog{}
	for k, l := range s.VS.RekorLogs() {
		lid, err := hex.DecodeString(k)
		if err != nil {
			t.Fatal(err)
		}
		l.ID = lid
		l.BaseURL = "https://rekor.test"
		rekor[k] = l
	}
	fca := &root.FulcioCertificateAuthority{
		Root: s.Root, Intermediates: []*x509.Certificate{s.Intermediate}, URI: "https://fulcio.test",
		ValidityPeriodStart: time.Now().Add(-time.Hour),
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{fca}, ctlogs, nil, rekor)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// WriteTrustedRoot writes TrustedRoot as a trusted_root.json in a temporary
// folder and returns its path.
func (s *Sigstore) WriteTrustedRoot(t testing.TB) string {
	t.Helper()
	b, err := s.TrustedRoot(t).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// entry records a canonicalized Rekor entry body in the log: the entry
// with its integrated time (now), its SET and an inclusion proof, and its
// UUID (the leaf hash).
func (s *Sigstore) entry(body []byte) (models.LogEntryAnon, string, error) {
	logID, err := s.VS.RekorLogID()
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	// One entry per tree: the inclusion proof of the virtual Sigstore is
	// for index 0 of a tree of size 1.
	now, idx := time.Now().Unix(), int64(0)
	b64 := base64.StdEncoding.EncodeToString(body)
	set, err := s.VS.RekorSignPayload(tlog.RekorPayload{Body: b64, IntegratedTime: now, LogIndex: idx, LogID: logID})
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	proof, err := s.VS.GetInclusionProof(body)
	if err != nil {
		return models.LogEntryAnon{}, "", err
	}
	s.mu.Lock()
	s.entries++
	s.mu.Unlock()
	leaf := sha256.Sum256(append([]byte{0}, body...))
	return models.LogEntryAnon{
		Body: b64, IntegratedTime: &now, LogID: &logID, LogIndex: &idx,
		Verification: &models.LogEntryAnonVerification{SignedEntryTimestamp: strfmt.Base64(set), InclusionProof: proof},
	}, hex.EncodeToString(leaf[:]), nil
}

// Entries is how many entries the log has recorded.
func (s *Sigstore) Entries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries
}

// Serve starts Fulcio (POST /api/v2/signingCert) and Rekor (POST
// /api/v1/log/entries) on one loopback server until the test ends, and
// returns its URL (both --fulcio-url and --rekor-url). Fulcio trusts the
// identity token's claims without checking its signature: it is a test CA.
func (s *Sigstore) Serve(t testing.TB) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/signingCert", s.signingCert)
	mux.HandleFunc("POST /api/v1/log/entries", s.createEntry)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (s *Sigstore) signingCert(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Content string `json:"content"`
			} `json:"publicKey"`
		} `json:"publicKeyRequest"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	claims, err := tokenClaims(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	id := claims.Email
	if id == "" {
		id = claims.Subject
	}
	leaf, err := s.leaf(pub, id, claims.Issuer)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var certs []string
	for _, c := range []*x509.Certificate{leaf, s.Intermediate, s.Root} {
		p, err := cryptoutils.MarshalCertificateToPEM(c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		certs = append(certs, string(p))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": certs}}})
}

func (s *Sigstore) createEntry(w http.ResponseWriter, r *http.Request) {
	pe, err := models.UnmarshalProposedEntry(http.MaxBytesReader(w, r.Body, 4<<20), runtime.JSONConsumer())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ei, err := types.CreateVersionedEntry(pe)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, err := types.CanonicalizeEntry(r.Context(), ei)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e, uuid, err := s.entry(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", uuid)
	w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(models.LogEntry{uuid: e})
}

// IDToken is an (unsigned) OIDC identity token for the test Fulcio: the
// identity as a verified e-mail, or as the subject when it has "://".
func IDToken(identity, issuer string) string {
	c := map[string]any{"iss": issuer, "aud": "sigstore", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
	if strings.Contains(identity, "://") {
		c["sub"] = identity
	} else {
		c["sub"], c["email"], c["email_verified"] = "user-1", identity, true
	}
	head, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT"})
	body, _ := json.Marshal(c)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(head) + "." + enc(body) + "." + enc([]byte("unsigned"))
}

var errBadToken = errors.New("identity token: want a JWT with iss and sub or email")

type claims struct {
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	Email   string `json:"email"`
}

func tokenClaims(tok string) (claims, error) {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, errBadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	if c.Issuer == "" || (c.Subject == "" && c.Email == "") {
		return c, errBadToken
	}
	return c, nil
}
