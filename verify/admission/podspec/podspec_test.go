package podspec

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadKinds(t *testing.T) {
	spec := `{"serviceAccountName":"sa","imagePullSecrets":[{"name":""},{"name":"ps"}],` +
		`"initContainers":[{"image":"i"}],"containers":[{"image":"c0"},{"name":"x"}],` +
		`"ephemeralContainers":[{"image":"e"}],"volumes":[{"name":"v"},{"image":{"reference":"r"}}]}`
	want := func(p string) *Spec {
		return &Spec{
			Labels: map[string]string{"app": "m"},
			Images: []Image{
				{Ref: "i", Pointer: p + "/initContainers/0/image", Path: HumanPath(p + "/initContainers/0/image")},
				{Ref: "c0", Pointer: p + "/containers/0/image", Path: HumanPath(p + "/containers/0/image")},
				{Ref: "", Pointer: p + "/containers/1/image", Path: HumanPath(p + "/containers/1/image")},
				{Ref: "e", Pointer: p + "/ephemeralContainers/0/image", Path: HumanPath(p + "/ephemeralContainers/0/image")},
				{Ref: "r", Pointer: p + "/volumes/1/image/reference", Path: HumanPath(p + "/volumes/1/image/reference")},
			},
			ServiceAccount: "sa", PullSecrets: []string{"ps"},
		}
	}
	meta := `"metadata":{"labels":{"app":"m"}}`
	for _, c := range []struct{ kind, obj, ptr string }{
		{"Pod", `{` + meta + `,"spec":` + spec + `}`, "/spec"},
		{"Deployment", `{` + meta + `,"spec":{"replicas":2,"template":{"spec":` + spec + `}}}`, "/spec/template/spec"},
		{"StatefulSet", `{` + meta + `,"spec":{"template":{"spec":` + spec + `}}}`, "/spec/template/spec"},
		{"DaemonSet", `{` + meta + `,"spec":{"template":{"spec":` + spec + `}}}`, "/spec/template/spec"},
		{"ReplicaSet", `{` + meta + `,"spec":{"template":{"spec":` + spec + `}}}`, "/spec/template/spec"},
		{"Job", `{` + meta + `,"spec":{"template":{"spec":` + spec + `}}}`, "/spec/template/spec"},
		{"CronJob", `{` + meta + `,"spec":{"jobTemplate":{"spec":{"template":{"spec":` + spec + `}}}}}`, "/spec/jobTemplate/spec/template/spec"},
	} {
		got, err := Read(c.kind, []byte(c.obj))
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if w := want(c.ptr); !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.kind, got, w)
		}
	}
	if got, err := Read("ConfigMap", []byte(`{`+meta+`,"data":{"image":"x"}}`)); err != nil || len(got.Images) != 0 || got.Labels["app"] != "m" {
		t.Errorf("ConfigMap: %+v, %v", got, err)
	}
}

func TestReadInferenceService(t *testing.T) {
	obj := `{"spec":{"predictor":{"model":{"storageUri":"oci://r/m:1"},"storageUri":"s3://b/m",` +
		`"containers":[{"image":"c"}]},"transformer":{"storageUri":"oci://r/t@sha256:00"}}}`
	got, err := Read("InferenceService", []byte(obj))
	if err != nil {
		t.Fatal(err)
	}
	want := []Image{
		{Ref: "c", Pointer: "/spec/predictor/containers/0/image", Path: "spec.predictor.containers[0].image"},
		{Ref: "r/m:1", Pointer: "/spec/predictor/model/storageUri", Path: "spec.predictor.model.storageUri", OCIScheme: true},
		{Ref: "r/t@sha256:00", Pointer: "/spec/transformer/storageUri", Path: "spec.transformer.storageUri", OCIScheme: true},
	}
	if !reflect.DeepEqual(got.Images, want) {
		t.Fatalf("got %+v\nwant %+v", got.Images, want)
	}
}

func TestReadErrors(t *testing.T) {
	var se *json.SyntaxError
	if _, err := Read("Pod", []byte(`{"spec":`)); !errors.As(err, &se) {
		t.Errorf("truncated: %v, want a *json.SyntaxError", err)
	}
	var te *json.UnmarshalTypeError
	if _, err := Read("Deployment", []byte(`{"spec":{"template":{"spec":{"containers":[{"image":7}]}}}}`)); !errors.As(err, &te) {
		t.Errorf("number image: %v, want a *json.UnmarshalTypeError", err)
	}
	if _, err := Read("Pod", []byte(`{"metadata":{"labels":[]}}`)); !errors.As(err, &te) {
		t.Errorf("labels list: %v, want a *json.UnmarshalTypeError", err)
	}
	if _, err := Read("InferenceService", []byte(`{"spec":{"explainer":{"containers":{}}}}`)); err == nil || !strings.HasPrefix(err.Error(), "spec.explainer.containers: ") {
		t.Errorf("containers object: %v", err)
	}
}
