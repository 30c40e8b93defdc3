package omsbundle

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

// minimal is the smallest bundle Parse accepts.
const minimal = `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}}`

// interopDir is the OMS interop vectors' folder: $AIBOM_OMS_INTEROP, else
// shared/interop/oms in a parent folder; "" when there is none.
func interopDir() string {
	if d := os.Getenv("AIBOM_OMS_INTEROP"); d != "" {
		return d
	}
	d, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for range 7 {
		if p := filepath.Join(d, "shared", "interop", "oms"); dirExists(p) {
			return p
		}
		d = filepath.Dir(d)
	}
	return ""
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// FuzzParse: no panic; an accepted bundle has one non-empty DSSE signature
// over an in-toto payload; a refused one is ErrMalformed.
func FuzzParse(f *testing.F) {
	if d := interopDir(); d != "" {
		sigs, _ := filepath.Glob(filepath.Join(d, "*", "model.sig"))
		for _, p := range sigs {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.3","dsseEnvelope":{"payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="},{"sig":"AA=="}]}}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		pb, env, err := Parse(b)
		if err != nil {
			if !errors.Is(err, oms.ErrMalformed) || pb != nil || env != nil {
				t.Fatalf("refused with %v and a result", err)
			}
			return
		}
		if len(env.GetSignatures()) != 1 || len(env.GetSignatures()[0].GetSig()) == 0 || env.GetPayloadType() != PayloadTypeInToto {
			t.Fatalf("accepted %+v", env)
		}
		if pb.GetDsseEnvelope() != env {
			t.Fatal("the envelope is not the bundle's")
		}
	})
}

func TestParse(t *testing.T) {
	if _, env, err := Parse([]byte(minimal)); err != nil || string(env.GetPayload()) != "{}" {
		t.Fatalf("minimal bundle: %v", err)
	}
	for _, b := range []string{
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","mediaType":"x"}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.2+json","dsseEnvelope":{"payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payloadType":"text/plain","signatures":[{"sig":"AA=="}]}}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payloadType":"application/vnd.in-toto+json","signatures":[{"sig":""}]}}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`,
		`[`,
	} {
		if _, _, err := Parse([]byte(b)); !errors.Is(err, oms.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", b, err)
		}
	}
}
