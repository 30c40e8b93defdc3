package aibom

import (
	"fmt"
	"sort"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// weightInfo is what a weight file's header says, for the BOM.
type weightInfo struct {
	// props describe the file.
	props []cdx.Property
	// params counts parameters by dtype.
	params map[string]uint64
	// tensors is the per-tensor inventory ("name", "dtype [shape]").
	tensors [][2]string
	// baseModels and datasets are what the file's metadata names (GGUF).
	baseModels, datasets []string
	// dependsOn holds the files this one ties together (an index's
	// shards), as bom-refs.
	dependsOn []string
}

// describe turns what the file's scanner parsed during the scan
// (FileResult.Metadata, a scanners.Meta) into the BOM's view of it: the
// file is never read again, and aibom knows no format. Formats without
// metadata, and files the scan found invalid, give nil.
func describe(res scanners.FileResult) *weightInfo {
	if res.Metadata == nil {
		return nil
	}
	d := res.Metadata.Describe()
	wi := &weightInfo{params: d.Params, baseModels: d.BaseModels, datasets: d.Datasets}
	for _, p := range d.Properties {
		wi.props = append(wi.props, cdx.Property{Name: p.Name, Value: p.Value})
	}
	for _, t := range d.Tensors {
		wi.tensors = append(wi.tensors, [2]string{t.Name, t.Type})
	}
	return wi
}

// modelTotals sums the parameters of all weight files by dtype.
func modelTotals(infos []*weightInfo) []cdx.Property {
	by := map[string]uint64{}
	var total uint64
	for _, wi := range infos {
		if wi == nil {
			continue
		}
		for dt, n := range wi.params {
			by[dt] += n
			total += n
		}
	}
	if total == 0 {
		return nil
	}
	props := []cdx.Property{{Name: propModelParameters, Value: fmt.Sprint(total)}}
	dts := make([]string, 0, len(by))
	for dt := range by {
		dts = append(dts, dt)
	}
	sort.Strings(dts)
	for _, dt := range dts {
		props = append(props, cdx.Property{Name: propModelParameters + ":" + dt, Value: fmt.Sprint(by[dt])})
	}
	return props
}

// propList collects non-empty properties.
type propList []cdx.Property

func (p *propList) add(name, value string) {
	if value != "" && value != "0" {
		*p = append(*p, cdx.Property{Name: name, Value: value})
	}
}
