package aibom

import (
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
)

// Properties of pipelines, training runs and Modelfiles.
const (
	propDiffusersPipeline  = "aibom:diffusers:pipeline"
	propDiffusersVersion   = "aibom:diffusers:version"
	propDiffusersComponent = "aibom:diffusers:component"
	propDiffusersClass     = "aibom:diffusers:class"
	propSTModule           = "aibom:sentence_transformers:module"
	propTrainingPrefix     = "aibom:training:"
	propOllamaPrefix       = "aibom:ollama:"
	propGGUFPrefix         = "aibom:gguf:"
)

// parameters returns c's model parameters, creating them.
func parameters(c *cdx.Component) *cdx.MLModelParameters {
	if c.ModelCard == nil {
		c.ModelCard = &cdx.MLModelCard{}
	}
	if c.ModelCard.ModelParameters == nil {
		c.ModelCard.ModelParameters = &cdx.MLModelParameters{}
	}
	return c.ModelCard.ModelParameters
}

// setArchitecture sets the model's architecture when nothing else has.
func setArchitecture(c *cdx.Component, arch string) {
	if arch == "" {
		return
	}
	if mp := parameters(c); mp.ModelArchitecture == "" {
		mp.ModelArchitecture = arch
	}
}

// describePipeline records a diffusers pipeline (model_index.json): its
// class, which is the model's architecture, and the diffusers version.
func describePipeline(c *cdx.Component, x repoExtras) {
	p := x.pipeline
	if p == nil {
		return
	}
	var props propList
	props.add(propDiffusersPipeline, p.ClassName)
	props.add(propDiffusersVersion, p.DiffusersVersion)
	*c.Properties = append(*c.Properties, props...)
	setArchitecture(c, p.ClassName)
}

// describeExtras records the rest of a model folder's metadata: the
// architecture a diffusers config names, the sentence-transformers
// modules, the training run and the Ollama Modelfile.
func describeExtras(c *cdx.Component, x repoExtras) {
	setArchitecture(c, x.className())
	for _, m := range x.stModules {
		*c.Properties = append(*c.Properties, cdx.Property{Name: propSTModule, Value: m})
	}
	describeTraining(c, x.trainer)
	describeModelfile(c, x.modelfile)
}

func describeTraining(c *cdx.Component, ts *modelcard.TrainerState) {
	if ts == nil {
		return
	}
	var props propList
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	fp := func(v *float64) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	props.add(propTrainingPrefix+"global_step", strconv.FormatInt(ts.GlobalStep, 10))
	props.add(propTrainingPrefix+"epoch", f(ts.Epoch))
	props.add(propTrainingPrefix+"num_train_epochs", strconv.FormatInt(ts.NumTrainEpochs, 10))
	props.add(propTrainingPrefix+"train_batch_size", strconv.FormatInt(ts.BatchSize, 10))
	props.add(propTrainingPrefix+"total_flos", f(ts.TotalFLOs))
	props.add(propTrainingPrefix+"final_loss", fp(ts.FinalLoss))
	props.add(propTrainingPrefix+"final_eval_loss", fp(ts.FinalEvalLoss))
	props.add(propTrainingPrefix+"best_metric", fp(ts.BestMetric))
	props.add(propTrainingPrefix+"best_checkpoint", ts.BestCheckpoint)
	*c.Properties = append(*c.Properties, props...)
}

// describeModelfile records an Ollama Modelfile: what it builds from, its
// parameters, and its system prompt and template (their presence; the
// template's text is in the file). Its LICENSE names the license when the
// card gave none.
func describeModelfile(c *cdx.Component, mf *modelcard.Modelfile) {
	if mf == nil {
		return
	}
	var props propList
	props.add(propOllamaPrefix+"from", mf.From)
	for _, a := range mf.Adapters {
		props.add(propOllamaPrefix+"adapter", a)
	}
	for _, k := range mf.ParameterNames() {
		for _, v := range mf.Parameters[k] {
			props.add(propOllamaPrefix+"parameter:"+k, v)
		}
	}
	props.add(propOllamaPrefix+"system", mf.System)
	if mf.Template != "" {
		props.add(propOllamaPrefix+"template", "present")
	}
	*c.Properties = append(*c.Properties, props...)
	if lic := strings.TrimSpace(mf.License); lic != "" && (c.Licenses == nil || len(*c.Licenses) == 0) {
		name := strings.SplitN(lic, "\n", 2)[0]
		c.Licenses = &cdx.Licenses{{License: &cdx.License{Name: name}}}
	}
}

// ggufAsModel copies the header metadata of the GGUF file that is the
// model's counted copy to the model: architecture, quantization, context
// length, name, license.
func ggufAsModel(c *cdx.Component, files []fileEntry, counted []int) {
	var gguf *weightInfo
	for _, i := range counted {
		if strings.HasSuffix(strings.ToLower(files[i].src.Path), ".gguf") && files[i].info != nil {
			if gguf != nil {
				return // several GGUF parts: no single header describes the model
			}
			gguf = files[i].info
		}
	}
	if gguf == nil {
		return
	}
	for _, p := range gguf.props {
		if !strings.HasPrefix(p.Name, propGGUFPrefix) || strings.HasPrefix(p.Name, propGGUFPrefix+"chat_template:") {
			continue
		}
		*c.Properties = append(*c.Properties, p)
		switch strings.TrimPrefix(p.Name, propGGUFPrefix) {
		case "architecture":
			setArchitecture(c, p.Value)
		case "license":
			if c.Licenses == nil || len(*c.Licenses) == 0 {
				lic := licenseChoices(p.Value)
				c.Licenses = &lic
			}
		}
	}
}

// addAncestor adds a model c derives from to its pedigree, unless it is
// there.
func addAncestor(c *cdx.Component, name, relation, source string) {
	if name == "" {
		return
	}
	if c.Pedigree == nil {
		c.Pedigree = &cdx.Pedigree{}
	}
	if c.Pedigree.Ancestors == nil {
		c.Pedigree.Ancestors = &[]cdx.Component{}
	}
	for _, a := range *c.Pedigree.Ancestors {
		if strings.EqualFold(a.Name, name) {
			return
		}
	}
	*c.Pedigree.Ancestors = append(*c.Pedigree.Ancestors, cdx.Component{
		Type: cdx.ComponentTypeMachineLearningModel, Name: name, BOMRef: refAncestor + name,
		PackageURL: modelcard.PackageURL(name, ""),
		Properties: &[]cdx.Property{{Name: propLineageRelation, Value: relation}, {Name: propLineageSource, Value: source}},
	})
}
