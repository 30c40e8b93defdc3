package modelsig

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/data"

	"github.com/seed-43c89ce6/aibom/verify"
)

// The keyless vectors need the public-good trusted root; sigstore-go embeds
// one in its testing data (offline, no TUF fetch).
func publicGood(t *testing.T, subject, issuer string) Trust {
	return Trust{Trust: verify.Trust{
		Identities:      []verify.Identity{{Subject: subject, Issuer: issuer}},
		TrustedMaterial: data.TrustedRoot(t, "public-good.json"),
	}}
}

var keylessVectors = []string{"v0.3.1-sigstore", "v1.0.0-sigstore", "v1.1.0-sigstore"}

const (
	vectorIdentity = "stefanb@us.ibm.com"
	vectorIssuer   = "https://sigstore.verify.ibm.com/oauth2"
)

func TestInteropKeylessVectors(t *testing.T) {
	dir := interop(t)
	for _, name := range keylessVectors {
		t.Run(name, func(t *testing.T) {
			v := vector{name: name}
			res := verifyVector(t, filepath.Join(dir, name), v, publicGood(t, vectorIdentity, vectorIssuer))
			if !res.Verified || len(res.Signers) != 1 || !strings.HasPrefix(res.Signers[0], vectorIdentity+" ") {
				t.Fatalf("%+v", res)
			}
			for _, wrong := range []Trust{
				publicGood(t, "someone@us.ibm.com", vectorIssuer),
				publicGood(t, vectorIdentity, "https://accounts.google.com"),
				publicGood(t, "stefanb@us.ibm.co", vectorIssuer), // a prefix is not a match
			} {
				if res := verifyVector(t, filepath.Join(dir, name), v, wrong); res.Verified {
					t.Fatalf("verified with the wrong identity %+v: %+v", wrong.Identities, res)
				}
			}
			folder := copyVector(t, filepath.Join(dir, name))
			appendFile(t, filepath.Join(folder, "signme-1"), "x")
			if res := verifyVector(t, folder, v, publicGood(t, vectorIdentity, vectorIssuer)); res.Verified {
				t.Fatalf("verified after a change: %+v", res)
			}
		})
	}
}
