package admission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/verify"
)

func TestConfigExampleParses(t *testing.T) {
	c, err := ReadConfig("../../deploy/config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustRoots) != 2 || len(c.Rules) != 4 || c.Rules[1].Mode != "warn" || c.UnmatchedAllowed() {
		t.Fatalf("the example decoded to %+v", c)
	}
}

// Every mistake is an error that names the file and the field's path.
func TestConfigErrorsNameTheField(t *testing.T) {
	const head = "apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\n"
	const root = "trustRoots:\n- name: k\n  keys: [k.pub]\n"
	for _, c := range []struct{ doc, want string }{
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n  modee: warn\n", "rules[0].modee: unknown field"},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n  mode: enforced\n", "rules[0].mode"},
		{head + root + "rules:\n- name: a\n  trustRoots: [kk]\n", `rules[0].trustRoots[0]: no trust root is named "kk"`},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n  require: [signature, nope]\n", "rules[0].require"},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n  images: ['']\n", "rules[0].images"},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n  objectSelector: {matchExpressions: [{key: a, operator: Bad}]}\n", "rules[0].objectSelector"},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n  objectSelector: {matchLabel: {a: b}}\n", "rules[0].objectSelector.matchLabel: unknown field"},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\n- name: a\n  trustRoots: [k]\n", `rules[1].name: "a" is used twice`},
		{head + root + "rules: []\n", "rules: at least one rule"},
		{head + root + "rules: yes\n", "rules: want"},
		{head + "trustRoots:\n- name: k\n  identities: [{subject: a@b.c}]\n  trustedRoot: r.json\nrules:\n- name: a\n  trustRoots: [k]\n", "trustRoots[0].identities[0]: exactly one of issuer"},
		{head + "trustRoots:\n- name: k\n  identities: [{subject: a@b.c, issuer: https://i}]\nrules:\n- name: a\n  trustRoots: [k]\n", "trustRoots[0].trustedRoot"},
		{head + "trustRoots:\n- name: k\nrules:\n- name: a\n  trustRoots: [k]\n", "trustRoots[0]: give keys or identities"},
		{head + root + root[len("trustRoots:\n"):] + "rules:\n- name: a\n  trustRoots: [k]\n", `trustRoots[1].name: "k" is used twice`},
		{head + root + "rules:\n- name: a\n  trustRoots: [k]\nunmatched: maybe\n", "unmatched"},
		{"apiVersion: v1\nkind: ConfigMap\n" + root + "rules:\n- name: a\n  trustRoots: [k]\n", "apiVersion/kind"},
		{head + root + "rules:\n- name: a\n  name: b\n  trustRoots: [k]\n", `key "name" already set`},
		{head + "\t- x", "cfg.yaml"},
	} {
		_, err := ParseConfig("cfg.yaml", []byte(c.doc))
		if err == nil || !errors.Is(err, ErrConfigFile) || !strings.Contains(err.Error(), "cfg.yaml") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant an error naming cfg.yaml and %q", c.doc, err, c.want)
		}
	}
}

func writePub(t *testing.T, e *env) string {
	t.Helper()
	pub, err := e.sv.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key.pub")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func podRequest(t *testing.T, ns string, labels map[string]string, images ...string) *admissionv1.AdmissionReview {
	t.Helper()
	type c struct {
		Name  string `json:"name"`
		Image string `json:"image"`
	}
	var cs []c
	for i, img := range images {
		cs = append(cs, c{fmt.Sprint("c", i), img})
	}
	obj, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "namespace": ns, "labels": labels}, "spec": map[string]any{"containers": cs}})
	if err != nil {
		t.Fatal(err)
	}
	return &admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "u", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Namespace: ns, Name: "p", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: obj}}}
}

