package modelcard

import (
	"regexp"
	"sync"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// hubDatasetsURL is where the Hugging Face Hub serves dataset repositories.
const hubDatasetsURL = "https://huggingface.co/datasets"

// hubIDExpr matches a Hub repository id: "name" or "org/name", of the
// characters the Hub allows, not starting or ending with a separator.
var hubIDExpr = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?/)?[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$`)
})

// DatasetLinks returns where a dataset the card names lives on the Hub:
// the URL of its page and a pkg:huggingface package URL qualified with the
// Hub's datasets repository (the purl type names model repositories at
// https://huggingface.co; repository_url points it at the datasets, so the
// purl resolves to the dataset's page and cannot be taken for a model of
// the same name). Both are "" for a name that is not a Hub id (a display
// name such as "SQuAD v2", a path, another site's URL).
func DatasetLinks(name string) (pageURL, purl string) {
	id := hubID(name, hubDatasetsURL+"/")
	if !hubIDExpr().MatchString(id) || containsDotDot(id) {
		return "", ""
	}
	return hubDatasetsURL + "/" + id, PackageURL(id, "") + "?repository_url=" + escape(hubDatasetsURL)
}

func containsDotDot(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == '.' {
			return true
		}
	}
	return false
}

// DatasetComponent returns the data component of a dataset the card names,
// with the bom-ref ModelCard refers to and, for a Hub id, its page as a
// distribution reference and its package URL.
func DatasetComponent(name string) cdx.Component {
	id := hubID(name, hubDatasetsURL+"/")
	c := cdx.Component{
		Type: cdx.ComponentTypeData, Name: id, BOMRef: DatasetRef(id),
		Data: &[]cdx.ComponentData{{Type: cdx.ComponentDataTypeDataset, Name: id}},
	}
	if page, purl := DatasetLinks(id); page != "" {
		c.PackageURL = purl
		c.ExternalReferences = &[]cdx.ExternalReference{{
			Type: cdx.ERTypeDistribution, URL: page, Comment: "Hugging Face Hub dataset repository",
		}}
	}
	return c
}
