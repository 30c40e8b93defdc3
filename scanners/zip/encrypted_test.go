package zip

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEncryptedMembers: a password-protected zip (testdata/encrypted.zip,
// made by gen_encrypted.py with ZipCrypto; `unzip -P secret` extracts it)
// gives one "cannot be inspected" finding per member and nothing else: no
// ZIP-BAD-CRC, ZIP-SIZE-MISMATCH or decompression error, which are side
// effects of the encryption (issue 11 section 3).
func TestEncryptedMembers(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "encrypted.zip"))
	if err != nil {
		t.Fatal(err)
	}
	rules, _, err := scan(t, b, Limits{})
	if err != nil {
		t.Fatalf("error %v: an encrypted member is suspicious, not invalid", err)
	}
	want := []string{"ZIP-ENCRYPTED-MEMBER:medium", "ZIP-ENCRYPTED-MEMBER:medium"}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Fatalf("rules (-want +got):\n%s", diff)
	}
}

// TestEncryptedFlagLies: a member flagged as encrypted whose bytes read as
// plain data is not encrypted for a loader that ignores the flag (PyTorch):
// the flag stays a high finding, and so does a bad CRC, and the content is
// scanned.
func TestEncryptedFlagLies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    member
		want []string
	}{
		{"stored, bad CRC", member{name: "data.pkl", data: pickle, flags: FlagEncrypted, crc: ptr(uint32(7))},
			[]string{"ZIP-BAD-CRC:high", "ZIP-ENCRYPTED-FLAG:high"}},
		{"deflated, bad CRC", member{name: "data.pkl", data: pickle, method: Deflate, flags: FlagEncrypted, crc: ptr(uint32(7))},
			[]string{"ZIP-BAD-CRC:high", "ZIP-ENCRYPTED-FLAG:high"}},
		{"deflated", member{name: "data.pkl", data: pickle, method: Deflate, flags: FlagEncrypted},
			[]string{"ZIP-ENCRYPTED-FLAG:high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rules, fn, _ := scan(t, buildZip([]member{tt.m}, layout{}), Limits{})
			if diff := cmp.Diff(tt.want, rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if got := fn.ByMember()["data.pkl"]; got == nil || string(got.All) != string(pickle) {
				t.Errorf("content not handed over: %v", fn.Members())
			}
		})
	}
}

// TestEncryptedAES: an AES member (method 99) cannot be inspected.
func TestEncryptedAES(t *testing.T) {
	t.Parallel()
	b := buildZip([]member{{name: "data.pkl", raw: []byte("ciphertext-ciphertext"), data: pickle, method: AES, flags: FlagEncrypted}}, layout{})
	rules, _, err := scan(t, b, Limits{})
	if diff := cmp.Diff([]string{"ZIP-ENCRYPTED-MEMBER:medium"}, rules); diff != "" || err != nil {
		t.Fatalf("err %v, rules (-want +got):\n%s", err, diff)
	}
}
