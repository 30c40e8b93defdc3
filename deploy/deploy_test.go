package deploy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/seed-43c89ce6/aibom/internal/cli"
)

var flagRE = regexp.MustCompile(`(?:^|[\s"'\[,])--([a-z][a-z0-9-]*)`)

// webhookFlags are the flags `aibom webhook --help` lists.
func webhookFlags(t *testing.T) map[string]bool {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"webhook", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("aibom webhook --help: exit %d %s", code, errb.String())
	}
	help := out.String()
	i := strings.Index(help, "Flags:")
	if i < 0 {
		t.Fatalf("no Flags section:\n%s", help)
	}
	flags := map[string]bool{}
	for _, m := range flagRE.FindAllStringSubmatch(help[i:], -1) {
		flags[m[1]] = true
	}
	for _, f := range []string{"addr", "tls-cert", "tls-key", "key", "policy", "require"} {
		if !flags[f] {
			t.Fatalf("the start-up contract flag --%s is missing from:\n%s", f, help[i:])
		}
	}
	return flags
}

func checkFlags(t *testing.T, where string, args []string, flags map[string]bool) {
	t.Helper()
	n := 0
	for _, m := range flagRE.FindAllStringSubmatch(strings.Join(args, " "), -1) {
		n++
		if !flags[m[1]] {
			t.Errorf("%s passes --%s, which aibom webhook does not have", where, m[1])
		}
	}
	if n == 0 {
		t.Errorf("%s passes no flag", where)
	}
}

