package dataset

// Category names a kind of sensitive data.
type Category string

// Categories of personal data.
const (
	Email      Category = "email"
	Phone      Category = "phone"
	CreditCard Category = "credit-card"
	USSSN      Category = "us-ssn"
	UKNINO     Category = "uk-nino"
	IBAN       Category = "iban"
	Aadhaar    Category = "in-aadhaar"
)

// Categories of secrets.
const (
	AWSAccessKeyID  Category = "aws-access-key-id"
	GitHubToken     Category = "github-token"
	SlackToken      Category = "slack-token"
	OpenAIKey       Category = "openai-api-key"
	AnthropicKey    Category = "anthropic-api-key"
	GoogleAPIKey    Category = "google-api-key"
	StripeSecretKey Category = "stripe-secret-key"
	PrivateKey      Category = "private-key"
	JWT             Category = "jwt"
)

// Secret reports whether c is a credential rather than personal data.
func (c Category) Secret() bool {
	switch c {
	case AWSAccessKeyID, GitHubToken, SlackToken, OpenAIKey, AnthropicKey,
		GoogleAPIKey, StripeSecretKey, PrivateKey, JWT:
		return true
	default:
		return false
	}
}

// Classify counts the sensitive data in b, by category. Each occurrence is
// counted (the same address twice counts 2); a byte belongs to at most one
// match, claimed in this order: secrets, e-mail addresses, IBANs and UK
// national insurance numbers, then numbers (credit card, US SSN, Aadhaar,
// phone). The values found are never returned. Time is linear in len(b).
func Classify(b []byte) Counts {
	c := &classifier{b: b, counts: Counts{}, claimed: make([]uint64, len(b)/64+1)}
	c.secrets()
	c.emails()
	c.alnumIDs()
	c.numbers()
	return c.counts
}

type classifier struct {
	b       []byte
	counts  Counts
	claimed []uint64 // one bit per byte of b
}

// claim records a match of cat over b[i:j] unless part of it was claimed.
func (c *classifier) claim(cat Category, i, j int) bool {
	for k := i; k < j; k++ {
		if c.claimed[k/64]&(1<<(k%64)) != 0 {
			return false
		}
	}
	for k := i; k < j; k++ {
		c.claimed[k/64] |= 1 << (k % 64)
	}
	c.counts[cat]++
	return true
}

func isDigit(ch byte) bool { return ch >= '0' && ch <= '9' }
func isUpper(ch byte) bool { return ch >= 'A' && ch <= 'Z' }
func isLower(ch byte) bool { return ch >= 'a' && ch <= 'z' }
func isAlnum(ch byte) bool { return isDigit(ch) || isUpper(ch) || isLower(ch) }

// wordByte is a byte that continues an identifier: a match must not be
// glued to one.
func wordByte(ch byte) bool { return isAlnum(ch) || ch == '_' }

// at returns b[i], or 0 outside b.
func (c *classifier) at(i int) byte {
	if i < 0 || i >= len(c.b) {
		return 0
	}
	return c.b[i]
}
