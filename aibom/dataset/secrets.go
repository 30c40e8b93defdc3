package dataset

import "github.com/seed-43c89ce6/aibom/internal/secrets"

// secrets claims every secret that internal/secrets finds (the detectors
// live there, shared with the model scanners).
func (c *classifier) secrets() {
	for _, m := range secrets.Find(c.b) {
		c.claim(Category(m.Kind), m.Start, m.End)
	}
}

func upperDigit(ch byte) bool { return isUpper(ch) || isDigit(ch) }
