package aibom

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/dataset"
	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
)

// SPDX 3.0.1 constants.
const (
	spdxContext     = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
	spdxVersion     = "3.0.1"
	spdxCreationRef = "_:creationinfo"
)

// EncodeSPDX writes bom as an SPDX 3.0.1 JSON-LD document with the Core,
// Software, AI, Dataset, SimpleLicensing, Security and Extension profiles:
//
//   - the model is an ai_AIPackage (its model card in the ai_* fields),
//     ancestors from the lineage are ai_AIPackages it is descendantOf;
//   - files are software_Files with their SHA-256, contained by the model;
//   - datasets are dataset_DatasetPackages: those the card names are what
//     the model is trainedOn (its datasets list) or testedOn (its
//     model-index results), local ones are contained, and their files are
//     their hasDataFile;
//   - libraries are software_Packages the model dependsOn, with the edges
//     between them;
//   - licenses are simplelicensing_LicenseExpressions (hasDeclaredLicense);
//     a named license's text from a license file is a
//     simplelicensing_SimpleLicensingText its LicenseRef- maps to;
//   - scan findings are security_Vulnerabilities their file
//     hasAssociatedVulnerability;
//   - every CycloneDX property is kept in an extension_CdxPropertiesExtension.
//
// The mapping is from the CycloneDX BOM, so both formats say the same.
// Output is deterministic: element ids derive from the BOM's serial number
// and bom-refs, and keys are sorted.
func EncodeSPDX(w io.Writer, bom *cdx.BOM) error {
	if bom.Metadata == nil || bom.Metadata.Component == nil {
		return fmt.Errorf("aibom: SPDX: the BOM has no metadata.component")
	}
	s := newSPDXWriter(bom)
	s.build()
	b, err := json.MarshalIndent(map[string]any{"@context": spdxContext, "@graph": s.graph}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

type spdxWriter struct {
	bom      *cdx.BOM
	ns       string // spdxId prefix
	graph    []map[string]any
	elements []string          // spdxIds of every element, in order
	ids      map[string]string // bom-ref -> spdxId
	types    map[string]string // bom-ref -> SPDX type
	licenses map[string]string // expression -> spdxId
	texts    map[string]bool   // spdxIds of the license texts added
	profiles map[string]bool
}

func newSPDXWriter(bom *cdx.BOM) *spdxWriter {
	ns := bom.SerialNumber
	if ns == "" {
		// No serial number: derive a stable one from what the BOM describes.
		h := sha256.Sum256([]byte(bom.Metadata.Component.BOMRef + "\x00" + bom.Metadata.Timestamp))
		ns = "urn:aibom:" + hex.EncodeToString(h[:16])
	}
	return &spdxWriter{
		bom: bom, ns: ns + "#",
		ids: map[string]string{}, types: map[string]string{}, licenses: map[string]string{}, texts: map[string]bool{},
		profiles: map[string]bool{"core": true, "software": true, "ai": true},
	}
}

// id is the spdxId for a bom-ref: the document's namespace and the
// bom-ref, with characters an IRI fragment cannot hold percent-encoded.
func (s *spdxWriter) id(ref string) string {
	var b strings.Builder
	b.WriteString(s.ns)
	for _, c := range []byte(ref) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// add appends an element: its type, spdxId and creation info are set here.
func (s *spdxWriter) add(typ, id string, fields map[string]any) {
	fields["type"] = typ
	fields["spdxId"] = id
	fields["creationInfo"] = spdxCreationRef
	s.graph = append(s.graph, fields)
	s.elements = append(s.elements, id)
}

func (s *spdxWriter) build() {
	md := s.bom.Metadata
	created := time.Unix(0, 0).UTC()
	if t, err := time.Parse(time.RFC3339, md.Timestamp); err == nil {
		created = t.UTC()
	}
	agent, tool := s.ns+"agent:aibom", s.ns+"tool:aibom"
	version := "dev"
	if md.Tools != nil && md.Tools.Components != nil {
		for _, t := range *md.Tools.Components {
			if t.Name == ToolName && t.Version != "" {
				version = t.Version
			}
		}
	}
	s.graph = append(s.graph, map[string]any{
		"type": "CreationInfo", "@id": spdxCreationRef, "specVersion": spdxVersion,
		"created": created.Format("2006-01-02T15:04:05Z"), "createdBy": []string{agent}, "createdUsing": []string{tool},
	})
	s.add("SoftwareAgent", agent, map[string]any{"name": ToolName})
	s.add("Tool", tool, map[string]any{"name": ToolName + " " + version})

	model := *md.Component
	s.component(model)
	var comps []cdx.Component
	if s.bom.Components != nil {
		comps = *s.bom.Components
	}
	for _, c := range comps {
		s.component(c)
	}
	s.lineage(model)
	for _, c := range comps {
		if c.Type == cdx.ComponentTypeMachineLearningModel {
			s.lineage(c)
		}
	}
	s.dependencies(model)
	for _, c := range append([]cdx.Component{model}, comps...) {
		s.declaredLicense(c)
	}
	s.findings()

	profiles := make([]string, 0, len(s.profiles))
	for p := range s.profiles {
		profiles = append(profiles, p)
	}
	sort.Strings(profiles)
	elements := append([]string(nil), s.elements...)
	sbom := s.ns + "sbom"
	s.add("software_Sbom", sbom, map[string]any{
		"name": "AI-BOM of " + fullName(model), "rootElement": []string{s.ids[model.BOMRef]},
		"element": elements, "software_sbomType": []string{"analyzed"}, "profileConformance": profiles,
	})
	s.add("SpdxDocument", s.ns+"document", map[string]any{
		"name": "AI-BOM of " + fullName(model), "rootElement": []string{sbom},
		"element": append(elements, sbom), "profileConformance": profiles,
	})
}

func fullName(c cdx.Component) string {
	if c.Group != "" {
		return c.Group + "/" + c.Name
	}
	return c.Name
}

// component adds the element for one CycloneDX component.
func (s *spdxWriter) component(c cdx.Component) {
	id := s.id(c.BOMRef)
	s.ids[c.BOMRef] = id
	f := map[string]any{"name": fullName(c)}
	if c.Description != "" {
		f["description"] = c.Description
	}
	if c.Hashes != nil {
		var hs []map[string]any
		for _, h := range *c.Hashes {
			if h.Algorithm == cdx.HashAlgoSHA256 {
				hs = append(hs, map[string]any{"type": "Hash", "algorithm": "sha256", "hashValue": h.Value})
			}
		}
		if len(hs) > 0 {
			f["verifiedUsing"] = hs
		}
	}
	if ext := s.extension(c.Properties); ext != nil {
		f["extension"] = ext
	}
	typ := "software_Package"
	switch c.Type {
	case cdx.ComponentTypeFile:
		typ = "software_File"
		f["software_primaryPurpose"] = filePurpose(c)
	case cdx.ComponentTypeMachineLearningModel:
		typ = "ai_AIPackage"
		f["software_primaryPurpose"] = "model"
		s.modelCard(c, f)
	case cdx.ComponentTypeData:
		typ = "dataset_DatasetPackage"
		s.profiles["dataset"] = true
		f["software_primaryPurpose"] = "data"
		datasetFields(c, f)
	case cdx.ComponentTypeLibrary:
		f["software_primaryPurpose"] = "library"
	default:
		f["software_primaryPurpose"] = "other"
	}
	if typ != "software_File" {
		if c.Version != "" {
			f["software_packageVersion"] = c.Version
		}
		if c.PackageURL != "" {
			f["software_packageUrl"] = c.PackageURL
			f["externalIdentifier"] = []map[string]any{{
				"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl", "identifier": c.PackageURL,
			}}
			if u := distribution(c); u != "" {
				f["software_downloadLocation"] = u
			} else if strings.HasPrefix(c.PackageURL, "pkg:huggingface/") {
				f["software_downloadLocation"] = "https://huggingface.co/" + fullName(c)
			}
		}
	}
	s.types[c.BOMRef] = typ
	s.add(typ, id, f)
}

// distribution returns the URL of c's first distribution reference, "" if none.
func distribution(c cdx.Component) string {
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			if r.Type == cdx.ERTypeDistribution {
				return r.URL
			}
		}
	}
	return ""
}

// filePurpose maps aibom's file role to SPDX's software purpose.
func filePurpose(c cdx.Component) string {
	switch property(c, propFileRole) {
	case "weights":
		return "model"
	case "dataset", "tokenizer":
		return "data"
	case "config", "chat-template":
		return "configuration"
	case "card", "license":
		return "documentation"
	case "code":
		return "source"
	}
	return "file"
}

// property returns the value of c's property name, "" when it has none.
func property(c cdx.Component, name string) string {
	if c.Properties != nil {
		for _, p := range *c.Properties {
			if p.Name == name {
				return p.Value
			}
		}
	}
	return ""
}

// extension keeps CycloneDX properties in SPDX's CycloneDX-properties
// extension, so that nothing aibom records is lost in SPDX.
func (s *spdxWriter) extension(props *[]cdx.Property) []map[string]any {
	if props == nil || len(*props) == 0 {
		return nil
	}
	s.profiles["extension"] = true
	var entries []map[string]any
	for _, p := range *props {
		e := map[string]any{"type": "extension_CdxPropertyEntry", "extension_cdxPropName": p.Name}
		if p.Value != "" {
			e["extension_cdxPropValue"] = p.Value
		}
		entries = append(entries, e)
	}
	return []map[string]any{{"type": "extension_CdxPropertiesExtension", "extension_cdxProperty": entries}}
}

// modelCard maps the CycloneDX model card onto the AI profile.
func (s *spdxWriter) modelCard(c cdx.Component, f map[string]any) {
	mc := c.ModelCard
	if mc == nil {
		return
	}
	if p := mc.ModelParameters; p != nil {
		modelParameters(p, f, datasetUses([]cdx.Component{c}), c.BOMRef)
	}
	if q := mc.QuantitativeAnalysis; q != nil && q.PerformanceMetrics != nil {
		if ms := metrics(*q.PerformanceMetrics); len(ms) > 0 {
			f["ai_metric"] = ms
		}
	}
	if cons := mc.Considerations; cons != nil {
		considerations(cons, f)
	}
	if s.usesPersonalData() {
		f["ai_useSensitivePersonalInformation"] = "yes"
	}
}

// modelParameters fills the AI profile's fields from the model parameters;
// the training information names the datasets the model was trained on
// (uses, from datasetUses), not those it was only evaluated on.
func modelParameters(p *cdx.MLModelParameters, f map[string]any, uses map[string][]string, model string) {
	var types []string
	for _, t := range []string{p.ArchitectureFamily, p.ModelArchitecture} {
		if t != "" {
			types = append(types, t)
		}
	}
	if len(types) > 0 {
		f["ai_typeOfModel"] = types
	}
	if p.Task != "" {
		f["ai_informationAboutApplication"] = "task: " + p.Task
	}
	if p.Datasets == nil {
		return
	}
	var names []string
	for _, d := range *p.Datasets {
		if rts := uses[model+"\x00"+d.Ref]; len(rts) > 0 && rts[0] != "trainedOn" {
			continue
		}
		n := strings.TrimPrefix(d.Ref, "dataset:")
		if d.ComponentData != nil && d.ComponentData.Name != "" {
			n = d.ComponentData.Name
		}
		if n != "" {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		f["ai_informationAboutTraining"] = "datasets: " + strings.Join(names, ", ")
	}
}

// metrics are the model-index results as dictionary entries: the metric
// (and slice) as the key, the value as the value.
func metrics(pm []cdx.MLPerformanceMetric) []map[string]any {
	var ms []map[string]any
	for _, m := range pm {
		key := m.Type
		if m.Slice != "" {
			key += " (" + m.Slice + ")"
		}
		if key == "" {
			continue
		}
		e := map[string]any{"type": "DictionaryEntry", "key": key}
		if m.Value != "" {
			e["value"] = m.Value
		}
		ms = append(ms, e)
	}
	return ms
}

func considerations(cons *cdx.MLModelCardConsiderations, f map[string]any) {
	var lim []string
	if cons.TechnicalLimitations != nil {
		lim = append(lim, *cons.TechnicalLimitations...)
	}
	if cons.EthicalConsiderations != nil {
		for _, e := range *cons.EthicalConsiderations {
			if e.Name != "" {
				lim = append(lim, e.Name)
			}
		}
	}
	if len(lim) > 0 {
		f["ai_limitation"] = strings.Join(lim, "\n\n")
	}
	if cons.UseCases != nil && len(*cons.UseCases) > 0 {
		app, _ := f["ai_informationAboutApplication"].(string)
		f["ai_informationAboutApplication"] = strings.TrimSpace(app + "\n" + strings.Join(*cons.UseCases, "\n"))
	}
}

// usesPersonalData reports whether a local dataset's sample held personal
// data.
func (s *spdxWriter) usesPersonalData() bool {
	if s.bom.Components == nil {
		return false
	}
	for _, c := range *s.bom.Components {
		if c.Type == cdx.ComponentTypeData && hasPII(c) {
			return true
		}
	}
	return false
}

func hasPII(c cdx.Component) bool {
	if c.Data == nil {
		return false
	}
	for _, d := range *c.Data {
		if d.Classification == dataset.ClassPII || d.Classification == dataset.ClassPIIAndSecrets {
			return true
		}
	}
	return false
}

// datasetFields fills the Dataset profile. The type is known only for
// local datasets (tabular files: structured); PII is "yes" when the sample
// held some, never "no", since a sample cannot show its absence.
func datasetFields(c cdx.Component, f map[string]any) {
	f["dataset_datasetType"] = []string{"noAssertion"}
	if strings.HasPrefix(c.BOMRef, "dataset:local/") {
		f["dataset_datasetType"] = []string{"structured"}
	}
	f["dataset_hasSensitivePersonalInformation"] = "noAssertion"
	if hasPII(c) {
		f["dataset_hasSensitivePersonalInformation"] = "yes"
	}
	if c.Data != nil {
		var notes []string
		for _, d := range *c.Data {
			if d.SensitiveData != nil {
				notes = append(notes, *d.SensitiveData...)
			}
		}
		if len(notes) > 0 {
			f["comment"] = "sensitive data in the sample (counts): " + strings.Join(notes, ", ")
		}
	}
}

// lineage adds the model's ancestors and descendantOf relationships.
func (s *spdxWriter) lineage(model cdx.Component) {
	if model.Pedigree == nil || model.Pedigree.Ancestors == nil {
		return
	}
	for _, a := range *model.Pedigree.Ancestors {
		if a.BOMRef == "" || s.ids[a.BOMRef] != "" {
			continue
		}
		s.component(a)
		s.relationship(model.BOMRef, "descendantOf", []string{a.BOMRef}, property(a, propLineageRelation), ":"+a.BOMRef)
	}
}

// dependencies turns the CycloneDX graph into relationships, choosing the
// SPDX type from what is on each end.
func (s *spdxWriter) dependencies(model cdx.Component) {
	if s.bom.Dependencies == nil {
		return
	}
	models := []cdx.Component{model}
	if s.bom.Components != nil {
		models = append(models, *s.bom.Components...)
	}
	uses := datasetUses(models)
	for _, d := range *s.bom.Dependencies {
		if d.Dependencies == nil || s.ids[d.Ref] == "" {
			continue
		}
		byType := map[string][]string{}
		var order []string
		for _, to := range *d.Dependencies {
			if s.ids[to] == "" {
				continue
			}
			rts := uses[d.Ref+"\x00"+to]
			if s.types[to] != "dataset_DatasetPackage" || len(rts) == 0 {
				rts = []string{s.relationType(d.Ref, to)}
			}
			for _, rt := range rts {
				if _, ok := byType[rt]; !ok {
					order = append(order, rt)
				}
				byType[rt] = append(byType[rt], to)
			}
		}
		for _, rt := range order {
			s.relationship(d.Ref, rt, byType[rt], "", "")
		}
	}
}

// datasetUses gives, by "model ref\x00dataset ref", how each model used
// each dataset of its model card: trainedOn, testedOn or both. The model's
// card properties say which datasets it was evaluated on; the others of
// its modelParameters.datasets it was trained on.
func datasetUses(models []cdx.Component) map[string][]string {
	uses := map[string][]string{}
	for _, m := range models {
		mc := m.ModelCard
		if mc == nil || mc.ModelParameters == nil || mc.ModelParameters.Datasets == nil {
			continue
		}
		trained, evaluated := propertySet(m, modelcard.PropDatasetTraining), propertySet(m, modelcard.PropDatasetEvaluation)
		for _, d := range *mc.ModelParameters.Datasets {
			var rts []string
			if trained[d.Ref] || !evaluated[d.Ref] {
				rts = append(rts, "trainedOn")
			}
			if evaluated[d.Ref] {
				rts = append(rts, "testedOn")
			}
			uses[m.BOMRef+"\x00"+d.Ref] = rts
		}
	}
	return uses
}

// propertySet returns the values of c's properties called name.
func propertySet(c cdx.Component, name string) map[string]bool {
	set := map[string]bool{}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			if p.Name == name {
				set[p.Value] = true
			}
		}
	}
	return set
}

