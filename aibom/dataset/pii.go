package dataset

import (
	"bytes"
	"strings"
)

func emailLocal(ch byte) bool {
	return isAlnum(ch) || ch == '_' || strings.IndexByte("._%+-", ch) >= 0
}

func domainByte(ch byte) bool { return isAlnum(ch) || ch == '.' || ch == '-' }

// notTLD are file extensions that follow "@" in names like icon@2x.png.
var notTLD = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "bmp": true,
	"js": true, "ts": true, "css": true, "py": true, "json": true, "yaml": true, "yml": true,
	"txt": true, "md": true, "html": true, "pdf": true, "zip": true, "gz": true, "tar": true,
}

// emails finds local@domain around each "@": a local part of 1-64 bytes
// that neither starts nor ends with "." nor holds "..", and a domain of at
// least two labels (1-63 bytes, no leading or trailing "-") whose last label
// is 2-24 letters and not a file extension. git@host: (SSH remotes) is
// not an address.
func (c *classifier) emails() {
	for off := 0; ; {
		k := bytes.IndexByte(c.b[off:], '@')
		if k < 0 {
			return
		}
		at := off + k
		off = at + 1
		i := at
		for i > 0 && at-i < 65 && emailLocal(c.b[i-1]) {
			i--
		}
		j := at + 1
		for j < len(c.b) && j-at < 256 && domainByte(c.b[j]) {
			j++
		}
		for j > at+1 && (c.b[j-1] == '.' || c.b[j-1] == '-') {
			j--
		}
		local, domain := c.b[i:at], c.b[at+1:j]
		if !validLocal(local) || !validDomain(domain) {
			continue
		}
		if string(local) == "git" && c.at(j) == ':' {
			continue
		}
		if c.claim(Email, i, j) {
			off = j
		}
	}
}

func validLocal(l []byte) bool {
	return len(l) >= 1 && len(l) <= 64 && l[0] != '.' && l[len(l)-1] != '.' && !bytes.Contains(l, []byte(".."))
}

func validDomain(d []byte) bool {
	labels := bytes.Split(d, []byte("."))
	if len(d) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || len(tld) > 24 || notTLD[strings.ToLower(string(tld))] {
		return false
	}
	for _, ch := range tld {
		if !isUpper(ch) && !isLower(ch) {
			return false
		}
	}
	return true
}

// alnumIDs finds IBANs and UK national insurance numbers, which start with
// two capital letters at the start of a word.
func (c *classifier) alnumIDs() {
	for i := 0; i+8 < len(c.b); i++ {
		if !isUpper(c.b[i]) || !isUpper(c.b[i+1]) || wordByte(c.at(i-1)) {
			continue
		}
		if j, ok := c.iban(i); ok {
			if c.claim(IBAN, i, j) {
				i = j
			}
			continue
		}
		if j, ok := c.nino(i); ok && c.claim(UKNINO, i, j) {
			i = j
		}
	}
}

// ibanLengths are the IBAN lengths of the registry's countries.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
	"FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
	"HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
	"LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
	"MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24,
	"RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23,
	"TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// iban matches the country's IBAN length of capitals and digits, in groups
// separated by single spaces or not at all, with check digits that make the
// number 1 mod 97.
func (c *classifier) iban(i int) (int, bool) {
	want, ok := ibanLengths[string(c.b[i:i+2])]
	if !ok || !isDigit(c.b[i+2]) || !isDigit(c.b[i+3]) {
		return 0, false
	}
	var chars [34]byte
	n, j := 0, i
	for n < want && j < len(c.b) {
		switch ch := c.b[j]; {
		case upperDigit(ch):
			chars[n] = ch
			n++
		case ch == ' ' && n%4 == 0 && n > 0 && upperDigit(c.at(j+1)):
		default:
			return 0, false
		}
		j++
	}
	if n < want || wordByte(c.at(j)) {
		return 0, false
	}
	rem := 0
	for _, ch := range append(chars[4:n:n], chars[:4]...) {
		if isDigit(ch) {
			rem = (rem*10 + int(ch-'0')) % 97
		} else {
			rem = (rem*100 + int(ch-'A'+10)) % 97
		}
	}
	return j, rem == 1
}

// nino matches a UK National Insurance number "AB123456C" or
// "AB 12 34 56 C": a valid prefix (first letter not D F I Q U V, second not
// D F I O Q U V, not BG GB KN NK NT TN ZZ), six digits, suffix A-D.
func (c *classifier) nino(i int) (int, bool) {
	p := string(c.b[i : i+2])
	switch p {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return 0, false
	}
	if strings.ContainsAny(p[:1], "DFIQUV") || strings.ContainsAny(p[1:], "DFIOQUV") {
		return 0, false
	}
	j := i + 2
	spaced := c.at(j) == ' '
	for g := 0; g < 3; g++ {
		if spaced {
			if c.at(j) != ' ' {
				return 0, false
			}
			j++
		}
		if !isDigit(c.at(j)) || !isDigit(c.at(j+1)) {
			return 0, false
		}
		j += 2
	}
	if spaced {
		if c.at(j) != ' ' {
			return 0, false
		}
		j++
	}
	if s := c.at(j); s < 'A' || s > 'D' || wordByte(c.at(j+1)) {
		return 0, false
	}
	return j + 1, true
}
