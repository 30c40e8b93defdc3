package oci

import (
	"net/http"
	"testing"
)

func TestParseReference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "oci://127.0.0.1:5000/models/llama:v1", want: "127.0.0.1:5000/models/llama:v1"},
		{in: "ghcr.io/org/model@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", want: "ghcr.io/org/model@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{in: "oci://Bad Ref", bad: true},
	} {
		ref, err := Registry{}.ParseReference(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseReference(%q) = %v, want an error", tc.in, ref)
			}
			continue
		}
		if err != nil || ref.String() != tc.want {
			t.Errorf("ParseReference(%q) = %v, %v; want %s", tc.in, ref, err, tc.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "localhost": true, "localhost:80": true, "[::1]:443": true,
		"registry.example:5000": false, "10.0.0.1": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestInsecureTransport(t *testing.T) {
	t.Parallel()
	if tr := (Registry{}).transport(); tr != nil {
		t.Errorf("secure registry: transport %v, want the default (nil)", tr)
	}
	tr, ok := Registry{Insecure: true}.transport().(*http.Transport)
	if !ok || tr.TLSClientConfig == nil || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("--insecure: transport %v does not skip TLS verification", tr)
	}
}