func (s *spdxWriter) relationType(from, to string) string {
	switch ft, tt := s.types[from], s.types[to]; {
	case tt == "software_File" && ft == "dataset_DatasetPackage":
		return "hasDataFile"
	case tt == "software_File", tt == "ai_AIPackage" && ft == "ai_AIPackage":
		return "contains" // a model's files, and the models in its folders
	case tt == "dataset_DatasetPackage" && (strings.HasPrefix(to, "dataset:local/") || strings.HasPrefix(to, "dataset:kit/")):
		return "contains"
	}
	return "dependsOn"
}

// relationship adds one relationship; key tells apart several of the same
// type from the same element.
func (s *spdxWriter) relationship(from, typ string, to []string, comment, key string) {
	ids := make([]string, len(to))
	for i, t := range to {
		ids[i] = s.ids[t]
	}
	f := map[string]any{"from": s.ids[from], "relationshipType": typ, "to": ids}
	if comment != "" {
		f["comment"] = comment
	}
	s.add("Relationship", s.id("rel:"+from+":"+typ+key), f)
}

// declaredLicense adds the component's licenses as one expression.
func (s *spdxWriter) declaredLicense(c cdx.Component) {
	if c.Licenses == nil || len(*c.Licenses) == 0 || s.ids[c.BOMRef] == "" {
		return
	}
	var parts []string
	var custom []map[string]any // LicenseRef- -> the element holding its text
	for _, l := range *c.Licenses {
		switch {
		case l.Expression != "":
			parts = append(parts, l.Expression)
		case l.License != nil && l.License.ID != "":
			parts = append(parts, l.License.ID)
		case l.License != nil && l.License.Name != "":
			ref := licenseRef(l.License.Name)
			parts = append(parts, ref)
			if id := s.licenseText(ref, l.License); id != "" {
				custom = append(custom, map[string]any{"type": "DictionaryEntry", "key": ref, "value": id})
			}
		}
	}
	if len(parts) == 0 {
		return
	}
	expr := parts[0]
	if len(parts) > 1 {
		for i, p := range parts {
			if strings.Contains(p, " ") {
				parts[i] = "(" + p + ")"
			}
		}
		expr = strings.Join(parts, " AND ")
	}
	lid, ok := s.licenses[expr]
	if !ok {
		s.profiles["simpleLicensing"] = true
		lid = s.id("license:" + expr)
		s.licenses[expr] = lid
		f := map[string]any{"simplelicensing_licenseExpression": expr}
		if len(custom) > 0 {
			f["simplelicensing_customIdToUri"] = custom
		}
		s.add("simplelicensing_LicenseExpression", lid, f)
	}
	s.add("Relationship", s.id("rel:"+c.BOMRef+":hasDeclaredLicense"), map[string]any{
		"from": s.ids[c.BOMRef], "relationshipType": "hasDeclaredLicense", "to": []string{lid},
	})
}

