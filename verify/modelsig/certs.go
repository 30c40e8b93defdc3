package modelsig

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// LoadCertificates reads the PEM certificates of a file (a CA certificate or
// a chain); text around the PEM blocks is ignored, anything else in a
// CERTIFICATE block is an error.
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: certificate %d: %w", ErrConfig, path, len(certs), err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: %s holds no PEM certificate", ErrConfig, path)
	}
	return certs, nil
}
