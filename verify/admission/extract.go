package admission

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// ErrRequest: the AdmissionReview or its object cannot be read (it denies).
var ErrRequest = errors.New("admission: bad request")

// Image is one image or artifact reference found in an object.
type Image struct {
	// Ref is the reference as written, without an "oci://" prefix.
	Ref string
	// Pointer is the RFC 6901 JSON pointer of the field that holds it
	// (/spec/containers/0/image), used by the pinning patch.
	Pointer string
	// Path is the same field for people (spec.containers[0].image).
	Path string
	// OCIScheme is true when the field holds "oci://" + Ref (KServe).
	OCIScheme bool
}

// Object is what a request asks to admit.
type Object struct {
	Kind, Namespace, Name, Operation string
	Labels                           map[string]string
	Images                           []Image
	// ServiceAccount and PullSecrets are the pod spec's serviceAccountName
	// and imagePullSecrets: where its registry credentials come from.
	ServiceAccount string
	PullSecrets    []string
}

// Extract lists every image reference of the object in req. A kind it does
// not know has no images.
func Extract(req *admissionv1.AdmissionRequest) (*Object, error) {
	o := &Object{Kind: req.Kind.Kind, Namespace: req.Namespace, Name: req.Name, Operation: string(req.Operation)}
	raw := req.Object.Raw
	if len(raw) == 0 {
		if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
			return o, nil
		}
		return nil, fmt.Errorf("%w: %s %s/%s has no object", ErrRequest, o.Kind, o.Namespace, o.Name)
	}
	var meta struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, decodeErr(o, err)
	}
	o.Labels = meta.Metadata.Labels
	var err error
	switch req.Kind.Kind {
	case "Pod":
		err = podImages(o, raw, func(p *corev1.Pod) *corev1.PodSpec { return &p.Spec }, "/spec")
	case "Deployment":
		err = templ(o, raw, &appsv1.Deployment{}, func(x *appsv1.Deployment) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "StatefulSet":
		err = templ(o, raw, &appsv1.StatefulSet{}, func(x *appsv1.StatefulSet) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "DaemonSet":
		err = templ(o, raw, &appsv1.DaemonSet{}, func(x *appsv1.DaemonSet) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "ReplicaSet":
		err = templ(o, raw, &appsv1.ReplicaSet{}, func(x *appsv1.ReplicaSet) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "Job":
		err = templ(o, raw, &batchv1.Job{}, func(x *batchv1.Job) *corev1.PodSpec { return &x.Spec.Template.Spec })
	case "CronJob":
		var c batchv1.CronJob
		if err = json.Unmarshal(raw, &c); err == nil {
			specImages(o, &c.Spec.JobTemplate.Spec.Template.Spec, "/spec/jobTemplate/spec/template/spec")
		}
	case "InferenceService":
		err = kserveImages(o, raw)
	}
	if err != nil {
		return nil, decodeErr(o, err)
	}
	return o, nil
}

func decodeErr(o *Object, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %s %s/%s: invalid JSON at offset %d: %w", ErrRequest, o.Kind, o.Namespace, o.Name, se.Offset, err)
	}
	return fmt.Errorf("%w: %s %s/%s: %w", ErrRequest, o.Kind, o.Namespace, o.Name, err)
}

func podImages(o *Object, raw []byte, spec func(*corev1.Pod) *corev1.PodSpec, ptr string) error {
	var p corev1.Pod
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	specImages(o, spec(&p), ptr)
	return nil
}

// templ decodes a workload into x and lists the images of its pod template.
func templ[T any](o *Object, raw []byte, x *T, spec func(*T) *corev1.PodSpec) error {
	if err := json.Unmarshal(raw, x); err != nil {
		return err
	}
	specImages(o, spec(x), "/spec/template/spec")
	return nil
}

func specImages(o *Object, s *corev1.PodSpec, ptr string) {
	o.ServiceAccount = s.ServiceAccountName
	for _, r := range s.ImagePullSecrets {
		if r.Name != "" {
			o.PullSecrets = append(o.PullSecrets, r.Name)
		}
	}
	for i, c := range s.InitContainers {
		o.add(c.Image, ptr, "initContainers", i, "image")
	}
	for i, c := range s.Containers {
		o.add(c.Image, ptr, "containers", i, "image")
	}
	for i, c := range s.EphemeralContainers {
		o.add(c.Image, ptr, "ephemeralContainers", i, "image")
	}
	for i, v := range s.Volumes {
		if v.Image != nil {
			o.add(v.Image.Reference, ptr, "volumes", i, "image/reference")
		}
	}
}

func (o *Object) add(ref, ptr, list string, i int, field string) {
	p := ptr + "/" + list + "/" + strconv.Itoa(i) + "/" + field
	o.Images = append(o.Images, Image{Ref: ref, Pointer: p, Path: humanPath(p)})
}

// humanPath turns /spec/containers/0/image into spec.containers[0].image.
func humanPath(ptr string) string {
	var b strings.Builder
	for _, s := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// kserveComponents are the parts of an InferenceService that run models.
var kserveComponents = []string{"predictor", "transformer", "explainer"}

// kserveImages reads an InferenceService without KServe's types: every
// storageUri with the oci:// scheme and every container image of its
// predictor, transformer and explainer (one level down: model, sklearn,
// pytorch, ... hold storageUri).
func kserveImages(o *Object, raw []byte) error {
	var isvc struct {
		Spec map[string]json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(raw, &isvc); err != nil {
		return err
	}
	for _, comp := range kserveComponents {
		c, ok := isvc.Spec[comp]
		if !ok {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(c, &fields); err != nil {
			return fmt.Errorf("spec.%s: %w", comp, err)
		}
		ptr := "/spec/" + comp
		for _, k := range sortedKeys(fields) {
			v := fields[k]
			switch k {
			case "containers", "initContainers":
				var cs []corev1.Container
				if err := json.Unmarshal(v, &cs); err != nil {
					return fmt.Errorf("%s.%s: %w", humanPath(ptr), k, err)
				}
				for i, c := range cs {
					o.add(c.Image, ptr, k, i, "image")
				}
			case "storageUri":
				o.addURI(v, ptr+"/storageUri")
			default:
				var sub struct {
					StorageURI json.RawMessage `json:"storageUri"`
				}
				if json.Unmarshal(v, &sub) == nil && sub.StorageURI != nil {
					o.addURI(sub.StorageURI, ptr+"/"+k+"/storageUri")
				}
			}
		}
	}
	return nil
}

func (o *Object) addURI(v json.RawMessage, ptr string) {
	var uri string
	if json.Unmarshal(v, &uri) != nil || !strings.HasPrefix(uri, "oci://") {
		return
	}
	o.Images = append(o.Images, Image{Ref: strings.TrimPrefix(uri, "oci://"), Pointer: ptr, Path: humanPath(ptr), OCIScheme: true})
}
