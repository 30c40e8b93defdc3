package modelsig

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadVectorSigner(t *testing.T, dir string, withChain bool) *Signer {
	t.Helper()
	sv, err := LoadKey(context.Background(), filepath.Join(dir, "keys/certificate/signing-key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !withChain {
		s, err := NewKeySigner(sv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var chain []*x509.Certificate
	for _, f := range []string{"signing-key-cert.pem", "int-ca-cert.pem"} {
		c, err := LoadCertificates(filepath.Join(dir, "keys/certificate", f))
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c...)
	}
	s, err := NewCertificateSigner(sv, chain)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSignMatchesReference signs each vector's model with aibom and compares
// the statement with the one the reference signed: same subject, same
// manifest, and the same ignore paths for v1.1.
func TestSignMatchesReference(t *testing.T) {
	dir := interop(t)
	for _, v := range vectors {
		if v.name == "v0.2.0-certificate" {
			continue // another payload format
		}
		t.Run(v.name, func(t *testing.T) {
			folder := copyVector(t, filepath.Join(dir, v.name))
			ref := signedStatement(t, filepath.Join(folder, "model.sig"))
			model := folder
			var opts []SignOption
			if v.model != "" {
				model = filepath.Join(folder, v.model)
				opts = append(opts, SignTo(filepath.Join(t.TempDir(), "model.sig")))
			}
			if _, err := os.Stat(filepath.Join(folder, "ignore-me")); err == nil {
				opts = append(opts, SignIgnoring("ignore-me"))
			}
			sigPath, err := Sign(context.Background(), model, loadVectorSigner(t, dir, v.cert), opts...)
			if err != nil {
				t.Fatal(err)
			}
			got := signedStatement(t, sigPath)
			if got.Subject[0].Name != ref.Subject[0].Name || got.Subject[0].Digest["sha256"] != ref.Subject[0].Digest["sha256"] {
				t.Fatalf("subject %+v, the reference signed %+v", got.Subject, ref.Subject)
			}
			var gp, rp predicateV1
			if err := strictUnmarshal(got.Predicate, &gp); err != nil {
				t.Fatal(err)
			}
			if err := strictUnmarshal(ref.Predicate, &rp); err != nil {
				t.Fatal(err)
			}
			if len(gp.Resources) != len(rp.Resources) {
				t.Fatalf("resources %+v, reference %+v", gp.Resources, rp.Resources)
			}
			for i := range gp.Resources {
				if gp.Resources[i] != rp.Resources[i] {
					t.Fatalf("resource %d: %+v, reference %+v", i, gp.Resources[i], rp.Resources[i])
				}
			}
			if strings.HasPrefix(v.name, "v1.1") && !sameSet(gp.Serialization.IgnorePaths, rp.Serialization.IgnorePaths) {
				t.Fatalf("ignore paths %v, reference %v", gp.Serialization.IgnorePaths, rp.Serialization.IgnorePaths)
			}
			// And what aibom signed verifies.
			vopts := []Option{WithSignature(sigPath)}
			res, err := Verify(context.Background(), model, v.trust(t, dir), vopts...)
			if err != nil || !res.Verified {
				t.Fatalf("%v %+v", err, res)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !containsString(b, x) {
			return false
		}
	}
	return true
}

func TestSignVerifyRoundTrip(t *testing.T) {
	dir := interop(t)
	model := t.TempDir()
	for _, f := range []string{"a.bin", "sub/b.bin", "sub/deeper/c.json", ".git/HEAD"} {
		p := filepath.Join(model, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if _, err := Sign(ctx, model, loadVectorSigner(t, dir, false)); err != nil {
		t.Fatal(err)
	}
	trust := keyTrust(t, filepath.Join(dir, "keys/certificate/signing-key-pub.pem"))
	res, err := Verify(ctx, model, trust)
	if err != nil || !res.Verified || res.Files != 3 {
		t.Fatalf("%v %+v", err, res)
	}
	// .git is ignored, so changing it changes nothing.
	appendFile(t, filepath.Join(model, ".git/HEAD"), "x")
	if res, _ := Verify(ctx, model, trust); !res.Verified {
		t.Fatalf("%+v", res)
	}
	appendFile(t, filepath.Join(model, "sub/deeper/c.json"), "x")
	res, _ = Verify(ctx, model, trust)
	if res.Verified || !strings.Contains(strings.Join(res.Problems, "\n"), "sub/deeper/c.json changed") {
		t.Fatalf("%+v", res)
	}
	// The wrong key.
	other := keyTrust(t, writePub(t, writeCA(t)))
	if res, _ := Verify(ctx, model, other); res.Verified {
		t.Fatal("verified with another key")
	}
}

// TestManifestOrder: resources are in the reference's order (path components,
// as Python sorts PurePosixPath), which is not byte order when a name has a
// character below '/'.
func TestManifestOrder(t *testing.T) {
	model := t.TempDir()
	for _, f := range []string{"a-b/x", "a/b", "a.bin", "a/a b", "b"} {
		p := filepath.Join(model, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := listFiles(model, walkOptions{maxFiles: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/a b", "a/b", "a-b/x", "a.bin", "b"}
	if strings.Join(files, ",") != strings.Join(want, ",") {
		t.Fatalf("order %q, want %q", files, want)
	}
}

// TestShardsRoundTrip: the shards serialization signs and verifies a folder
// and a single file, and names the file whose shard changed or that grew.
// (No reference vector uses shards; the layout follows the reference's
// source: "path:start:end", the last shard shorter, no shard for an empty
// file.)
func TestShardsRoundTrip(t *testing.T) {
	dir := interop(t)
	model := t.TempDir()
	big := make([]byte, 10_000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	for f, b := range map[string][]byte{"big.bin": big, "empty": nil, "s/small": []byte("abc")} {
		p := filepath.Join(model, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	signer := loadVectorSigner(t, dir, false)
	sigPath, err := Sign(ctx, model, signer, SignShards(4096))
	if err != nil {
		t.Fatal(err)
	}
	st := signedStatement(t, sigPath)
	var p predicateV1
	if err := strictUnmarshal(st.Predicate, &p); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Resources {
		names = append(names, r.Name)
	}
	want := "big.bin:0:4096,big.bin:4096:8192,big.bin:8192:10000,s/small:0:3"
	if strings.Join(names, ",") != want || p.Serialization.Method != "shards" || p.Serialization.ShardSize != 4096 {
		t.Fatalf("resources %v, serialization %+v", names, p.Serialization)
	}
	trust := keyTrust(t, filepath.Join(dir, "keys/certificate/signing-key-pub.pem"))
	if res, err := Verify(ctx, model, trust); err != nil || !res.Verified || res.Files != 4 {
		t.Fatalf("%v %+v", err, res)
	}
	f, err := os.OpenFile(filepath.Join(model, "big.bin"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{1}, 5000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, _ := Verify(ctx, model, trust)
	if res.Verified || !strings.Contains(strings.Join(res.Problems, "\n"), "big.bin changed (bytes 4096 to 8192)") {
		t.Fatalf("%+v", res)
	}
	appendFile(t, filepath.Join(model, "s/small"), "d")
	res, _ = Verify(ctx, model, trust)
	if res.Verified || !strings.Contains(strings.Join(res.Problems, "\n"), "s/small") {
		t.Fatalf("%+v", res)
	}
	// A single file, sharded.
	one := filepath.Join(t.TempDir(), "weights.bin")
	if err := os.WriteFile(one, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(ctx, one, signer, SignShards(3000)); err != nil {
		t.Fatal(err)
	}
	if res, err := Verify(ctx, one, trust); err != nil || !res.Verified || res.Files != 4 {
		t.Fatalf("%v %+v", err, res)
	}
}
