package registryscan

import (
	"archive/zip"
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func inProcessRegistry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestScanKinds: every kind of artifact gets the verdict of its files;
// signature and attestation tags, and Sigstore bundle referrers, are
// reported on their subject and never scanned as artifacts.
func TestScanKinds(t *testing.T) {
	host := inProcessRegistry(t)
	p := pusher{t, host}
	evil := fixture(t, "pickle/malicious_p2.pkl")
	mp := p.modelPack("models/st:v1", map[string][]byte{"model.safetensors": fixture(t, "safetensors/model.safetensors")})
	p.modelPack("models/st:v2", map[string][]byte{"model.safetensors": fixture(t, "safetensors/model.safetensors")})
	p.modelPack("models/evil:latest", map[string][]byte{"pytorch_model.bin": fixture(t, "pytorch/malicious_zip.pt")})
	kit := p.kitops("kit/evil:v1", map[string][]byte{"model/weights.pkl": evil, "README.md": []byte("# hi\n")})
	p.plainImage("images/app:1.0", map[string][]byte{"etc/hostname": []byte("x\n"), "app/model.pkl": fixture(t, "pickle/clean_p2.pkl")})
	p.cosignTag("models/st", mp, ".sig", "")
	p.cosignTag("models/st", mp, ".att", "https://cyclonedx.org/bom")
	p.cosignTag("kit/evil", kit, ".att", "https://slsa.dev/provenance/v1")
	dm := p.dockerModel("docker/llm:q4", fixture(t, "gguf/malicious_template.gguf"))
	p.referrer("docker/llm", dm, "https://sigstore.dev/cosign/sign/v1")
	p.referrer("docker/llm", dm, "https://cyclonedx.org/bom")

	s, err := New(oci.Registry{}, WithJobs(2))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, host)
	want := map[string]struct {
		v           scanners.Verdict
		kind        oci.Kind
		signed, bom bool
	}{
		"models/st:v1":       {scanners.Clean, oci.ModelPack, true, true},
		"models/evil:latest": {scanners.Malicious, oci.ModelPack, false, false},
		"kit/evil:v1":        {scanners.Malicious, oci.KitOps, false, false},
		"docker/llm:q4":      {scanners.Malicious, oci.DockerModel, true, true}, // bundle referrers
		"images/app:1.0":     {scanners.Unscanned, oci.Image, false, false},     // etc/hostname: as aibom scan, the worst file
	}
	for k, w := range want {
		r, ok := got[k]
		if !ok {
			t.Errorf("%s: no result (have %v)", k, mustJSON(got))
			continue
		}
		if r.Verdict != w.v || r.Kind != string(w.kind) || r.Signed != w.signed || r.BOMAttached != w.bom {
			t.Errorf("%s: verdict %v kind %s signed %v bom %v, want %+v\n%s", k, r.Verdict, r.Kind, r.Signed, r.BOMAttached, w, mustJSON(r))
		}
	}
	for k := range got {
		if strings.Contains(k, "sha256-") {
			t.Errorf("signature tag %s scanned as an artifact", k)
		}
	}
	if st.Artifacts != 5 {
		t.Errorf("%d artifacts, want 5 (v1 and v2 are one digest): %+v", st.Artifacts, st)
	}
	if r := got["models/st:v2"]; r.Tag != "v1" || len(r.Tags) != 2 {
		t.Errorf("v1 and v2 resolve to one digest: want one result with both tags, got %s", mustJSON(r))
	}
}

// bigTorchZip is a PyTorch zip checkpoint: data.pkl (a committed clean or
// malicious pickle), version, and one stored storage of n bytes.
func bigTorchZip(t testing.TB, pkl []byte, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range []struct {
		name string
		data []byte
	}{{"archive/data.pkl", pkl}, {"archive/version", []byte("3\n")}, {"archive/data/0", make([]byte, n)}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPyTorchZipReadsDirectoryAndPickle: a PyTorch zip in a raw layer
// costs its directory and its pickle, not its storages: a 32 MiB
// checkpoint is scanned (clean, or malicious) reading under 1% of it.
func TestPyTorchZipReadsDirectoryAndPickle(t *testing.T) {
	host := inProcessRegistry(t)
	p := pusher{t, host}
	p.modelPack("pt/clean:v1", map[string][]byte{"pytorch_model.bin": bigTorchZip(t, fixture(t, "pickle/clean_p2.pkl"), 32<<20)})
	p.modelPack("pt/evil:v1", map[string][]byte{"pytorch_model.bin": bigTorchZip(t, fixture(t, "pickle/malicious_p2.pkl"), 32<<20)})
	px := newProxy(t, host)
	s, err := New(oci.Registry{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := collect(t, s, px.host())
	for k, v := range map[string]scanners.Verdict{"pt/clean:v1": scanners.Clean, "pt/evil:v1": scanners.Malicious} {
		r := got[k]
		if r.Verdict != v || len(r.Files) != 1 || r.Files[0].Format != "pytorch" {
			t.Errorf("%s: %s", k, mustJSON(r))
		}
		if r.BytesRead*100 >= r.BytesStored {
			t.Errorf("%s: read %d of %d bytes, want < 1%%", k, r.BytesRead, r.BytesStored)
		}
		t.Logf("%s: read %d of %d bytes", k, r.BytesRead, r.BytesStored)
	}
	if served := px.blobBytes.Load(); served*100 >= 64<<20 {
		t.Errorf("proxy served %d blob bytes for two 32 MiB checkpoints", served)
	}
}

// TestSharedRawLayerKeepsEachName: one blob named differently by two
// artifacts is read once and reported under each artifact's name.
func TestSharedRawLayerKeepsEachName(t *testing.T) {
	host := inProcessRegistry(t)
	p := pusher{t, host}
	evil := fixture(t, "pickle/malicious_p2.pkl")
	p.modelPack("a/one:v1", map[string][]byte{"weights/model.bin": evil})
	p.modelPack("b/two:v1", map[string][]byte{"other.pkl": evil})
	s, err := New(oci.Registry{}, WithJobs(1))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, host)
	for k, name := range map[string]string{"a/one:v1": "weights/model.bin", "b/two:v1": "other.pkl"} {
		r := got[k]
		if len(r.Files) != 1 || r.Files[0].Path != name || r.Verdict != scanners.Malicious {
			t.Errorf("%s: %s", k, mustJSON(r))
		}
	}
	if st.LayersRead != 1 || st.MemoHits != 1 {
		t.Errorf("the shared blob was not read once: %+v", st)
	}
}
