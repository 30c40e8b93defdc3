package admission

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/seed-43c89ce6/aibom/verify/admission/podspec"
)

// FuzzExtract: any AdmissionReview body either fails with ErrRequest or
// yields images whose patch pointers and paths are well formed, and the
// same object as decoding with k8s.io/api's types (k8sExtract) whenever
// those accept it; never a panic.
//
// It links everything the webhook does, so it runs slowly under -fuzz: the
// parser's own target, podspec.FuzzRead, is the one to fuzz for long.
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
		} else {
			for _, img := range o.Images {
				if !strings.HasPrefix(img.Pointer, "/spec/") || img.Path == "" || strings.HasPrefix(img.Path, ".") {
					t.Fatalf("bad image location %+v", img)
				}
			}
			if ops := pinPatch(decisionsFor(o)); ops != nil && !json.Valid(ops) {
				t.Fatalf("invalid patch %s", ops)
			}
		}
		checkSameAsK8s(t, ar.Request, o, err)
	})
}

// checkSameAsK8s compares Extract's result (o, err) with k8sExtract's: the
// same object when both accept it, and no error from Extract that the
// k8s.io/api types do not give. (They reject more: a type error in a field
// that Extract does not read, such as "replicas": "x".)
func checkSameAsK8s(t *testing.T, req *admissionv1.AdmissionRequest, o *Object, err error) {
	t.Helper()
	want, werr := k8sExtract(req)
	switch {
	case werr != nil && err == nil:
		return
	case werr == nil && err != nil:
		t.Fatalf("Extract: %v; with k8s.io/api types: no error", err)
	case werr != nil:
		return
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("Extract:\n%+v\nwith k8s.io/api types:\n%+v", o, want)
	}
}

// TestExtractSameAsK8s runs checkSameAsK8s over the fixtures and objects
// that the k8s.io/api types and the local structs of podspec read alike,
// or where only the former fail.
func TestExtractSameAsK8s(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	var reqs []*admissionv1.AdmissionRequest
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var ar admissionv1.AdmissionReview
		if err := json.Unmarshal(b, &ar); err != nil || ar.Request == nil {
			t.Fatalf("%s: %v", p, err)
		}
		reqs = append(reqs, ar.Request)
	}
	for _, c := range []struct{ kind, obj string }{
		{"Pod", `{"spec":{"containers":[{"image":7}]}}`},
		{"Pod", `{"spec":{"containers":[{"Image":"a","image":"b"}],"Containers":[{"image":"c"}]}}`},
		{"Pod", `{"spec":{"volumes":[{"image":null},{"image":{"reference":"r"}},{"image":"x"}]}}`},
		{"Pod", `{"metadata":{"labels":{"a":1}},"spec":{}}`},
		{"Pod", `{"spec":{"containers":[{"image":"a","resources":{"limits":{"cpu":"not a quantity"}}}]}}`},
		{"Deployment", `{"spec":{"replicas":"x","template":{"spec":{"containers":[{"image":"a"}]}}}}`},
		{"Job", `{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":""},{"name":"s"}],"serviceAccountName":"sa"}}}}`},
		{"CronJob", `{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"ephemeralContainers":[{"image":"e"}]}}}}}}`},
		{"InferenceService", `{"spec":{"predictor":{"a/b":{"storageUri":"oci://x"},"containers":[{"image":"c"}]}}}`},
		{"InferenceService", `{"spec":{"transformer":[]}}`},
		{"Pod", `{"spec":`},
	} {
		reqs = append(reqs, &admissionv1.AdmissionRequest{Operation: admissionv1.Create})
		reqs[len(reqs)-1].Kind.Kind = c.kind
		reqs[len(reqs)-1].Object.Raw = []byte(c.obj)
	}
	for _, req := range reqs {
		o, err := Extract(req)
		checkSameAsK8s(t, req, o, err)
	}
}

