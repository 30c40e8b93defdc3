// Package podspec reads the image references out of the Kubernetes objects
// that an admission webhook is asked to admit: Pods, the workload kinds
// whose pod template makes Pods (Deployment, StatefulSet, DaemonSet,
// ReplicaSet, Job, CronJob) and KServe InferenceServices.
//
// It decodes only the fields it reads (labels, images, the service account
// and the image pull secrets), into local structs whose JSON names are
// those of k8s.io/api's types, and links nothing but the standard library:
// the bytes come from the request body, and a parser of untrusted bytes
// with few dependencies is one its fuzz target can run thousands of times
// a second. A type error in a field it does not read (which the API server
// rejects before it asks a webhook) is therefore not an error here.
package podspec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

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

// Spec is what an object says it runs, and with which credentials.
type Spec struct {
	// Labels are the object's metadata.labels.
	Labels map[string]string
	// Images are in the order of the pod spec: init containers,
	// containers, ephemeral containers, image volumes; for an
	// InferenceService, component by component.
	Images []Image
	// ServiceAccount and PullSecrets are the pod spec's serviceAccountName
	// and (non-empty) imagePullSecrets names: where its registry
	// credentials come from.
	ServiceAccount string
	PullSecrets    []string
}

// Read lists every image reference of raw, the JSON of an object of the
// given kind. A kind it does not know has labels but no images. Errors are
// encoding/json's (a *json.SyntaxError carries the offset), prefixed with
// the field path where Read adds one.
func Read(kind string, raw []byte) (*Spec, error) {
	var meta struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, err
	}
	s := &Spec{Labels: meta.Metadata.Labels}
	var err error
	switch kind {
	case "Pod":
		var p struct {
			Spec podSpec `json:"spec"`
		}
		if err = json.Unmarshal(raw, &p); err == nil {
			s.podSpec(&p.Spec, "/spec")
		}
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		var w struct {
			Spec struct {
				Template podTemplate `json:"template"`
			} `json:"spec"`
		}
		if err = json.Unmarshal(raw, &w); err == nil {
			s.podSpec(&w.Spec.Template.Spec, "/spec/template/spec")
		}
	case "CronJob":
		var c struct {
			Spec struct {
				JobTemplate struct {
					Spec struct {
						Template podTemplate `json:"template"`
					} `json:"spec"`
				} `json:"jobTemplate"`
			} `json:"spec"`
		}
		if err = json.Unmarshal(raw, &c); err == nil {
			s.podSpec(&c.Spec.JobTemplate.Spec.Template.Spec, "/spec/jobTemplate/spec/template/spec")
		}
	case "InferenceService":
		err = s.kserve(raw)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// podSpec, container and volume hold the fields of k8s.io/api/core/v1's
// PodSpec, Container (and EphemeralContainer) and Volume that Read reads,
// under the same JSON names.
type podSpec struct {
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	ImagePullSecrets   []struct {
		Name string `json:"name,omitempty"`
	} `json:"imagePullSecrets,omitempty"`
	InitContainers      []container `json:"initContainers,omitempty"`
	Containers          []container `json:"containers"`
	EphemeralContainers []container `json:"ephemeralContainers,omitempty"`
	Volumes             []volume    `json:"volumes,omitempty"`
}

type podTemplate struct {
	Spec podSpec `json:"spec,omitempty"`
}

type container struct {
	Image string `json:"image,omitempty"`
}

type volume struct {
	Image *struct {
		Reference string `json:"reference,omitempty"`
	} `json:"image,omitempty"`
}

func (s *Spec) podSpec(p *podSpec, ptr string) {
	s.ServiceAccount = p.ServiceAccountName
	for _, r := range p.ImagePullSecrets {
		if r.Name != "" {
			s.PullSecrets = append(s.PullSecrets, r.Name)
		}
	}
	for i, c := range p.InitContainers {
		s.add(c.Image, ptr, "initContainers", i, "image")
	}
	for i, c := range p.Containers {
		s.add(c.Image, ptr, "containers", i, "image")
	}
	for i, c := range p.EphemeralContainers {
		s.add(c.Image, ptr, "ephemeralContainers", i, "image")
	}
	for i, v := range p.Volumes {
		if v.Image != nil {
			s.add(v.Image.Reference, ptr, "volumes", i, "image/reference")
		}
	}
}

func (s *Spec) add(ref, ptr, list string, i int, field string) {
	p := ptr + "/" + list + "/" + strconv.Itoa(i) + "/" + field
	s.Images = append(s.Images, Image{Ref: ref, Pointer: p, Path: HumanPath(p)})
}

// HumanPath turns the JSON pointer /spec/containers/0/image into
// spec.containers[0].image.
func HumanPath(ptr string) string {
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

// pointerEscape escapes a key for a JSON pointer (RFC 6901, section 3): a
// component's field names are the object's own, and may hold "/" or "~".
var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// kserveComponents are the parts of an InferenceService that run models.
var kserveComponents = []string{"predictor", "transformer", "explainer"}

// kserve reads an InferenceService without KServe's types: every
// storageUri with the oci:// scheme and every container image of its
// predictor, transformer and explainer (one level down: model, sklearn,
// pytorch, ... hold storageUri).
func (s *Spec) kserve(raw []byte) error {
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
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range fields {
				if !yield(k) {
					return
				}
			}
		}) {
			if err := s.kserveField(ptr, k, fields[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// kserveField reads the field k of the component at ptr.
func (s *Spec) kserveField(ptr, k string, v json.RawMessage) error {
	switch k {
	case "containers", "initContainers":
		var cs []container
		if err := json.Unmarshal(v, &cs); err != nil {
			return fmt.Errorf("%s.%s: %w", HumanPath(ptr), k, err)
		}
		for i, c := range cs {
			s.add(c.Image, ptr, k, i, "image")
		}
	case "storageUri":
		s.addURI(v, ptr+"/storageUri")
	default:
		var sub struct {
			StorageURI json.RawMessage `json:"storageUri"`
		}
		if json.Unmarshal(v, &sub) == nil && sub.StorageURI != nil {
			s.addURI(sub.StorageURI, ptr+"/"+pointerEscape.Replace(k)+"/storageUri")
		}
	}
	return nil
}

func (s *Spec) addURI(v json.RawMessage, ptr string) {
	var uri string
	if json.Unmarshal(v, &uri) != nil || !strings.HasPrefix(uri, "oci://") {
		return
	}
	s.Images = append(s.Images, Image{Ref: strings.TrimPrefix(uri, "oci://"), Pointer: ptr, Path: HumanPath(ptr), OCIScheme: true})
}
