package zip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestTestdata(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94."), 50)
	tests := []struct {
		file    string
		members []string
		content map[string][]byte
	}{
		{"torch_small.pt", []string{"torch_small/data.pkl", "torch_small/data/0", "torch_small/version"}, nil},
		{"arrays.npz", []string{"a.npy", "b.npy"}, nil},
		{"arrays_compressed.npz", []string{"a.npy"}, nil},
		{"bzip2.zip", []string{"data.pkl"}, map[string][]byte{"data.pkl": payload}},
		{"lzma.zip", []string{"data.pkl"}, map[string][]byte{"data.pkl": payload}},
		{"infozip.zip", []string{"payload.pkl", "weights.bin"}, map[string][]byte{"weights.bin": []byte("weights!")}},
		{"infozip64.zip", []string{"payload.pkl", "weights.bin"}, map[string][]byte{"weights.bin": []byte("weights!")}},
		{"infozip_stream.zip", []string{"-"}, map[string][]byte{"-": []byte("streamed")}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rules, fn, err := scan(t, b, Limits{})
			if err != nil || rules != nil {
				t.Fatalf("rules %v err %v", rules, err)
			}
			got := fn.ByMember()
			for _, m := range tt.members {
				if got[m] == nil {
					t.Errorf("member %s not handed over (got %v)", m, fn.Members())
				}
			}
			for m, want := range tt.content {
				if s := got[m]; s == nil || !bytes.Equal(s.All, want) {
					t.Errorf("member %s content differs", m)
				}
			}
		})
	}
}
