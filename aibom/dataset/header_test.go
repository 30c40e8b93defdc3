package dataset

import (
	"bytes"
	"strings"
	"testing"
)

// TestCSVHeader: the column reader takes the first row for a header only
// when it is one; values never become column names (issue 9 §5: the first
// line of /etc/shadow, or a headerless list of keys, reached the BOM).
func TestCSVHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       string // the column names, joined by |; "" for none
		rows       int64
	}{
		{"header", "id,text,label\n1,hello there,0\n2,bye,1\n", "id|text|label", 2},
		{"text columns", "question,answer\nWhat is 2+2?,Four\nWho wrote Hamlet?,Shakespeare\n", "question|answer", 2},
		{"pandas index", ",a,b\n0,1.5,x\n1,2.5,y\n", "|a|b", 2},
		{"header only", "name,age\n", "name|age", 0},
		{"keys without header", "AKIAFAKEFAKEFAKEFAKE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nAKIAFAKEFAKEFAKEFAK2,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE2\n", "", 2},
		{"one key", "AKIAFAKEFAKEFAKEFAKE,secret\n", "", 1},
		{"shadow", "root:$6$abc$Zx0:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n", "", 2},
		{"numbers", "1,2,3\n4,5,6\n", "", 2},
		{"fixed-width values", "abcd,wxyz\nefgh,stuv\nijkl,mnop\n", "", 3},
		{"e-mail", "alice@example.com,bob\n", "", 1},
		{"long value", strings.Repeat("x", 200) + ",y\n", "", 1},
	} {
		f := &File{Format: "csv", Rows: int64(strings.Count(tc.text, "\n"))}
		textColumns(f, []byte(tc.text), false)
		var names []string
		for _, c := range f.Columns {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, "|"); got != tc.want || f.Rows != tc.rows {
			t.Errorf("%s: columns %q rows %d, want %q rows %d", tc.name, got, f.Rows, tc.want, tc.rows)
		}
		if f.ColumnCount == 0 {
			t.Errorf("%s: no column count", tc.name)
		}
	}
}

// TestJSONLKeys: a JSON Lines key that is itself a secret or an address is
// not put into the BOM as a column name; the others are.
func TestJSONLKeys(t *testing.T) {
	t.Parallel()
	f := &File{Format: "jsonl"}
	textColumns(f, []byte(`{"id": 1, "AKIAFAKEFAKEFAKEFAKE": "x", "alice@example.com": 2, "text": "hi"}`+"\n"), false)
	var names []string
	for _, c := range f.Columns {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, "|"); got != "id|text" || f.ColumnCount != 4 {
		t.Errorf("columns %q (%d), want id|text (4)", got, f.ColumnCount)
	}
}

// FuzzTextColumns: the CSV/TSV/JSON Lines column reader never panics,
// never lists more names than columns, and never lists a name that holds a
// secret or personal data.
func FuzzTextColumns(f *testing.F) {
	for _, s := range []string{
		"id,text,label\n1,hello,0\n", ",a,b\n0,1,x\n", "AKIAFAKEFAKEFAKEFAKE,x\n",
		"root:$6$abc:1:2\n", `{"a": 1, "b": "x"}` + "\n", "\"a\nb\",c\n1,2\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	formats := []string{"csv", "tsv", "jsonl"}
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		file := &File{Format: formats[int(k)%len(formats)], Rows: int64(bytes.Count(b, []byte{'\n'}))}
		textColumns(file, b, bytes.IndexByte(b, '"') >= 0)
		if len(file.Columns) > file.ColumnCount {
			t.Fatalf("%d names for %d columns", len(file.Columns), file.ColumnCount)
		}
		for _, c := range file.Columns {
			if n := Classify([]byte(c.Name)); len(n) > 0 {
				t.Fatalf("column name %q holds %v", c.Name, n)
			}
		}
	})
}
