package dataset

import "bytes"

// Numbers are found in spans: a digit (or "+" or "(" before one) that does
// not continue a word, then digits and separator runs of at most two bytes
// of " -.()" between them. A span glued to a letter or "_" is skipped, and
// so is a span of more than maxSpanWords space-separated words (a list of
// numbers, not one number). Each span, then each run of its words (longest
// first), is matched against the shapes below; plain runs of digits are
// credit card numbers or E.164 numbers only (after "+"), never a phone
// number, an SSN or an Aadhaar number.
const (
	maxSpanWords = 6
	maxSpanLen   = 64
)

// Shapes: D is a digit, everything else is literal.
var (
	cardShapes = []string{
		"DDDD DDDD DDDD DDDD", "DDDD-DDDD-DDDD-DDDD", "DDDD DDDDDD DDDDD", "DDDD-DDDDDD-DDDDD",
		"DDDD DDDD DDDD DDDD DDD", "DDDD-DDDD-DDDD-DDDD-DDD", "DDDD DDDDDD DDDD", "DDDD-DDDDDD-DDDD",
	}
	ssnShapes     = []string{"DDD-DD-DDDD"}
	aadhaarShapes = []string{"DDDD DDDD DDDD", "DDDD-DDDD-DDDD"}
	nanpShapes    = []string{
		"DDD-DDD-DDDD", "DDD.DDD.DDDD", "DDD DDD DDDD", "(DDD) DDD-DDDD", "(DDD)DDD-DDDD", "(DDD) DDD DDDD",
		"1-DDD-DDD-DDDD", "1 DDD DDD DDDD", "1 (DDD) DDD-DDDD", "1 DDD-DDD-DDDD",
	}
	ukShapes = []string{"0DDDD DDDDDD", "0DDD DDD DDDD", "0DD DDDD DDDD"}
)

func isSep(ch byte) bool { return ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')' }

// numbers walks b for number spans.
func (c *classifier) numbers() {
	b := c.b
	for i := 0; i < len(b); {
		ch := b[i]
		switch {
		case wordByte(ch) && !isDigit(ch):
			for i < len(b) && wordByte(b[i]) {
				i++
			}
			continue
		case isDigit(ch), (ch == '+' || ch == '(') && isDigit(c.at(i+1)):
		default:
			i++
			continue
		}
		j := c.spanEnd(i)
		if wordByte(c.at(j)) {
			for j < len(b) && wordByte(b[j]) {
				j++
			}
		} else if j-i <= maxSpanLen {
			c.span(i, j)
		}
		i = j
	}
}

func (c *classifier) spanEnd(i int) int {
	b := c.b
	j := i + 1
	for j < len(b) {
		if isDigit(b[j]) {
			j++
			continue
		}
		k := j
		for k < len(b) && k-j < 2 && isSep(b[k]) {
			k++
		}
		if k == j || k >= len(b) || !isDigit(b[k]) {
			break
		}
		j = k
	}
	return j
}

// span matches b[i:j], or runs of its space-separated words.
func (c *classifier) span(i, j int) {
	var starts, ends []int
	starts = append(starts, i)
	for k := i; k < j; k++ {
		if c.b[k] == ' ' {
			ends = append(ends, k)
			starts = append(starts, k+1)
			if len(starts) > maxSpanWords {
				return
			}
		}
	}
	ends = append(ends, j)
	for w := 0; w < len(starts); w++ {
		for v := len(ends) - 1; v >= w; v-- {
			s, e := starts[w], ends[v]
			if s >= e {
				continue
			}
			if cat, ok := matchNumber(c.b[s:e]); ok && c.claim(cat, s, e) {
				w = v
				break
			}
		}
	}
}

// matchNumber says which kind of number tok is, if any.
func matchNumber(tok []byte) (Category, bool) {
	n := 0
	for _, ch := range tok {
		if isDigit(ch) {
			n++
		}
	}
	switch {
	case n < 8 || n > 19: // no shape below has fewer or more digits
		return "", false
	case card(tok):
		return CreditCard, true
	case shaped(tok, ssnShapes) && ssn(tok):
		return USSSN, true
	case shaped(tok, aadhaarShapes) && tok[0] >= '2' && verhoeff(tok):
		return Aadhaar, true
	case phone(tok):
		return Phone, true
	default:
		return "", false
	}
}

func shaped(tok []byte, shapes []string) bool {
	for _, s := range shapes {
		if len(s) != len(tok) {
			continue
		}
		ok := true
		for k := 0; k < len(s) && ok; k++ {
			if s[k] == 'D' {
				ok = isDigit(tok[k])
			} else {
				ok = tok[k] == s[k]
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func digitsOf(tok []byte) []byte {
	out := make([]byte, 0, len(tok))
	for _, ch := range tok {
		if isDigit(ch) {
			out = append(out, ch)
		}
	}
	return out
}

// card accepts 13-19 digits, plain or in a card shape, whose issuer prefix
// and length belong to a known brand and whose Luhn check digit is right.
func card(tok []byte) bool {
	plain := len(digitsOf(tok)) == len(tok)
	if !plain && !shaped(tok, cardShapes) {
		return false
	}
	d := digitsOf(tok)
	return len(d) >= 13 && len(d) <= 19 && brand(d) && luhn(d)
}

// brand checks the issuer identification number and length: Visa,
// Mastercard, American Express, Discover, JCB, Diners Club, UnionPay.
func brand(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p3 := p2*10 + int(d[2]-'0')
	p4 := p3*10 + int(d[3]-'0')
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p4 >= 3528 && p4 <= 3589, p2 == 62:
		return n >= 16
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39:
		return n >= 14
	default:
		return false
	}
}

func luhn(d []byte) bool {
	sum := 0
	for k := range d {
		v := int(d[len(d)-1-k] - '0')
		if k%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// ssn accepts AAA-GG-SSSS with area 001-899 except 666, group 01-99 and
// serial 0001-9999 (the rules since 2011), except the two numbers that
// were published in advertising (078-05-1120, 219-09-9999).
func ssn(tok []byte) bool {
	area, group, serial := string(tok[0:3]), string(tok[4:6]), string(tok[7:11])
	return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000" &&
		string(tok) != "078-05-1120" && string(tok) != "219-09-9999"
}

// Verhoeff tables.
var (
	vD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	vP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// verhoeff checks the Verhoeff check digit (Aadhaar's last digit).
func verhoeff(tok []byte) bool {
	d := digitsOf(tok)
	var c byte
	for k := range d {
		c = vD[c][vP[k%8][d[len(d)-1-k]-'0']]
	}
	return c == 0
}

// phone accepts North American numbers in a written shape (area code and
// exchange starting 2-9), UK numbers in a written shape, and E.164 numbers
// ("+" then 8-15 digits not starting with 0, at least 10 when written
// without separators).
func phone(tok []byte) bool {
	if shaped(tok, nanpShapes) {
		d := digitsOf(tok)
		if len(d) == 11 {
			d = d[1:]
		}
		return d[0] >= '2' && d[3] >= '2'
	}
	if shaped(tok, ukShapes) {
		return tok[1] != '0'
	}
	if tok[0] != '+' || bytes.Count(tok, []byte("(")) > 1 {
		return false
	}
	d := digitsOf(tok)
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return false
	}
	return len(d) >= 10 || len(d)+1 < len(tok)
}
