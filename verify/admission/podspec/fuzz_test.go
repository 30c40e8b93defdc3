package podspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// addSeeds adds the kind and object of every AdmissionReview the admission
// package tests with, and a few small objects (small seeds keep the
// minimization of new inputs short).
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var ar struct {
			Request struct {
				Kind struct {
					Kind string `json:"kind"`
				} `json:"kind"`
				Object json.RawMessage `json:"object"`
			} `json:"request"`
		}
		if err := json.Unmarshal(b, &ar); err != nil {
			f.Fatalf("%s: %v", p, err)
		}
		f.Add(ar.Request.Kind.Kind, []byte(ar.Request.Object))
	}
	f.Add("Pod", []byte(`{"spec":{"containers":[{"image":7}]}}`))
	f.Add("Pod", []byte(`{"metadata":{"labels":{"a":"b"}},"spec":{"initContainers":[{"image":"i"}],"volumes":[{"image":{"reference":"v"}}]}}`))
	f.Add("CronJob", []byte(`{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"c"}]}}}}}}`))
	f.Add("StatefulSet", []byte(`{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"s"}],"containers":[{"image":"c"}]}}}}`))
	f.Add("InferenceService", []byte(`{"spec":{"predictor":{"model":{"storageUri":"oci://a/b:c"},"storageUri":"oci://d"}}}`))
	f.Add("InferenceService", []byte(`{"spec":{"explainer":{"a/b~c":{"storageUri":"oci://e"},"containers":[{"image":"f"}]}}}`))
}

// FuzzRead: no panic; an accepted object's images have well-formed
// locations, and (for a document without repeated keys, as the API server
// sends them) each JSON pointer, the field the pinning patch replaces,
// addresses exactly the reference that was read (or, for an empty one, a
// field that is absent, null or "" in an object that is there).
func FuzzRead(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, kind string, raw []byte) {
		s, err := Read(kind, raw)
		if err != nil {
			if s != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		for _, img := range s.Images {
			if !strings.HasPrefix(img.Pointer, "/spec/") || img.Path == "" || strings.HasPrefix(img.Path, ".") {
				t.Fatalf("bad image location %+v", img)
			}
			if img.Path != HumanPath(img.Pointer) {
				t.Fatalf("path %q is not that of %q", img.Path, img.Pointer)
			}
		}
		doc, ok := parseUnique(raw)
		if !ok {
			return
		}
		for _, img := range s.Images {
			if img.Ref == "" && !img.OCIScheme {
				// A container without an image reads as "", as with
				// k8s.io/api's types: the field may be absent.
				i := strings.LastIndex(img.Pointer, "/")
				if p, err := resolve(doc, img.Pointer[:i]); err != nil {
					t.Fatalf("%+v: %v", img, err)
				} else if _, ok := p.(object); !ok {
					t.Fatalf("%+v: in a %T", img, p)
				}
				if v, err := resolve(doc, img.Pointer); err == nil && v != nil && v != "" {
					t.Fatalf("%s holds %#v, read as \"\"", img.Pointer, v)
				}
				continue
			}
			v, err := resolve(doc, img.Pointer)
			if err != nil {
				t.Fatalf("%+v: %v", img, err)
			}
			want := img.Ref
			if img.OCIScheme {
				want = "oci://" + img.Ref
			}
			if got, _ := v.(string); got != want || (v == nil && img.OCIScheme) {
				t.Fatalf("%s holds %#v, read as %q", img.Pointer, v, want)
			}
		}
	})
}

// object is a JSON object with its keys in document order.
type object []member

type member struct {
	key string
	val any
}

// parseUnique decodes b into objects, arrays, strings, numbers, booleans
// and nil; ok is false when b is not one JSON value or when an object
// repeats a key, or has two keys that are equal under case folding.
func parseUnique(b []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := parseValue(d)
	if err != nil {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

var errRepeated = errors.New("repeated key")

func parseValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var o object
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			key, _ := k.(string)
			for _, m := range o {
				if strings.EqualFold(m.key, key) {
					return nil, errRepeated
				}
			}
			v, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			o = append(o, member{key, v})
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		var a []any
		for d.More() {
			v, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.Token()
		return a, err
	}
	return tok, nil
}

// resolve follows an RFC 6901 pointer. An object key matches exactly or,
// failing that, under case folding, as encoding/json matches struct fields
// (parseUnique has ruled out two candidates).
func resolve(doc any, ptr string) (any, error) {
	v := doc
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case object:
			var found *member
			for i := range x {
				if x[i].key == seg || (found == nil && strings.EqualFold(x[i].key, seg)) {
					found = &x[i]
				}
			}
			if found == nil {
				return nil, fmt.Errorf("no key %q", seg)
			}
			v = found.val
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("no index %q in %d elements", seg, len(x))
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%q inside a %T", seg, v)
		}
	}
	return v, nil
}