// docs reads every YAML document of the manifests, with the documented
// caBundle substitution done.
func docs(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("manifests/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := filepath.Glob("manifests/optional/*.yaml")
	files = append(files, opt...)
	ca := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n"))
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("CA_BUNDLE_BASE64"), []byte(ca))
		for i, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			var meta struct {
				Kind     string
				Metadata struct{ Name string }
			}
			if err := yaml.Unmarshal([]byte(d), &meta); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if meta.Kind == "" {
				continue
			}
			out[meta.Kind+"/"+meta.Metadata.Name] = []byte(d)
		}
	}
	return out
}

func decode[T any](t *testing.T, all map[string][]byte, key string) *T {
	t.Helper()
	d, ok := all[key]
	if !ok {
		t.Fatalf("no %s in deploy/manifests", key)
	}
	var x T
	if err := yaml.UnmarshalStrict(d, &x); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return &x
}

func TestManifests(t *testing.T) {
	flags := webhookFlags(t)
	all := docs(t)
	decode[corev1.Namespace](t, all, "Namespace/aibom-system")
	decode[corev1.ServiceAccount](t, all, "ServiceAccount/aibom-webhook")
	decode[rbacv1.Role](t, all, "Role/aibom-webhook")
	decode[rbacv1.RoleBinding](t, all, "RoleBinding/aibom-webhook")
	// --pull-secrets: get (only) on secrets and serviceaccounts.
	cr := decode[rbacv1.ClusterRole](t, all, "ClusterRole/aibom-webhook-pull-secrets")
	if len(cr.Rules) != 1 || !slices.Equal(cr.Rules[0].Verbs, []string{"get"}) || !slices.Equal(cr.Rules[0].Resources, []string{"secrets", "serviceaccounts"}) {
		t.Errorf("the pull-secrets ClusterRole grants more or less than get on secrets and serviceaccounts: %+v", cr.Rules)
	}
	crb := decode[rbacv1.ClusterRoleBinding](t, all, "ClusterRoleBinding/aibom-webhook-pull-secrets")
	if len(crb.Subjects) != 1 || crb.Subjects[0].Name != "aibom-webhook" || crb.Subjects[0].Namespace != "aibom-system" || crb.RoleRef.Name != cr.Name {
		t.Errorf("the ClusterRoleBinding does not bind the webhook's ServiceAccount: %+v", crb)
	}
	dep := decode[appsv1.Deployment](t, all, "Deployment/aibom-webhook")
	pdb := decode[policyv1.PodDisruptionBudget](t, all, "PodDisruptionBudget/aibom-webhook")
	svc := decode[corev1.Service](t, all, "Service/aibom-webhook")
	vwc := decode[admissionregistrationv1.ValidatingWebhookConfiguration](t, all, "ValidatingWebhookConfiguration/aibom-webhook")
	mwc := decode[admissionregistrationv1.MutatingWebhookConfiguration](t, all, "MutatingWebhookConfiguration/aibom-webhook-pin")

	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 2 {
		t.Error("the Deployment does not run two replicas")
	}
	ps := dep.Spec.Template.Spec
	if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
		t.Error("the Deployment may run as root")
	}
	c := ps.Containers[0]
	if c.Args[0] != "webhook" {
		t.Errorf("args %v do not start with webhook", c.Args)
	}
	checkFlags(t, "the Deployment", c.Args, flags)
	for _, a := range c.Args {
		for _, f := range []string{"--tls-cert=", "--tls-key=", "--key="} {
			if p, ok := strings.CutPrefix(a, f); ok && !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return strings.HasPrefix(p, m.MountPath+"/") }) {
				t.Errorf("%s is on no mounted volume", a)
			}
		}
	}
	for k, v := range pdb.Spec.Selector.MatchLabels {
		if dep.Spec.Template.Labels[k] != v || svc.Spec.Selector[k] != v {
			t.Errorf("the PodDisruptionBudget or Service selector %s=%s does not select the Pods", k, v)
		}
	}
	w := vwc.Webhooks[0]
	if w.FailurePolicy == nil || *w.FailurePolicy != admissionregistrationv1.Fail {
		t.Error("the ValidatingWebhookConfiguration does not fail closed")
	}
	if w.ClientConfig.Service == nil || *w.ClientConfig.Service.Path != "/validate" || w.ClientConfig.Service.Name != svc.Name || len(w.ClientConfig.CABundle) == 0 {
		t.Errorf("validating clientConfig: %+v", w.ClientConfig)
	}
	m := mwc.Webhooks[0]
	if *m.ClientConfig.Service.Path != "/mutate" || *m.FailurePolicy != admissionregistrationv1.Fail {
		t.Errorf("mutating webhook: %+v", m)
	}
	var resources []string
	for _, r := range w.Rules {
		resources = append(resources, r.Resources...)
	}
	for _, want := range []string{"pods", "pods/ephemeralcontainers", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "inferenceservices"} {
		if !slices.Contains(resources, want) {
			t.Errorf("the webhook does not see %s", want)
		}
	}
}

func TestDockerfile(t *testing.T) {
	flags := webhookFlags(t)
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	final := s[strings.LastIndex(s, "\nFROM "):]
	if !strings.Contains(final, "distroless/static") || !regexp.MustCompile(`\nUSER 6553[24]`).MatchString(final) {
		t.Errorf("the final stage is not distroless/static with a non-root USER:\n%s", final)
	}
	cmd := regexp.MustCompile(`(?m)^CMD (.*)$`).FindStringSubmatch(final)
	if cmd == nil || !strings.HasPrefix(cmd[1], `["webhook"`) {
		t.Fatalf("CMD: %v", cmd)
	}
	checkFlags(t, "the Dockerfile CMD", []string{cmd[1]}, flags)
}

func TestHelmChart(t *testing.T) {
	flags := webhookFlags(t)
	for _, f := range []string{"helm/aibom-webhook/Chart.yaml", "helm/aibom-webhook/values.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(b, &v); err != nil || len(v) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, err := os.ReadFile("helm/aibom-webhook/templates/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "- --") {
			args = append(args, strings.TrimPrefix(l, "- "))
		}
	}
	checkFlags(t, "the Helm chart's Deployment", args, flags)
	wh, err := os.ReadFile("helm/aibom-webhook/templates/webhooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"path: /validate", "path: /mutate", "failurePolicy: {{ .Values.failurePolicy }}"} {
		if !strings.Contains(string(wh), want) {
			t.Errorf("webhooks.yaml lacks %q", want)
		}
	}
}
