package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	admissionclient "k8s.io/client-go/kubernetes/typed/admissionregistration/v1"
	appsclient "k8s.io/client-go/kubernetes/typed/apps/v1"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
	rbacclient "k8s.io/client-go/kubernetes/typed/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/seed-43c89ce6/aibom/verify/admission/kubetest"
)

// kubeTools finds etcd and kube-apiserver (AIBOM_ETCD, AIBOM_KUBE_APISERVER,
// installed by .ci/run): absent, the test is skipped, or fails under CI=true.
func kubeTools(t *testing.T) (string, string) {
	t.Helper()
	etcd, apiserver := os.Getenv("AIBOM_ETCD"), os.Getenv("AIBOM_KUBE_APISERVER")
	for _, p := range []string{etcd, apiserver} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				continue
			}
		}
		msg := "the Kubernetes end-to-end test needs AIBOM_ETCD (etcd 3.4+) and AIBOM_KUBE_APISERVER (kube-apiserver built by .ci/run from k8s.io/kubernetes, see tools/kube)"
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: got %q and %q", msg, etcd, apiserver)
		}
		t.Skip(msg)
	}
	return etcd, apiserver
}

// webhookUser is the webhook's ServiceAccount as the API server sees it.
const (
	webhookUser  = "system:serviceaccount:aibom-system:aibom-webhook"
	webhookToken = "aibom-test-webhook-token"
)

// kubeEnv is a control plane, a registry and `aibom webhook` registered with
// the API server through the manifests in deploy/.
type kubeEnv struct {
	cluster *kubetest.Cluster
	core    coreclient.CoreV1Interface
	apps    appsclient.AppsV1Interface
	host    string // the registry
	private string // the same registry, behind basic auth (privateUser)
	stop    context.CancelFunc
	exited  chan int
	stderr  *syncBuffer
}

