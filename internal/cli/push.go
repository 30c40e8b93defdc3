package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/aibom"
	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

// pushOptions are the flags of `aibom push`.
type pushOptions struct {
	registry registryOptions
	format   string
	desc     oci.ModelDescriptor
	arch     oci.ModelArch
	// signModel is the key of --sign-model.
	signModel string
}

// AddFlags registers the flags on cmd.
func (o *pushOptions) AddFlags(cmd *cobra.Command) {
	o.registry.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output: text or json")
	f.StringVar(&o.signModel, "sign-model", "", "sign with this key (a PEM or cosign key file, its password in COSIGN_PASSWORD, or a KMS URI): the model's files with OpenSSF Model Signing, attached as a referrer, and the pushed digest with a cosign signature")
	f.StringVar(&o.desc.Name, "name", "", "model name for the ModelPack config (default: the folder's name)")
	f.StringVar(&o.desc.Version, "model-version", "", "model version")
	f.StringSliceVar(&o.desc.Authors, "author", nil, "model author (repeatable)")
	f.StringSliceVar(&o.desc.Licenses, "license", nil, "SPDX license of the model (repeatable)")
	f.StringVar(&o.desc.SourceURL, "source-url", "", "where the model comes from")
	f.StringVar(&o.arch.Architecture, "architecture", "", "model architecture (transformer, llama, ...)")
	f.StringVar(&o.arch.Format, "weights-format", "", "weights format (safetensors, gguf, ...)")
	f.StringVar(&o.arch.ParamSize, "param-size", "", "parameter count (8b, 70b, ...)")
	f.StringVar(&o.arch.Precision, "precision", "", "precision (bf16, fp16, int8, ...)")
	f.StringVar(&o.arch.Quantization, "quantization", "", "quantization (awq, gptq, q4_k_m, ...)")
}

func newPush(stdout io.Writer) *cobra.Command {
	o := &pushOptions{}
	cmd := &cobra.Command{
		Use:   "push DIR oci://REF",
		Short: "Publish a model folder as a CNCF ModelPack artifact",
		Long: `Package the model in DIR as a CNCF ModelPack OCI artifact, push it and print
its digest. The ModelPack config's descriptor takes the flags below; those
not given come from the model card (README.md front matter: license,
model_name, model_creator) and config.json (model_type, torch_dtype,
quantization_config) when they say.

Each weight file is one raw layer (media type
application/vnd.cncf.model.weight.v1.raw, annotation org.cncf.model.filepath),
so that the layer's digest is the file's SHA-256: the value 'aibom generate'
records. The other files are grouped by role, as 'aibom generate' classifies
them, into deterministic tar layers: config and tokenizer files
(weight.config), documents (doc), code (code) and datasets (dataset). Pushing
the same folder twice gives the same digests.

Files are streamed from disk (read once to hash, once to upload), never
copied. Blobs the registry already has are not uploaded again.
Credentials come from the docker config and its credential helpers.

With --sign-model KEY, the folder's files are first signed with OpenSSF
Model Signing (the model.sig that 'aibom sign DIR' writes: OMS v1.0, files
serialization) and, once pushed, the signature is attached to the digest as
a referrer (a Sigstore bundle, predicate type ` + verify.PredicateModelSigning + `)
next to a cosign-compatible signature of the digest (cosign's tag layout).
'aibom verify --require signature,model-signing' checks both: the model
signature's file digests against the raw layers' digests and the hashes of
the tar layers' members.`,
		Example: `  aibom push ./llama-3-8b oci://registry.example/models/llama-3-8b:v1 --license llama3
  aibom push ./model oci://localhost:5000/m:v1 --format json

  # sign the files (OpenSSF Model Signing) and the digest (cosign) while pushing
  COSIGN_PASSWORD=... aibom push ./model oci://localhost:5000/m:v1 --sign-model cosign.key
  aibom verify oci://localhost:5000/m:v1 --key cosign.pub --require signature,model-signing`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPush(cmd, o, args[0], args[1], stdout)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runPush(cmd *cobra.Command, o *pushOptions, dir, refStr string, stdout io.Writer) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	reg, ref, err := o.registry.reference(refStr)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	src, err := source.Open(ctx, dir)
	if err != nil {
		return err
	}
	listed, problems, err := source.List(ctx, src)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s: %w", dir, problems[0].Path, problems[0].Err)
	}
	var files []oci.PushFile
	for _, f := range listed {
		role, err := pushRole(ctx, f)
		if err != nil {
			return err
		}
		files = append(files, oci.PushFile{Path: f.Path, Size: f.Size, Role: role,
			Open: func() (io.ReadCloser, error) { return f.Entry.Open(ctx) }})
	}
	cardDefaults(ctx, listed, &o.desc, &o.arch)
	if o.desc.Name == "" {
		o.desc.Name = src.Info().Name
	}
	img, err := oci.NewModelPack(ctx, files, oci.ModelConfig{Descriptor: o.desc, Config: o.arch})
	if err != nil {
		return err
	}
	ms, err := o.modelSignature(ctx, dir)
	if err != nil {
		return err
	}
	d, err := oci.Push(ctx, reg, ref, img)
	if err != nil {
		return err
	}
	if ms != nil {
		if err := ms.attach(ctx, reg, ref.Context().Digest(d.String())); err != nil {
			return err
		}
	}
	if o.format == "json" {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"reference": ref.Context().Digest(d.String()).String(), "digest": d.String(), "files": len(files),
			"signed": ms != nil,
		})
	}
	_, err = fmt.Fprintf(stdout, "%s\n", ref.Context().Digest(d.String()))
	return err
}

