package admission

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// signedSet pushes and signs (with BOM) one image per placeholder.
func signedSet(e *env) (map[string]string, map[string]name.Digest) {
	refs, digs := map[string]string{}, map[string]name.Digest{}
	for i, k := range []string{"IMAGE_A", "IMAGE_B", "IMAGE_INIT", "IMAGE_DEBUG", "IMAGE_VOL"} {
		repo := "models/m" + string(rune('a'+i))
		d := e.push(repo)
		e.sign(d, true, "clean")
		refs[k], digs[k] = e.host+"/"+repo+":v1", d
	}
	return refs, digs
}

func TestAllowsSignedEverywhere(t *testing.T) {
	e := newEnv(t)
	refs, _ := signedSet(e)
	srv := serveTLS(t, e.handler())
	for _, f := range []string{"pod.json", "ephemeral.json", "deployment.json", "cronjob.json", "inferenceservice.json"} {
		r := post(t, srv, "/validate", review(t, f, refs))
		if !r.Allowed {
			t.Errorf("%s: denied: %s", f, message(r))
		}
		if r.Patch != nil {
			t.Errorf("%s: /validate returned a patch", f)
		}
		if r.UID == "" {
			t.Errorf("%s: the answer has no uid", f)
		}
	}
}

// Each image of the Pod is checked: one unsigned image anywhere denies, and
// the message names that image, its field and the policy rule.
func TestDeniesUnsignedInEveryField(t *testing.T) {
	cases := []struct{ file, slot, path string }{
		{"pod.json", "IMAGE_INIT", "spec.initContainers[0].image"},
		{"pod.json", "IMAGE_B", "spec.containers[1].image"},
		{"pod.json", "IMAGE_DEBUG", "spec.ephemeralContainers[0].image"},
		{"pod.json", "IMAGE_VOL", "spec.volumes[0].image.reference"},
		{"ephemeral.json", "IMAGE_DEBUG", "spec.ephemeralContainers[0].image"},
		{"deployment.json", "IMAGE_A", "spec.template.spec.containers[0].image"},
		{"cronjob.json", "IMAGE_INIT", "spec.jobTemplate.spec.template.spec.initContainers[0].image"},
		{"inferenceservice.json", "IMAGE_VOL", "spec.predictor.model.storageUri"},
		{"inferenceservice.json", "IMAGE_B", "spec.transformer.containers[0].image"},
	}
	e := newEnv(t)
	refs, _ := signedSet(e)
	e.push("models/unsigned")
	bad := e.host + "/models/unsigned:v1"
	srv := serveTLS(t, e.handler())
	for _, c := range cases {
		imgs := map[string]string{}
		for k, v := range refs {
			imgs[k] = v
		}
		imgs[c.slot] = bad
		r := post(t, srv, "/validate", review(t, c.file, imgs))
		msg := message(r)
		if r.Allowed {
			t.Errorf("%s with %s unsigned: allowed", c.file, c.slot)
			continue
		}
		for _, want := range []string{`image "` + bad + `"`, c.path, "aibom.signature", "SIGNATURE-REQUIRED"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s with %s unsigned: message lacks %q: %s", c.file, c.slot, want, msg)
			}
		}
		if r.Result.Code != 403 {
			t.Errorf("code %d, want 403", r.Result.Code)
		}
	}
}

func TestDeniesWithoutBOMAndMalicious(t *testing.T) {
	e := newEnv(t)
	refs, _ := signedSet(e)
	noBOM := e.push("models/nobom")
	e.sign(noBOM, false, "")
	evil := e.push("models/evil")
	e.sign(evil, true, "malicious")
	srv := serveTLS(t, e.handler())
	for ref, rule := range map[string]string{
		e.host + "/models/nobom:v1": "BOM-ATTESTATION-REQUIRED",
		e.host + "/models/evil:v1":  "MALICIOUS-FILE",
	} {
		refs["IMAGE_A"] = ref
		r := post(t, srv, "/validate", review(t, "deployment.json", refs))
		if r.Allowed || !strings.Contains(message(r), rule) || !strings.Contains(message(r), ref) {
			t.Errorf("%s: want denied by %s, got allowed=%v %q", ref, rule, r.Allowed, message(r))
		}
	}
}

