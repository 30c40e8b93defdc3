package secrets

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	t.Parallel()
	gh := "ghp_" + strings.Repeat("aB3", 12)
	ant := "sk-ant-api03-" + strings.Repeat("Ab1", 12)
	aws := "AKIA" + "ABCDEFGH12345678"
	cases := []struct {
		in   string
		want []Kind
	}{
		{`{"hf_token": "` + gh + `"}`, []Kind{GitHubToken}},
		{"key: " + ant + "\n", []Kind{AnthropicKey}},
		{"aws=" + aws + " and " + gh, []Kind{AWSAccessKeyID, GitHubToken}},
		{"x" + aws, nil},                       // glued to a word
		{"ghp_short", nil},                     // too short
		{"sk-" + strings.Repeat("a", 40), nil}, // not random-looking
		{"", nil},
	}
	for _, c := range cases {
		got := Find([]byte(c.in))
		var kinds []Kind
		for _, m := range got {
			kinds = append(kinds, m.Kind)
			if m.Start < 0 || m.End > len(c.in) || m.Start >= m.End {
				t.Errorf("%q: bad span %d:%d", c.in, m.Start, m.End)
			}
		}
		if strings.Join(toStrings(kinds), ",") != strings.Join(toStrings(c.want), ",") {
			t.Errorf("%q: %v, want %v", c.in, kinds, c.want)
		}
	}
}

func toStrings(ks []Kind) []string {
	var out []string
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}
