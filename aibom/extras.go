package aibom

import (
	"context"
	"io"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// repoExtras is what the other metadata files of a model folder say:
// where the model comes from (_name_or_path, the card's title), the
// diffusers pipeline, the sentence-transformers setup, the code its
// loaders import, its training run and its Ollama Modelfile.
type repoExtras struct {
	config, tokenizer, adapter *modelcard.RepoConfig
	// classConfig is a diffusers component's own configuration when it is
	// not config.json (scheduler_config.json).
	classConfig *modelcard.RepoConfig
	pipeline    *modelcard.Pipeline
	stVersions  map[string]string
	stModules   []string
	trainer     *modelcard.TrainerState
	modelfile   *modelcard.Modelfile
	title       string
}

// readExtras reads dir's extra metadata files. Files that readMeta also
// parses (config.json, adapter_config.json, README.md) have their errors
// reported there, not here.
func readExtras(ctx context.Context, src *listing, dir string) (repoExtras, []source.Problem) {
	var x repoExtras
	var problems []source.Problem
	open := func(name string, report bool, parse func(io.Reader, string) error) {
		if dir != "." {
			name = dir + "/" + name
		}
		for _, f := range src.Files {
			if f.Path != name {
				continue
			}
			fh, err := f.Entry.Open(ctx)
			if err == nil {
				err = parse(fh, f.Path)
				fh.Close()
			}
			if err != nil && report {
				problems = append(problems, source.Problem{Path: f.Path, Err: err})
			}
		}
	}
	repoConfig := func(dst **modelcard.RepoConfig) func(io.Reader, string) error {
		return func(r io.Reader, name string) (err error) { *dst, err = modelcard.ParseRepoConfig(r, name); return }
	}
	open("config.json", false, repoConfig(&x.config))
	open("adapter_config.json", false, repoConfig(&x.adapter))
	open("tokenizer_config.json", true, repoConfig(&x.tokenizer))
	open("scheduler_config.json", true, repoConfig(&x.classConfig))
	open("model_index.json", true, func(r io.Reader, name string) (err error) { x.pipeline, err = modelcard.ParsePipeline(r, name); return })
	open("config_sentence_transformers.json", true, func(r io.Reader, name string) (err error) {
		x.stVersions, err = modelcard.ParseSentenceTransformersConfig(r, name)
		return
	})
	open("modules.json", true, func(r io.Reader, name string) (err error) { x.stModules, err = modelcard.ParseModules(r, name); return })
	open("trainer_state.json", true, func(r io.Reader, name string) (err error) {
		x.trainer, err = modelcard.ParseTrainerState(r, name)
		return
	})
	open("Modelfile", true, func(r io.Reader, name string) (err error) {
		x.modelfile, err = modelcard.ParseModelfile(r, name)
		return
	})
	open("README.md", false, func(r io.Reader, name string) (err error) { x.title, err = modelcard.CardTitle(r, name); return })
	return x, problems
}

// className is the diffusers class of the folder's model, from its
// config.json or scheduler_config.json.
func (x repoExtras) className() string {
	for _, rc := range []*modelcard.RepoConfig{x.config, x.classConfig} {
		if rc != nil && rc.ClassName != "" {
			return rc.ClassName
		}
	}
	return ""
}
