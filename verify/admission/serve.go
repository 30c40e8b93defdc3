package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// MaxReviewBytes bounds an AdmissionReview body (the API server's own limit
// on an object is 3 MiB; a review holds the object and the old object).
const MaxReviewBytes = 7 << 20

type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
}

// pinPatch replaces every reference written with a tag by the digest that
// was verified for it. It is nil when every reference has a digest already.
func pinPatch(ds []ImageDecision) []byte {
	var ops []jsonPatchOp
	for _, d := range ds {
		if d.Digest == "" || strings.Contains(d.Image.Ref, "@") {
			continue
		}
		v := pinRef(d.Image.Ref, d.Digest)
		if d.Image.OCIScheme {
			v = "oci://" + v
		}
		ops = append(ops, jsonPatchOp{Op: "replace", Path: d.Image.Pointer, Value: v})
	}
	if len(ops) == 0 {
		return nil
	}
	b, _ := json.Marshal(ops)
	return b
}

// pinRef keeps ref as it was written (registry and repository) and replaces
// its tag by the digest of resolved (repository@sha256:...).
func pinRef(ref, resolved string) string {
	dig := resolved[strings.LastIndex(resolved, "@")+1:]
	repo := ref
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo = ref[:i]
	}
	return repo + "@" + dig
}

// ServeHTTP answers POST requests whose body is an AdmissionReview, never
// with a patch (a validating webhook cannot patch).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.serve(w, r, false) }

// Patching is the handler for a MutatingWebhookConfiguration: with
// WithMutate, its answers pin tags to the verified digests.
func (h *Handler) Patching() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, true) })
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, patch bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "Content-Type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, err := safeio.ReadAll(r.Body, MaxReviewBytes)
	if err != nil {
		http.Error(w, fmt.Sprintf("reading the AdmissionReview: %v", err), http.StatusRequestEntityTooLarge)
		return
	}
	var in admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "the body is not an AdmissionReview: "+decodeErr(&Object{Kind: "AdmissionReview"}, err).Error(), http.StatusBadRequest)
		return
	}
	if in.APIVersion != "admission.k8s.io/v1" || in.Kind != "AdmissionReview" {
		http.Error(w, fmt.Sprintf("want admission.k8s.io/v1 AdmissionReview, got %q %q", in.APIVersion, in.Kind), http.StatusBadRequest)
		return
	}
	out := h.Review(r.Context(), &in, patch)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// audit writes one structured record per review.
func (h *Handler) audit(ctx context.Context, req *admissionv1.AdmissionRequest, ds []ImageDecision, resp *admissionv1.AdmissionResponse, took time.Duration) {
	type auditImage struct {
		Ref     string   `json:"ref"`
		Path    string   `json:"path"`
		Digest  string   `json:"digest,omitempty"`
		Cached  bool     `json:"cached"`
		Allowed bool     `json:"allowed"`
		Rule    string   `json:"rule,omitempty"`
		Mode    Mode     `json:"mode,omitempty"`
		Audit   []string `json:"wouldDeny,omitempty"`
	}
	imgs := make([]auditImage, 0, len(ds))
	for _, d := range ds {
		imgs = append(imgs, auditImage{d.Image.Ref, d.Image.Path, d.Digest, d.Cached, d.Allowed, d.Rule, d.Mode, d.Audit})
	}
	msg := ""
	if resp.Result != nil {
		msg = resp.Result.Message
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "admission",
		slog.String("uid", string(req.UID)), slog.String("kind", req.Kind.Kind), slog.String("subResource", req.SubResource),
		slog.String("namespace", req.Namespace), slog.String("name", req.Name), slog.String("operation", string(req.Operation)),
		slog.String("user", req.UserInfo.Username), slog.Bool("allowed", resp.Allowed), slog.String("message", msg),
		slog.Any("images", imgs), slog.Bool("patched", resp.Patch != nil), slog.Duration("took", took))
}
