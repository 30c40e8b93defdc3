package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func tlsConfigFor(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// closedAddr is a 127.0.0.1 port that nothing listens on: a registry that
// is down.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestWebhookKubernetes registers `aibom webhook` with a real kube-apiserver
// (backed by etcd, both on 127.0.0.1) through the webhook configurations of
// deploy/manifests, and creates real objects through the API with client-go.
func TestWebhookKubernetes(t *testing.T) {
	e := startKube(t)
	t.Setenv("COSIGN_PASSWORD", "pw")
	priv, pub := cosignKeys(t, "pw")
	otherPriv, _ := cosignKeys(t, "pw")
	img := map[string]string{}
	for _, repo := range []string{"good", "unsigned", "otherkey", "malicious"} {
		pushRandom(t, e.host, "models/"+repo)
		img[repo] = e.host + "/models/" + repo + ":v1"
	}
	ts := time.Now().UTC().Format(time.RFC3339)
	clean := writeFile(t, "bom.json", fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":%q,"component":{"type":"machine-learning-model","name":"tiny"}},"components":[]}`, ts))
	bad := writeFile(t, "bad.json", fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":%q,"component":{"type":"machine-learning-model","name":"tiny"}},"components":[{"type":"file","name":"model.pkl","properties":[{"name":"aibom:file:role","value":"weights"},{"name":"aibom:file:format","value":"pickle"},{"name":"aibom:scan:verdict","value":"malicious"}]}]}`, ts))
	for _, s := range []struct{ repo, key, bom string }{{"good", priv, clean}, {"otherkey", otherPriv, clean}, {"malicious", priv, bad}} {
		for _, args := range [][]string{{"sign", "oci://" + img[s.repo], "--key", s.key}, {"attest", "oci://" + img[s.repo], "--key", s.key, "--bom", s.bom}} {
			if code, _, errs := run(t, args...); code != ExitOK {
				t.Fatalf("%v: %d %s", args, code, errs)
			}
		}
	}
	e.applyRBAC(t)
	addr := e.serveWebhook(t, "--key", pub, "--require", "signature,bom", "--mutate",
		"--pull-secrets", "--kubeconfig", e.kubeconfig(t, webhookToken))
	e.register(t, addr)
	e.namespace(t, "ml")
	if err := e.waitEnforced(t, "ml", pod("probe", img["unsigned"])); err != nil && !strings.Contains(err.Error(), "aibom") {
		t.Fatalf("waiting for the webhook: %v", err)
	}

	t.Run("signed image admitted and pinned", func(t *testing.T) {
		got, err := e.createPod("ml", pod("good", img["good"]))
		if err != nil {
			t.Fatalf("a Pod with a signed, attested image was rejected: %v", err)
		}
		if want := e.host + "/models/good@sha256:"; !strings.HasPrefix(got.Spec.Containers[0].Image, want) {
			t.Errorf("stored image %q: the mutating webhook did not pin the tag to the verified digest (%s...)", got.Spec.Containers[0].Image, want)
		}
	})
	for _, c := range []struct{ name, image, want string }{
		{"unsigned", img["unsigned"], "SIGNATURE-REQUIRED"},
		{"wrong key", img["otherkey"], "SIGNATURE-REQUIRED"},
		{"failing policy", img["malicious"], "MALICIOUS-FILE"},
		{"registry down", closedAddr(t) + "/models/gone:v1", "fail closed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.createPod("ml", pod(strings.ReplaceAll(c.name, " ", "-"), img["good"], c.image))
			if err == nil {
				t.Fatalf("a Pod with image %s was admitted", c.image)
			}
			msg := err.Error()
			if !strings.Contains(msg, `admission webhook "validate.aibom.dev" denied the request`) && !strings.Contains(msg, `admission webhook "pin.aibom.dev" denied the request`) {
				t.Errorf("not the webhook's denial: %v", err)
			}
			if !strings.Contains(msg, c.image) || !strings.Contains(msg, c.want) {
				t.Errorf("the denial should name %s and %s: %v", c.image, c.want, err)
			}
		})
	}
	t.Run("deployment with a bad image", func(t *testing.T) {
		_, err := e.apps.Deployments("ml").Create(context.Background(), deployment("web", img["unsigned"]), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), img["unsigned"]) || !strings.Contains(err.Error(), "aibom denied Deployment ml/web") {
			t.Fatalf("a Deployment with an unsigned image: %v", err)
		}
		if _, err := e.apps.Deployments("ml").Create(context.Background(), deployment("web2", img["good"]), metav1.CreateOptions{}); err != nil {
			t.Fatalf("a Deployment with a signed image was rejected: %v", err)
		}
	})
	// The private registry is the same storage behind basic auth: the
	// signatures made through the open address are there.
	privGood := e.private + "/models/good:v1"
	t.Run("pull secrets", func(t *testing.T) {
		if _, err := e.createPod("ml", pod("nocreds", privGood)); err == nil || !strings.Contains(err.Error(), "fail closed") {
			t.Fatalf("a private image without pull secrets: %v", err)
		}
		e.pullSecret(t, "ml", "regcred")
		p := pod("withcreds", privGood)
		p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
		if _, err := e.createPod("ml", p); err != nil {
			t.Fatalf("a Pod whose imagePullSecrets reach the private registry: %v", err)
		}
		// The namespace's default ServiceAccount carries the secret.
		e.namespace(t, "ml-sa")
		e.pullSecret(t, "ml-sa", "sacred")
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}, ImagePullSecrets: []corev1.LocalObjectReference{{Name: "sacred"}}}
		if _, err := e.core.ServiceAccounts("ml-sa").Create(context.Background(), sa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.createPod("ml-sa", pod("sacreds", privGood)); err != nil {
			t.Fatalf("a Pod whose ServiceAccount's pull secret reaches the private registry: %v", err)
		}
	})
	t.Run("webhook down", func(t *testing.T) {
		e.stop()
		<-e.exited
		e.exited <- 0 // for the cleanup
		_, err := e.createPod("ml", pod("after", img["good"]))
		if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
			t.Fatalf("with the webhook down, failurePolicy Fail must reject: %v", err)
		}
	})
}
