package admission

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// FuzzExtract: any AdmissionReview body either fails with ErrRequest or
// yields images whose patch pointers and paths are well formed; never a
// panic.
func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"request":{"kind":{"kind":"Pod"},"operation":"CREATE","object":{"spec":{"containers":[{"image":7}]}}}}`))
	f.Add([]byte(`{"request":{"kind":{"kind":"InferenceService"},"object":{"spec":{"predictor":{"model":"x","storageUri":"oci://a/b:c"}}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var ar admissionv1.AdmissionReview
		if json.Unmarshal(body, &ar) != nil || ar.Request == nil {
			return
		}
		o, err := Extract(ar.Request)
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("error not ErrRequest: %v", err)
			}
			return
		}
		for _, img := range o.Images {
			if !strings.HasPrefix(img.Pointer, "/spec/") || img.Path == "" || strings.HasPrefix(img.Path, ".") {
				t.Fatalf("bad image location %+v", img)
			}
		}
		if ops := pinPatch(decisionsFor(o)); ops != nil && !json.Valid(ops) {
			t.Fatalf("invalid patch %s", ops)
		}
	})
}

func decisionsFor(o *Object) []ImageDecision {
	ds := make([]ImageDecision, len(o.Images))
	for i, img := range o.Images {
		ds[i] = ImageDecision{Image: img, Digest: "r.example/x@sha256:" + strings.Repeat("a", 64)}
	}
	return ds
}
