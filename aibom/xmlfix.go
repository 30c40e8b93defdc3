package aibom

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// cyclonedx-go v0.12.0 writes two things the official CycloneDX XSDs
// (1.6 and 1.7) reject; aibom corrects them when it encodes XML. Both
// belong upstream (see README.md "XML and cyclonedx-go"):
//
//   - modelParameters.datasets: the XSD's <datasets> holds <ref> and
//     <dataset> (inline data) as a choice, but cyclonedx-go wraps every
//     entry in <dataset>, writing <datasets><dataset><ref>..</ref></dataset>.
//   - considerations.technicalLimitations: the XSD allows at most one
//     <technicalLimitation> (a defect of the spec: JSON allows a list),
//     so a list is joined into one for XML.
//   - energy and CO2 measures: their <value> is an xs:decimal, but Go
//     formats small floats with an exponent ("1.86e-08"), which
//     xs:decimal does not allow; such values are rewritten in plain
//     decimal notation.

// datasetRef matches cyclonedx-go's <dataset><ref>X</ref></dataset>; X is
// escaped character data, so it holds no '<'.
var datasetRef = regexp.MustCompile(`<dataset>\s*<ref>([^<]*)</ref>\s*</dataset>`)

// measureValue matches the value of an energy or CO2 measure.
var measureValue = regexp.MustCompile(`(<(?:activityEnergyCost|co2CostEquivalent|co2CostOffset)>\s*<value>)([^<]*)(</value>)`)

// decimal rewrites a measure's value written with an exponent in plain
// decimal notation.
func decimal(m []byte) []byte {
	sub := measureValue.FindSubmatch(m)
	f, err := strconv.ParseFloat(string(sub[2]), 64)
	if err != nil || !bytes.ContainsAny(sub[2], "eE") {
		return m
	}
	return []byte(string(sub[1]) + strconv.FormatFloat(f, 'f', -1, 64) + string(sub[3]))
}

// limitationSep joins technical limitations in XML.
const limitationSep = "\n\n"

// encodeXML writes bom as CycloneDX XML that validates against the XSD.
func encodeXML(w io.Writer, bom *cdx.BOM, v cdx.SpecVersion) error {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatXML)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(forXML(bom), v); err != nil {
		return err
	}
	out := datasetRef.ReplaceAll(buf.Bytes(), []byte("<ref>$1</ref>"))
	_, err := w.Write(measureValue.ReplaceAllFunc(out, decimal))
	return err
}

// forXML returns bom, or a copy of it (never changing bom) in which every
// model card's technical limitations are joined into one.
func forXML(bom *cdx.BOM) *cdx.BOM {
	if !needsJoin(bom) {
		return bom
	}
	c := *bom
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		md := *bom.Metadata
		mc := joinLimitations(*bom.Metadata.Component)
		md.Component = &mc
		c.Metadata = &md
	}
	if bom.Components != nil {
		comps := joinAll(*bom.Components)
		c.Components = &comps
	}
	return &c
}

func joinAll(in []cdx.Component) []cdx.Component {
	out := make([]cdx.Component, len(in))
	for i, comp := range in {
		out[i] = joinLimitations(comp)
	}
	return out
}

// joinLimitations returns c with its (and its sub-components') technical
// limitations joined, copying what it changes.
func joinLimitations(c cdx.Component) cdx.Component {
	if c.Components != nil {
		sub := joinAll(*c.Components)
		c.Components = &sub
	}
	if c.ModelCard == nil || c.ModelCard.Considerations == nil || c.ModelCard.Considerations.TechnicalLimitations == nil {
		return c
	}
	lim := *c.ModelCard.Considerations.TechnicalLimitations
	if len(lim) < 2 {
		return c
	}
	mc := *c.ModelCard
	cons := *mc.Considerations
	joined := []string{strings.Join(lim, limitationSep)}
	cons.TechnicalLimitations = &joined
	mc.Considerations = &cons
	c.ModelCard = &mc
	return c
}

// needsJoin reports whether any model card of bom has more than one
// technical limitation.
func needsJoin(bom *cdx.BOM) bool {
	var walk func(cs []cdx.Component) bool
	has := func(c cdx.Component) bool {
		mc := c.ModelCard
		if mc != nil && mc.Considerations != nil && mc.Considerations.TechnicalLimitations != nil &&
			len(*mc.Considerations.TechnicalLimitations) > 1 {
			return true
		}
		return c.Components != nil && walk(*c.Components)
	}
	walk = func(cs []cdx.Component) bool {
		for _, c := range cs {
			if has(c) {
				return true
			}
		}
		return false
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil && has(*bom.Metadata.Component) {
		return true
	}
	return bom.Components != nil && walk(*bom.Components)
}