// cardDefaults fills the descriptor fields that the flags left empty from
// the model card (README.md) and config.json, when they say.
func cardDefaults(ctx context.Context, files []source.File, d *oci.ModelDescriptor, a *oci.ModelArch) {
	for _, f := range files {
		switch f.Path {
		case "README.md":
			if rc, err := f.Entry.Open(ctx); err == nil {
				// A card with a problem (front matter not at the top, metrics
				// over the bound, malformed front matter) still has what it
				// could read; only an unreadable card gives nil.
				if c, _ := modelcard.ParseCard(rc, f.Path); c != nil {
					descriptorFromCard(c, d)
				}
				rc.Close()
			}
		case "config.json":
			if rc, err := f.Entry.Open(ctx); err == nil {
				if c, err := modelcard.ParseConfig(rc, f.Path); err == nil {
					archFromConfig(c, a)
				}
				rc.Close()
			}
		}
	}
}

// descriptorFromCard fills the descriptor fields left empty from the card.
func descriptorFromCard(c *modelcard.Card, d *oci.ModelDescriptor) {
	if len(d.Licenses) == 0 {
		d.Licenses = c.License
	}
	if d.Name == "" {
		d.Name = c.ModelName
	}
	if len(d.Authors) == 0 && c.ModelCreator != "" {
		d.Authors = []string{c.ModelCreator}
	}
}

// archFromConfig fills the architecture fields left empty from config.json.
func archFromConfig(c *modelcard.Config, a *oci.ModelArch) {
	if a.Architecture == "" {
		a.Architecture = c.ModelType
	}
	if a.Precision == "" {
		a.Precision = c.DType
	}
	if a.Quantization == "" && c.Quantization != nil {
		a.Quantization = c.Quantization.Method
	}
}

// pushRole decides a file's layer from aibom's classifier: the format its
// first bytes show, then aibom.Role.
func pushRole(ctx context.Context, f source.File) (oci.Role, error) {
	ra, err := f.ReaderAt(ctx)
	if err != nil {
		return "", err
	}
	defer ra.Close()
	head := make([]byte, min(f.Size, scanners.HeadSize))
	if n, err := ra.ReadAt(head, 0); err != nil && (!errors.Is(err, io.EOF) || n != len(head)) {
		return "", fmt.Errorf("%s: %w", f.Path, err)
	}
	format := "unknown"
	sf := scanners.File{Path: f.Path, Size: f.Size, R: ra}
	for _, s := range runner.Default() {
		if s.Match(sf, head) {
			format = s.Name()
			break
		}
	}
	switch aibom.Role(f.Path, format) {
	case "weights":
		return oci.RoleWeights, nil
	case "config", "chat-template":
		return oci.RoleConfig, nil
	case "tokenizer":
		return oci.RoleTokenizer, nil
	case "code":
		return oci.RoleCode, nil
	case "dataset":
		return oci.RoleDataset, nil
	default:
		return oci.RoleDoc, nil
	}
}

// pushSignature is what --sign-model attaches after the push.
type pushSignature struct {
	bundle []byte // the OMS signature of the folder's files
	signer *verify.Signer
}

// modelSignature signs dir's files with OpenSSF Model Signing before the
// push, so that a key error stops it before anything is uploaded.
func (o *pushOptions) modelSignature(ctx context.Context, dir string) (*pushSignature, error) {
	if o.signModel == "" {
		return nil, nil
	}
	sv, err := modelsig.LoadKey(ctx, o.signModel, []byte(os.Getenv("COSIGN_PASSWORD")))
	if err != nil {
		return nil, usageError{err}
	}
	ms, err := modelsig.NewKeySigner(sv)
	if err != nil {
		return nil, usageError{err}
	}
	b, err := modelsig.SignBundle(ctx, dir, ms)
	if err != nil {
		if errors.Is(err, modelsig.ErrConfig) {
			return nil, usageError{err}
		}
		return nil, err
	}
	s, err := verify.NewSigner(sv)
	if err != nil {
		return nil, usageError{err}
	}
	return &pushSignature{bundle: b, signer: s}, nil
}

// attach signs the pushed digest (cosign, tag layout) and attaches the
// model signature as its referrer.
func (p *pushSignature) attach(ctx context.Context, reg oci.Registry, d name.Digest) error {
	if err := verify.Sign(ctx, reg, d, p.signer); err != nil {
		return fmt.Errorf("signing %s: %w", d, err)
	}
	if err := verify.AttachModelSignature(ctx, reg, d, p.bundle); err != nil {
		return fmt.Errorf("attaching the model signature to %s: %w", d, err)
	}
	return nil
}