// The pointer of a KServe key is escaped (RFC 6901), so that the pinning
// patch replaces the field that was verified.
func TestExtractEscapesPointer(t *testing.T) {
	req := &admissionv1.AdmissionRequest{Operation: admissionv1.Create}
	req.Kind.Kind = "InferenceService"
	req.Object.Raw = []byte(`{"spec":{"predictor":{"a/b~c":{"storageUri":"oci://r/m:1"}}}}`)
	o, err := Extract(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []Image{{Ref: "r/m:1", Pointer: "/spec/predictor/a~1b~0c/storageUri", Path: "spec.predictor.a/b~c.storageUri", OCIScheme: true}}
	if !reflect.DeepEqual(o.Images, want) {
		t.Fatalf("got %+v, want %+v", o.Images, want)
	}
	if p := podspec.HumanPath(want[0].Pointer); p != want[0].Path {
		t.Fatalf("HumanPath: %q", p)
	}
}

func decisionsFor(o *Object) []ImageDecision {
	ds := make([]ImageDecision, len(o.Images))
	for i, img := range o.Images {
		ds[i] = ImageDecision{Image: img, Digest: "r.example/x@sha256:" + strings.Repeat("a", 64)}
	}
	return ds
}

// k8sExtract is Extract as it was written with k8s.io/api's types, before
// the object's bytes moved to package podspec (with one fix: a KServe key is
// escaped in the JSON pointer): the reference the fuzz target compares
// with.
func k8sExtract(req *admissionv1.AdmissionRequest) (*Object, error) {
	o := &Object{Kind: req.Kind.Kind, Namespace: req.Namespace, Name: req.Name, Operation: string(req.Operation)}
	raw := req.Object.Raw
	if len(raw) == 0 {
		if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
			return o, nil
		}
		return nil, fmt.Errorf("%w: no object", ErrRequest)
	}
	var meta struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, err
	}
	o.Labels = meta.Metadata.Labels
	var err error
	switch req.Kind.Kind {
	case "Pod":
		var p corev1.Pod
		if err = json.Unmarshal(raw, &p); err == nil {
			k8sSpecImages(o, &p.Spec, "/spec")
		}
	case "Deployment":
		err = k8sTempl(o, raw, &appsv1.Deployment{}, func(x *appsv1.Deployment) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "StatefulSet":
		err = k8sTempl(o, raw, &appsv1.StatefulSet{}, func(x *appsv1.StatefulSet) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "DaemonSet":
		err = k8sTempl(o, raw, &appsv1.DaemonSet{}, func(x *appsv1.DaemonSet) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "ReplicaSet":
		err = k8sTempl(o, raw, &appsv1.ReplicaSet{}, func(x *appsv1.ReplicaSet) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "Job":
		err = k8sTempl(o, raw, &batchv1.Job{}, func(x *batchv1.Job) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "CronJob":
		var c batchv1.CronJob
		if err = json.Unmarshal(raw, &c); err == nil {
			k8sSpecImages(o, &c.Spec.JobTemplate.Spec.Template.Spec, "/spec/jobTemplate/spec/template/spec")
		}
	case "InferenceService":
		err = k8sKServe(o, raw)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

func k8sTempl[T any](o *Object, raw []byte, x *T, spec func(*T) *corev1.PodSpec) error {
	if err := json.Unmarshal(raw, x); err != nil {
		return err
	}
	k8sSpecImages(o, spec(x), "/spec/template/spec")
	return nil
}

func k8sSpecImages(o *Object, s *corev1.PodSpec, ptr string) {
	o.ServiceAccount = s.ServiceAccountName
	for _, r := range s.ImagePullSecrets {
		if r.Name != "" {
			o.PullSecrets = append(o.PullSecrets, r.Name)
		}
	}
	for i, c := range s.InitContainers {
		k8sAdd(o, c.Image, ptr+"/initContainers/"+strconv.Itoa(i)+"/image", false)
	}
	for i, c := range s.Containers {
		k8sAdd(o, c.Image, ptr+"/containers/"+strconv.Itoa(i)+"/image", false)
	}
	for i, c := range s.EphemeralContainers {
		k8sAdd(o, c.Image, ptr+"/ephemeralContainers/"+strconv.Itoa(i)+"/image", false)
	}
	for i, v := range s.Volumes {
		if v.Image != nil {
			k8sAdd(o, v.Image.Reference, ptr+"/volumes/"+strconv.Itoa(i)+"/image/reference", false)
		}
	}
}

func k8sAdd(o *Object, ref, ptr string, oci bool) {
	o.Images = append(o.Images, Image{Ref: ref, Pointer: ptr, Path: podspec.HumanPath(ptr), OCIScheme: oci})
}

func k8sKServe(o *Object, raw []byte) error {
	var isvc struct {
		Spec map[string]json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(raw, &isvc); err != nil {
		return err
	}
	for _, comp := range []string{"predictor", "transformer", "explainer"} {
		c, ok := isvc.Spec[comp]
		if !ok {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(c, &fields); err != nil {
			return err
		}
		ptr := "/spec/" + comp
		for _, k := range sortedKeys(fields) {
			v := fields[k]
			switch k {
			case "containers", "initContainers":
				var cs []corev1.Container
				if err := json.Unmarshal(v, &cs); err != nil {
					return err
				}
				for i, c := range cs {
					k8sAdd(o, c.Image, ptr+"/"+k+"/"+strconv.Itoa(i)+"/image", false)
				}
			case "storageUri":
				k8sURI(o, v, ptr+"/storageUri")
			default:
				var sub struct {
					StorageURI json.RawMessage `json:"storageUri"`
				}
				if json.Unmarshal(v, &sub) == nil && sub.StorageURI != nil {
					k8sURI(o, sub.StorageURI, ptr+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k)+"/storageUri")
				}
			}
		}
	}
	return nil
}

func k8sURI(o *Object, v json.RawMessage, ptr string) {
	var uri string
	if json.Unmarshal(v, &uri) != nil || !strings.HasPrefix(uri, "oci://") {
		return
	}
	k8sAdd(o, strings.TrimPrefix(uri, "oci://"), ptr, true)
}
