// Package secrets finds credentials in bytes: cloud and API keys, tokens,
// private keys and JWTs, by prefix, length and shape. It reports where each
// is and what kind it is, never the value. The dataset classifier
// (aibom/dataset) and the model scanners share it.
package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// secretRule matches a prefix followed by a run of body bytes whose length
// lies in [min, max]. The byte before the prefix must not continue a word,
// and the run must end at a byte outside body (a longer run is no match).
type secretRule struct {
	cat      Kind
	prefixes []string
	body     func(byte) bool
	min, max int
	check    func(tok, after []byte) bool
}

func upperDigit(ch byte) bool  { return isUpper(ch) || isDigit(ch) }
func alnumOrUS(ch byte) bool   { return isAlnum(ch) || ch == '_' }
func alnumOrDash(ch byte) bool { return isAlnum(ch) || ch == '-' }
func b64url(ch byte) bool      { return isAlnum(ch) || ch == '-' || ch == '_' }
func jwtByte(ch byte) bool     { return b64url(ch) || ch == '.' }
func keyLabel(ch byte) bool    { return upperDigit(ch) || ch == ' ' }

var secretRules = []secretRule{
	{cat: PrivateKey, prefixes: []string{"-----BEGIN "}, body: keyLabel, min: 11, max: 40, check: privateKeyLabel},
	{cat: AWSAccessKeyID, prefixes: []string{"AKIA", "ASIA", "ABIA", "ACCA"}, body: upperDigit, min: 16, max: 16},
	{cat: GitHubToken, prefixes: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, body: isAlnum, min: 36, max: 36},
	{cat: GitHubToken, prefixes: []string{"github_pat_"}, body: alnumOrUS, min: 70, max: 100},
	{cat: SlackToken, prefixes: []string{"xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"}, body: alnumOrDash, min: 10, max: 255, check: hasDigit},
	{cat: AnthropicKey, prefixes: []string{"sk-ant-"}, body: b64url, min: 32, max: 256, check: mixedCase},
	{cat: OpenAIKey, prefixes: []string{"sk-"}, body: b64url, min: 32, max: 256, check: openAI},
	{cat: GoogleAPIKey, prefixes: []string{"AIza"}, body: b64url, min: 35, max: 35},
	{cat: StripeSecretKey, prefixes: []string{"sk_live_", "rk_live_"}, body: isAlnum, min: 24, max: 247},
	{cat: JWT, prefixes: []string{"eyJ"}, body: jwtByte, min: 20, max: 8192, check: jwt},
}

// Kind names a kind of secret.
type Kind string

// Kinds of secrets.
const (
	AWSAccessKeyID  Kind = "aws-access-key-id"
	GitHubToken     Kind = "github-token"
	SlackToken      Kind = "slack-token"
	OpenAIKey       Kind = "openai-api-key"
	AnthropicKey    Kind = "anthropic-api-key"
	GoogleAPIKey    Kind = "google-api-key"
	StripeSecretKey Kind = "stripe-secret-key"
	PrivateKey      Kind = "private-key"
	JWT             Kind = "jwt"
)

// Match is one secret found: its kind and where it is, b[Start:End].
type Match struct {
	Kind       Kind
	Start, End int
}

// Find returns the secrets in b: for each rule in order (more specific
// prefixes first: sk-ant- before sk-), its matches by position; a match
// that overlaps an earlier one is left out. Time is linear in len(b).
func Find(b []byte) []Match {
	var out []Match
	taken := make([]uint64, len(b)/64+1)
	for _, r := range secretRules {
		for _, p := range r.prefixes {
			for _, m := range prefixMatches(b, r, []byte(p)) {
				if take(taken, m) {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// take marks m's bytes in the bitset taken unless one is already marked.
func take(taken []uint64, m Match) bool {
	for k := m.Start; k < m.End; k++ {
		if taken[k/64]&(1<<(k%64)) != 0 {
			return false
		}
	}
	for k := m.Start; k < m.End; k++ {
		taken[k/64] |= 1 << (k % 64)
	}
	return true
}

func at(b []byte, i int) byte {
	if i < 0 || i >= len(b) {
		return 0
	}
	return b[i]
}

func prefixMatches(b []byte, r secretRule, p []byte) []Match {
	var out []Match
	for off := 0; ; {
		k := bytes.Index(b[off:], p)
		if k < 0 {
			return out
		}
		i := off + k
		off = i + len(p)
		if prev := at(b, i-1); wordByte(prev) || (r.cat != PrivateKey && prev == '-') {
			continue
		}
		body := off
		j := body
		for j < len(b) && r.body(b[j]) {
			j++
		}
		// A prefix inside this run would end at the same byte: skip the
		// run, which keeps the scan linear.
		off = j
		if r.cat == JWT || r.cat == PrivateKey {
			// Trailing dots end sentences; trailing spaces are not part
			// of a key label.
			for j > body && (b[j-1] == '.' || b[j-1] == ' ') {
				j--
			}
		}
		if n := j - body; n < r.min || n > r.max {
			continue
		}
		if r.check != nil && !r.check(b[i:j], b[j:min(len(b), j+5)]) {
			continue
		}
		out = append(out, Match{Kind: r.cat, Start: i, End: j})
	}
}

func isDigit(ch byte) bool  { return ch >= '0' && ch <= '9' }
func isUpper(ch byte) bool  { return ch >= 'A' && ch <= 'Z' }
func isLower(ch byte) bool  { return ch >= 'a' && ch <= 'z' }
func isAlnum(ch byte) bool  { return isDigit(ch) || isUpper(ch) || isLower(ch) }
func wordByte(ch byte) bool { return isAlnum(ch) || ch == '_' }

func hasDigit(tok, _ []byte) bool { return bytes.ContainsAny(tok, "0123456789") }

// mixedCase requires upper and lower case letters and digits, which random
// keys have and words joined by dashes do not.
func mixedCase(tok, _ []byte) bool {
	var u, l, d bool
	for _, ch := range tok {
		u = u || isUpper(ch)
		l = l || isLower(ch)
		d = d || isDigit(ch)
	}
	return u && l && d
}

// openAI accepts sk-proj-/sk-svcacct-/sk-admin- keys and the legacy form
// (48 characters with "T3BlbkFJ" in the middle), random-looking.
func openAI(tok, after []byte) bool {
	if bytes.HasPrefix(tok, []byte("sk-ant-")) {
		return false
	}
	return mixedCase(tok, after)
}

// privateKeyLabel accepts "-----BEGIN [LABEL ]PRIVATE KEY[ BLOCK]-----";
// after is what follows tok.
func privateKeyLabel(tok, after []byte) bool {
	label := bytes.TrimPrefix(tok, []byte("-----BEGIN "))
	if !bytes.HasPrefix(after, []byte("-----")) {
		return false
	}
	return bytes.HasSuffix(label, []byte("PRIVATE KEY")) || bytes.HasSuffix(label, []byte("PRIVATE KEY BLOCK"))
}

// jwt accepts header.payload.signature where the header decodes to a JSON
// object with "alg" and the payload is a JSON object.
func jwt(tok, _ []byte) bool {
	parts := bytes.Split(tok, []byte("."))
	if len(parts) != 3 || len(parts[1]) < 4 || len(parts[2]) < 8 || !bytes.HasPrefix(parts[1], []byte("eyJ")) {
		return false
	}
	var hdr map[string]any
	raw, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimRight(parts[0], "=")))
	if err != nil || len(raw) > 1024 || json.Unmarshal(raw, &hdr) != nil {
		return false
	}
	_, ok := hdr["alg"]
	return ok
}