// A registry that cannot be reached denies (fail closed); nothing is cached.
func TestRegistryDownDenies(t *testing.T) {
	e := newEnv(t)
	refs, _ := signedSet(e)
	c := NewCache(100, time.Hour)
	srv := serveTLS(t, e.handler(WithCache(c), WithTimeout(3*time.Second)))
	e.reg.Close()
	r := post(t, srv, "/validate", review(t, "pod.json", refs))
	if r.Allowed {
		t.Fatal("allowed with the registry down")
	}
	if !strings.Contains(message(r), "fail closed") || !strings.Contains(message(r), refs["IMAGE_A"]) {
		t.Errorf("message: %s", message(r))
	}
	if c.Len() != 0 {
		t.Errorf("cache holds %d results after failures", c.Len())
	}
}

// The patch pins each tag to the digest that was verified; when the tag
// moves to an unsigned image afterwards, the cached pass of the old digest
// does not let the new one in: the cache is keyed by digest, not tag.
func TestTagMovedPinsVerifiedDigest(t *testing.T) {
	e := newEnv(t)
	refs, digs := signedSet(e)
	c := NewCache(100, time.Hour)
	srv := serveTLS(t, e.handler(WithCache(c), WithMutate()))
	r := post(t, srv, "/mutate", review(t, "pod.json", refs))
	if !r.Allowed || r.Patch == nil || r.PatchType == nil || *r.PatchType != "JSONPatch" {
		t.Fatalf("allowed=%v patch=%s %s", r.Allowed, r.Patch, message(r))
	}
	var ops []jsonPatchOp
	if err := json.Unmarshal(r.Patch, &ops); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, op := range ops {
		if op.Op != "replace" {
			t.Errorf("op %q", op.Op)
		}
		got[op.Path] = op.Value
	}
	want := map[string]string{
		"/spec/containers/0/image":          digs["IMAGE_A"].String(),
		"/spec/containers/1/image":          digs["IMAGE_B"].String(),
		"/spec/initContainers/0/image":      digs["IMAGE_INIT"].String(),
		"/spec/ephemeralContainers/0/image": digs["IMAGE_DEBUG"].String(),
		"/spec/volumes/0/image/reference":   digs["IMAGE_VOL"].String(),
	}
	if len(got) != len(want) {
		t.Errorf("patch %v, want %v", got, want)
	}
	for p, v := range want {
		if got[p] != v {
			t.Errorf("patch %s = %q, want %q", p, got[p], v)
		}
	}
	// The tag moves to an unsigned image.
	moved := e.push("models/ma")
	if moved.DigestStr() == digs["IMAGE_A"].DigestStr() {
		t.Fatal("the new image has the old digest")
	}
	r = post(t, srv, "/mutate", review(t, "pod.json", refs))
	if r.Allowed || r.Patch != nil {
		t.Fatalf("the moved tag is allowed (patch %s)", r.Patch)
	}
	if !strings.Contains(message(r), moved.DigestStr()) {
		t.Errorf("the denial does not name the new digest: %s", message(r))
	}
	// A pod pinned to the verified digest is still allowed, from the cache.
	pinned := map[string]string{}
	for k, d := range digs {
		pinned[k] = d.String()
	}
	h := e.handler(WithCache(c))
	_, ds, err := h.Decide(t.Context(), decodeReq(t, review(t, "pod.json", pinned)))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if !d.Allowed || !d.Cached {
			t.Errorf("%s: allowed=%v cached=%v %v", d.Image.Path, d.Allowed, d.Cached, d.Reasons)
		}
	}
}

// An object that does not decode denies (fail closed), naming the object.
func TestMalformedObjectDenies(t *testing.T) {
	e := newEnv(t)
	srv := serveTLS(t, e.handler())
	body := []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","kind":{"group":"apps","version":"v1","kind":"Deployment"},"namespace":"ml","name":"d","operation":"CREATE","object":{"spec":{"template":{"spec":{"containers":"nginx"}}}}}}`)
	r := post(t, srv, "/validate", body)
	if r.Allowed || !strings.Contains(message(r), "Deployment ml/d") || r.UID != "x" {
		t.Errorf("allowed=%v uid=%q %s", r.Allowed, r.UID, message(r))
	}
}