// licenseText adds, once per LicenseRef, a simplelicensing_SimpleLicensingText
// holding a named license's text (from the repository's license file) and
// returns its spdxId; "" when the license has no text SPDX can carry.
func (s *spdxWriter) licenseText(ref string, l *cdx.License) string {
	if l.Text == nil || l.Text.Content == "" {
		return ""
	}
	text := l.Text.Content
	if l.Text.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil || !utf8.Valid(b) {
			return ""
		}
		text = string(b)
	}
	id := s.id("license-text:" + ref)
	if !s.texts[id] {
		s.texts[id] = true
		s.profiles["simpleLicensing"] = true
		s.add("simplelicensing_SimpleLicensingText", id, map[string]any{"name": l.Name, "simplelicensing_licenseText": text})
	}
	return id
}

// licenseRef turns a license name that is not an SPDX id (llama3,
// "Gemma Terms of Use") into a LicenseRef- the SPDX expression grammar
// accepts.
func licenseRef(name string) string {
	var b strings.Builder
	b.WriteString("LicenseRef-")
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// findings adds each scan finding as a vulnerability of its file.
func (s *spdxWriter) findings() {
	if s.bom.Vulnerabilities == nil {
		return
	}
	for i, v := range *s.bom.Vulnerabilities {
		ref := v.BOMRef
		if ref == "" {
			ref = fmt.Sprintf("finding:%d", i)
		}
		s.profiles["security"] = true
		id := s.id(ref)
		f := map[string]any{"name": v.ID, "description": v.Description,
			"externalIdentifier": []map[string]any{{
				"type": "ExternalIdentifier", "externalIdentifierType": "securityOther", "identifier": v.ID,
			}}}
		if v.Ratings != nil && len(*v.Ratings) > 0 {
			f["summary"] = fmt.Sprintf("%s: %s", (*v.Ratings)[0].Severity, v.ID)
		}
		if ext := s.extension(v.Properties); ext != nil {
			f["extension"] = ext
		}
		s.add("security_Vulnerability", id, f)
		if v.Affects == nil {
			continue
		}
		for _, a := range *v.Affects {
			if s.ids[a.Ref] == "" {
				continue
			}
			s.add("Relationship", s.id("rel:"+ref+":"+a.Ref), map[string]any{
				"from": s.ids[a.Ref], "relationshipType": "hasAssociatedVulnerability", "to": []string{id},
			})
		}
	}
}
