package dataset

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxHeaderField bounds the length of a column name: a longer first-row
// field is a value.
const maxHeaderField = 128

// isHeader reports whether rec, the first record of a CSV/TSV file, is a
// header rather than data, given up to a few of the records after it. The
// BOM takes column names only, never values, so a file without a header
// (a credentials list, /etc/shadow behind a link) must not have its first
// line taken for one. rec is a header when
//   - every field looks like a name: at most maxHeaderField runes of
//     letters, digits, spaces and the punctuation column names use, not a
//     number, and no field holds a secret or personal data (Classify);
//   - and the rows after it do not vote against it, as Python's
//     csv.Sniffer.has_header does: a column whose values are all numbers,
//     or all of one length, votes for a header whose field differs (not a
//     number, another length) and against one whose field does not.
func isHeader(rec []string, rows [][]string) bool {
	for _, f := range rec {
		if !nameLike(f) {
			return false
		}
	}
	if len(Classify([]byte(strings.Join(rec, "\n")))) > 0 {
		return false
	}
	vote := 0
	for col, h := range rec {
		numeric, length := true, -1
		n := 0
		for _, r := range rows {
			if col >= len(r) {
				continue
			}
			v := r[col]
			n++
			numeric = numeric && isNumber(v)
			switch l := utf8.RuneCountInString(v); {
			case length == -1:
				length = l
			case length != l:
				length = -2
			}
		}
		switch {
		case n == 0:
		case numeric:
			vote++ // h is not a number (nameLike)
		case length >= 0 && utf8.RuneCountInString(h) == length:
			vote--
		case length >= 0:
			vote++
		}
	}
	return vote >= 0
}

// nameLike reports whether f may be a column name (empty is: pandas writes
// an unnamed index column).
func nameLike(f string) bool {
	if utf8.RuneCountInString(f) > maxHeaderField || !utf8.ValidString(f) || isNumber(f) && f != "" {
		return false
	}
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || strings.ContainsRune(" _-.:()[]#%/&'?", r) {
			continue
		}
		return false
	}
	return true
}

func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
