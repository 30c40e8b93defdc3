package bomschema

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoXMLLint is returned by ValidateXML when xmllint (Debian's
// libxml2-utils) is not installed.
var ErrNoXMLLint = errors.New("bomschema: xmllint not found")

// xsdFiles are the embedded XML schemas; spdx.xsd is imported by both.
var xsdFiles = []string{"bom-1.6.xsd", "bom-1.7.xsd", "spdx.xsd"}

// remoteSPDX is how bom-1.7.xsd locates spdx.xsd: a URL, which xmllint
// must not fetch. The copy written for xmllint points at the local file.
const remoteSPDX = `schemaLocation="http://cyclonedx.org/schema/spdx"`

// ValidateXML checks doc, a CycloneDX XML document, against the official
// XSD of specVersion ("1.6" or "1.7") with xmllint, which it runs with
// --nonet. The schemas are written to dir (a test's t.TempDir()) first.
// It returns nil when doc is valid, ErrNoXMLLint when xmllint is missing,
// and an error quoting xmllint's messages otherwise.
func ValidateXML(ctx context.Context, doc []byte, specVersion, dir string) error {
	known := false
	for _, v := range Versions {
		known = known || v == specVersion
	}
	if !known {
		return fmt.Errorf("%w %q", ErrUnknownVersion, specVersion)
	}
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		return ErrNoXMLLint
	}
	for _, name := range xsdFiles {
		raw, err := files.ReadFile("schema/" + name)
		if err != nil {
			return fmt.Errorf("bomschema: reading embedded %s: %w", name, err)
		}
		raw = bytes.ReplaceAll(raw, []byte(remoteSPDX), []byte(`schemaLocation="spdx.xsd"`))
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o600); err != nil {
			return fmt.Errorf("bomschema: writing %s: %w", name, err)
		}
	}
	cmd := exec.CommandContext(ctx, bin, "--nonet", "--noout", "--schema", filepath.Join(dir, "bom-"+specVersion+".xsd"), "-")
	cmd.Stdin = bytes.NewReader(doc)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 4000 {
			msg = msg[:4000] + " ..."
		}
		return fmt.Errorf("bomschema: CycloneDX %s XML: %w: %s", specVersion, err, msg)
	}
	return nil
}