// Two trust roots and rules by namespace, labels and image, with the three
// modes: each image is checked by the first rule that covers it.
func TestConfigRules(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	byA := a.push("models/a")
	a.sign(byA, true, "clean")
	// b's key signs an image in a's registry.
	byB := a.push("models/b")
	if err := verify.Sign(context.Background(), oci.Registry{}, byB, b.signer); err != nil {
		t.Fatal(err)
	}
	doc := fmt.Sprintf(`apiVersion: aibom.dev/v1alpha1
kind: WebhookConfiguration
trustRoots:
- {name: a, keys: [%q]}
- {name: b, keys: [%q]}
rules:
- {name: prod, namespaces: ["prod-*"], trustRoots: [a]}
- {name: labs, namespaces: [labs], objectSelector: {matchLabels: {trial: "yes"}}, trustRoots: [a], mode: audit}
- {name: dev, namespaces: [dev], trustRoots: [a, b], require: [signature]}
- {name: b-images, images: ["*/models/b:*"], trustRoots: [b], mode: warn}
`, writePub(t, a), writePub(t, b))
	cfgFile := filepath.Join(t.TempDir(), "cfg.yaml")
	if err := os.WriteFile(cfgFile, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ReadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := cfg.Build(context.Background(), oci.Registry{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(nil, nil, WithRules(rules...))
	if err != nil {
		t.Fatal(err)
	}
	imgA, imgB := a.host+"/models/a:v1", a.host+"/models/b:v1"
	for _, c := range []struct {
		name          string
		ns            string
		labels        map[string]string
		image         string
		allowed, warn bool
		msg           string
	}{
		{"prod, trusted key", "prod-eu", nil, imgA, true, false, ""},
		{"prod, other key", "prod-eu", nil, imgB, false, false, "SIGNATURE-REQUIRED"},
		{"labs, audit: admitted, no warning", "labs", map[string]string{"trial": "yes"}, imgB, true, false, ""},
		{"labs without the label: the warn rule for b's images", "labs", nil, imgB, true, true, ""},
		{"dev trusts both keys", "dev", nil, imgB, true, false, ""},
		{"no rule covers it", "other", nil, imgA, false, false, "no rule of the webhook's configuration covers it"},
	} {
		out := h.Review(context.Background(), podRequest(t, c.ns, c.labels, c.image), false).Response
		msg := ""
		if out.Result != nil {
			msg = out.Result.Message
		}
		if out.Allowed != c.allowed || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: allowed=%v %q, want %v %q", c.name, out.Allowed, msg, c.allowed, c.msg)
		}
		// A warn rule's failures come back as warnings (the built-in
		// policies' own warn rules, e.g. LICENSE-UNDECLARED, come anyway).
		denials := 0
		for _, w := range out.Warnings {
			if strings.Contains(w, "REQUIRED") {
				denials++
			}
		}
		if (denials > 0) != c.warn {
			t.Errorf("%s: warnings %q, want failures among them: %v", c.name, out.Warnings, c.warn)
		}
	}
	// Unmatched images admitted only when configured so.
	if err := h.SetRules(true, rules...); err != nil {
		t.Fatal(err)
	}
	if out := h.Review(context.Background(), podRequest(t, "other", nil, imgA), false).Response; !out.Allowed {
		t.Errorf("unmatched: allow did not admit: %+v", out.Result)
	}
}

// FuzzParseConfig: any file either parses into a configuration that
// validates, or fails with ErrConfigFile naming the file; never a panic.
func FuzzParseConfig(f *testing.F) {
	b, err := os.ReadFile("../../deploy/config.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\ntrustRoots: [{name: k, keys: [a]}]\nrules: [{name: r, trustRoots: [k], images: ['*']}]\n"))
	f.Add([]byte("rules: [{objectSelector: {matchExpressions: [{key: a, operator: In, values: [b]}]}}]"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := ParseConfig("f.yaml", doc)
		if err != nil {
			if !errors.Is(err, ErrConfigFile) || !strings.Contains(err.Error(), "f.yaml") {
				t.Fatalf("error without the sentinel or the file: %v", err)
			}
			return
		}
		if err := c.validate(); err != nil {
			t.Fatalf("parsed but does not validate: %v", err)
		}
	})
}
