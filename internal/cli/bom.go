package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/aibom"
	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// maxBOM bounds the size of a BOM read from disk.
const maxBOM = 512 << 20

func newBOM(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bom",
		Short: "Work with AI-BOMs",
	}
	var format string
	var exitCode bool
	diff := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what changed between two BOMs: weights, templates, lineage, licenses, findings, libraries",
		Long: `Compare two CycloneDX BOMs (JSON or XML) for a release review: files added,
removed or changed (by SHA-256, grouped by role: weights, chat-template,
tokenizer, config, ...), the model's name, version and purl, its lineage
(pedigree ancestors), its licenses, the findings, the libraries (an upgrade
is one change) and the sensitive data found in local datasets.`,
		Example: `  aibom bom diff v1/bom.json v2/bom.json
  aibom bom diff --format json --exit-code old.cdx.xml new.cdx.xml`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("unknown --format %q (want text or json)", format)}
			}
			old, err := readBOM(args[0])
			if err != nil {
				return err
			}
			cur, err := readBOM(args[1])
			if err != nil {
				return err
			}
			changes := aibom.Diff(old, cur)
			if format == "json" {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if changes == nil {
					changes = []aibom.Change{}
				}
				err = enc.Encode(map[string]any{"changes": changes})
			} else {
				err = aibom.WriteDiff(stdout, changes)
			}
			if err == nil && exitCode && len(changes) > 0 {
				return errFindings
			}
			return err
		},
	}
	diff.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	diff.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when the BOMs differ")
	cmd.AddCommand(diff)
	return cmd
}

// readBOM decodes a CycloneDX BOM in JSON or XML.
func readBOM(path string) (*cdx.BOM, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := safeio.ReadAll(f, maxBOM)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	format := cdx.BOMFileFormatJSON
	if strings.HasPrefix(strings.TrimSpace(string(b[:min(len(b), 64)])), "<") {
		format = cdx.BOMFileFormatXML
	}
	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(strings.NewReader(string(b)), format).Decode(bom); err != nil {
		return nil, fmt.Errorf("%s is not a CycloneDX BOM: %w", path, err)
	}
	if bom.BOMFormat != "CycloneDX" && !strings.HasPrefix(bom.XMLNS, "http://cyclonedx.org/schema/bom/") {
		return nil, errors.New(path + " is not a CycloneDX BOM (bomFormat is not CycloneDX)")
	}
	return bom, nil
}