func startKube(t *testing.T) *kubeEnv {
	t.Helper()
	etcd, apiserver := kubeTools(t)
	c := kubetest.Start(t, kubetest.Config{Etcd: etcd, APIServer: apiserver, Tokens: []kubetest.Token{
		{Token: webhookToken, User: webhookUser, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:aibom-system"}}}})
	cfg := c.Config(kubetest.AdminToken)
	e := &kubeEnv{cluster: c, stderr: &syncBuffer{}, exited: make(chan int, 1)}
	var err error
	if e.core, err = coreclient.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if e.apps, err = appsclient.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	rh := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	reg := httptest.NewServer(rh)
	t.Cleanup(reg.Close)
	e.host = strings.TrimPrefix(reg.URL, "http://")
	priv := httptest.NewServer(basicAuth(rh))
	t.Cleanup(priv.Close)
	e.private = strings.TrimPrefix(priv.URL, "http://")
	return e
}

const privateUser, privatePassword = "puller", "s3cret-pull"

// basicAuth lets only privateUser through.
func basicAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != privateUser || p != privatePassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="aibom-test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// kubeconfig writes a kubeconfig that authenticates with token.
func (e *kubeEnv) kubeconfig(t *testing.T, token string) string {
	t.Helper()
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %q}}]
users: [{name: u, user: {token: %q}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, e.cluster.URL, base64.StdEncoding.EncodeToString(e.cluster.CA.PEM()), token)
	return writeFile(t, "kubeconfig", doc)
}

// applyRBAC creates the ClusterRole and ClusterRoleBinding of
// deploy/manifests/10-rbac.yaml: what the webhook's ServiceAccount may read.
func (e *kubeEnv) applyRBAC(t *testing.T) {
	t.Helper()
	rc, err := rbacclient.NewForConfig(e.cluster.Config(kubetest.AdminToken))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../deploy/manifests/10-rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, doc := range strings.Split(string(b), "\n---\n") {
		var kind struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &kind); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		switch kind.Kind {
		case "ClusterRole":
			var x rbacv1.ClusterRole
			if err = yaml.UnmarshalStrict([]byte(doc), &x); err == nil {
				_, err = rc.ClusterRoles().Create(ctx, &x, metav1.CreateOptions{})
			}
		case "ClusterRoleBinding":
			var x rbacv1.ClusterRoleBinding
			if err = yaml.UnmarshalStrict([]byte(doc), &x); err == nil {
				_, err = rc.ClusterRoleBindings().Create(ctx, &x, metav1.CreateOptions{})
			}
		default:
			continue
		}
		if err != nil {
			t.Fatalf("deploy/manifests/10-rbac.yaml %s: %v", kind.Kind, err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("deploy/manifests/10-rbac.yaml: %d cluster RBAC objects, want a ClusterRole and its binding", n)
	}
}

// pullSecret creates a kubernetes.io/dockerconfigjson Secret for the
// private registry in ns.
func (e *kubeEnv) pullSecret(t *testing.T, ns, name string) {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(privateUser + ":" + privatePassword))
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths":{%q:{"auth":%q}}}`, e.private, auth)}}
	if _, err := e.core.Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// serveWebhook runs `aibom webhook` with args after the TLS flags, on
// 127.0.0.1 with a certificate from the cluster's CA, until t ends.
func (e *kubeEnv) serveWebhook(t *testing.T, args ...string) string {
	t.Helper()
	cert, key, err := e.cluster.CA.WriteServing(t.TempDir(), "webhook")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	full := append([]string{"webhook", "--addr", addr, "--tls-cert", cert, "--tls-key", key}, args...)
	go func() { e.exited <- Run(ctx, full, io.Discard, e.stderr) }()
	t.Cleanup(func() {
		cancel()
		<-e.exited
	})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfigFor(e.cluster.CA.Pool())}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook never became ready: %v\n%s", err, e.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// register creates the webhook configurations of deploy/manifests (the
// validating one, and the optional mutating one), with the Service
// reference replaced by a URL on 127.0.0.1 and the test CA as caBundle.
func (e *kubeEnv) register(t *testing.T, addr string) {
	t.Helper()
	ctx := context.Background()
	ar, err := admissionclient.NewForConfig(e.cluster.Config(kubetest.AdminToken))
	if err != nil {
		t.Fatal(err)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	readManifest(t, "../../deploy/manifests/30-validatingwebhook.yaml", e.cluster.CA.PEM(), &vwc)
	for i := range vwc.Webhooks {
		vwc.Webhooks[i].ClientConfig = e.clientConfig(addr, "/validate")
	}
	if _, err := ar.ValidatingWebhookConfigurations().Create(ctx, &vwc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the ValidatingWebhookConfiguration of deploy/: %v", err)
	}
	var mwc admissionregistrationv1.MutatingWebhookConfiguration
	readManifest(t, "../../deploy/manifests/optional/mutatingwebhook.yaml", e.cluster.CA.PEM(), &mwc)
	for i := range mwc.Webhooks {
		mwc.Webhooks[i].ClientConfig = e.clientConfig(addr, "/mutate")
	}
	if _, err := ar.MutatingWebhookConfigurations().Create(ctx, &mwc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the MutatingWebhookConfiguration of deploy/: %v", err)
	}
}

func (e *kubeEnv) clientConfig(addr, path string) admissionregistrationv1.WebhookClientConfig {
	u := "https://" + addr + path
	return admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: e.cluster.CA.PEM()}
}

// readManifest decodes a manifest of deploy/ strictly, with the documented
// substitution of CA_BUNDLE_BASE64 (deploy/README.md).
func readManifest(t *testing.T, path string, ca []byte, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("CA_BUNDLE_BASE64"), []byte(base64.StdEncoding.EncodeToString(ca)))
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func pod(name string, images ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for i, img := range images {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: img})
	}
	return p
}

// createPod creates p in ns and returns what the API server stored.
func (e *kubeEnv) createPod(ns string, p *corev1.Pod) (*corev1.Pod, error) {
	return e.core.Pods(ns).Create(context.Background(), p, metav1.CreateOptions{})
}

// waitEnforced creates the probe Pod until the webhook denies it: the API
// server picks up new webhook configurations asynchronously.
func (e *kubeEnv) waitEnforced(t *testing.T, ns string, probe *corev1.Pod) error {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := e.createPod(ns, probe)
		if err != nil {
			return err
		}
		_ = e.core.Pods(ns).Delete(context.Background(), got.Name, metav1.DeleteOptions{})
		if time.Now().After(deadline) {
			return errors.New("the webhook configuration never took effect: the probe Pod is still admitted")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *kubeEnv) namespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := e.core.Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func deployment(name, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod("x", image).Spec}}}
}
