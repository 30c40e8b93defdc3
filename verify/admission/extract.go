package admission

import (
	"encoding/json"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/seed-43c89ce6/aibom/verify/admission/podspec"
)

// ErrRequest: the AdmissionReview or its object cannot be read (it denies).
var ErrRequest = errors.New("admission: bad request")

// Image is one image or artifact reference found in an object: its
// reference, the JSON pointer of the field that holds it (for the pinning
// patch), the same field for people, and whether the field holds
// "oci://" + Ref (KServe).
type Image = podspec.Image

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
// not know has no images. The object's bytes are read by package podspec.
func Extract(req *admissionv1.AdmissionRequest) (*Object, error) {
	o := &Object{Kind: req.Kind.Kind, Namespace: req.Namespace, Name: req.Name, Operation: string(req.Operation)}
	raw := req.Object.Raw
	if len(raw) == 0 {
		if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
			return o, nil
		}
		return nil, fmt.Errorf("%w: %s %s/%s has no object", ErrRequest, o.Kind, o.Namespace, o.Name)
	}
	s, err := podspec.Read(req.Kind.Kind, raw)
	if err != nil {
		return nil, decodeErr(o, err)
	}
	o.Labels, o.Images, o.ServiceAccount, o.PullSecrets = s.Labels, s.Images, s.ServiceAccount, s.PullSecrets
	return o, nil
}

func decodeErr(o *Object, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %s %s/%s: invalid JSON at offset %d: %w", ErrRequest, o.Kind, o.Namespace, o.Name, se.Offset, err)
	}
	return fmt.Errorf("%w: %s %s/%s: %w", ErrRequest, o.Kind, o.Namespace, o.Name, err)
}
