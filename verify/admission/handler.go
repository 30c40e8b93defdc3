package admission

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// ErrConfig: the handler is misconfigured.
var ErrConfig = errors.New("admission: configuration error")

// Handler answers AdmissionReviews. It is safe for concurrent use.
type Handler struct {
	v       *verify.Verifier
	e       *policies.Evaluator
	reg     oci.Registry
	req     verify.Require
	trust   string
	cache   *Cache
	mutate  bool
	timeout time.Duration
	log     *slog.Logger
	m       *Metrics
}

// Option configures a Handler.
type Option func(*Handler)

// WithRegistry says how registries are reached (the Verifier's own
// configuration is separate: give both the same oci.Registry).
func WithRegistry(r oci.Registry) Option { return func(h *Handler) { h.reg = r } }

// WithRequire sets what must verify (default: signature and BOM).
func WithRequire(r verify.Require) Option { return func(h *Handler) { h.req = r } }

// WithTrustID names the Verifier's trust configuration in cache keys (e.g. a
// hash of the trusted keys). Handlers that share a Cache must set it.
func WithTrustID(id string) Option { return func(h *Handler) { h.trust = id } }

// WithCache sets the verification cache (default: none).
func WithCache(c *Cache) Option { return func(h *Handler) { h.cache = c } }

// WithMutate makes Patching answers carry a JSONPatch that pins every tag to
// the verified digest.
func WithMutate() Option { return func(h *Handler) { h.mutate = true } }

// WithTimeout bounds the work for one review (default 8s, under the API
// server's default webhook timeout of 10s); when it ends, the review denies.
func WithTimeout(d time.Duration) Option { return func(h *Handler) { h.timeout = d } }

// WithLogger sets where audit records go (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithMetrics sets the Prometheus metrics.
func WithMetrics(m *Metrics) Option { return func(h *Handler) { h.m = m } }

// New builds a handler that verifies with v and evaluates with e.
func New(v *verify.Verifier, e *policies.Evaluator, opts ...Option) (*Handler, error) {
	if v == nil || e == nil {
		return nil, fmt.Errorf("%w: a verifier and an evaluator are needed", ErrConfig)
	}
	h := &Handler{v: v, e: e, req: verify.Require{Signature: true, BOM: true}, timeout: 8 * time.Second,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	if h.timeout <= 0 {
		return nil, fmt.Errorf("%w: timeout %v", ErrConfig, h.timeout)
	}
	return h, nil
}

// maxParallel bounds the references of one review checked at once.
const maxParallel = 8

// ImageDecision is what was decided about one image of a request.
type ImageDecision struct {
	Image   Image
	Digest  string // repository@sha256:..., empty when it was not resolved
	Cached  bool
	Allowed bool
	// Reasons say why it is denied, each naming the image.
	Reasons  []string
	Warnings []string
}

// Decide checks every image of req. It never returns an error: anything that
// goes wrong denies the image it concerns.
func (h *Handler) Decide(ctx context.Context, req *admissionv1.AdmissionRequest) (*Object, []ImageDecision, error) {
	obj, err := Extract(req)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	byRef := map[string]*ImageDecision{}
	var order []string
	for _, img := range obj.Images {
		if _, ok := byRef[img.Ref]; !ok {
			byRef[img.Ref] = nil
			order = append(order, img.Ref)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, maxParallel)
	for _, ref := range order {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			d := h.checkRef(ctx, obj, ref)
			mu.Lock()
			byRef[ref] = d
			mu.Unlock()
		})
	}
	wg.Wait()
	out := make([]ImageDecision, 0, len(obj.Images))
	for _, img := range obj.Images {
		d := *byRef[img.Ref]
		d.Image = img
		d.Reasons = prefixAll(d.Reasons, img)
		out = append(out, d)
	}
	return obj, out, nil
}

func prefixAll(rs []string, img Image) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("image %q at %s: %s", img.Ref, img.Path, r)
	}
	return out
}

// checkRef resolves ref once, verifies the digest (or reads the cache) and
// evaluates the policies.
func (h *Handler) checkRef(ctx context.Context, obj *Object, ref string) *ImageDecision {
	d := &ImageDecision{}
	deny := func(format string, args ...any) *ImageDecision {
		d.Allowed = false
		d.Reasons = append(d.Reasons, fmt.Sprintf(format, args...))
		return d
	}
	dig, err := verify.Resolve(ctx, h.reg, ref)
	if err != nil {
		if !errors.Is(err, verify.ErrConfig) {
			h.m.registryError()
		}
		return deny("cannot be resolved to a digest (fail closed): %v", err)
	}
	d.Digest = dig.String()
	key := CacheKey{Digest: d.Digest, PolicyRevision: h.e.Revision(), Trust: h.trust, Require: h.req}
	res, hit := h.cache.Get(key)
	d.Cached = hit
	h.m.cache(hit)
	if !hit {
		res, err = h.v.Verify(ctx, d.Digest, h.req)
		if err != nil {
			h.m.registryError()
			return deny("%s: verification failed (fail closed): %v", dig.DigestStr(), err)
		}
		h.cache.Put(key, res)
	}
	if !res.Satisfies(h.req) {
		deny("%s: verification: %s", dig.DigestStr(), strings.Join(res.Problems, "; "))
	}
	pctx := &policies.Context{Namespace: obj.Namespace, Kind: obj.Kind, Name: obj.Name, Operation: obj.Operation, Image: ref, Labels: obj.Labels}
	dec, err := h.e.Eval(ctx, Facts(res, ref, pctx))
	if err != nil {
		h.m.policyError()
		return deny("%s: policy error (fail closed): %v", dig.DigestStr(), err)
	}
	for _, v := range dec.Violations {
		deny("%s: policy %s, rule %s: %s", dig.DigestStr(), v.Policy, v.Rule, v.Message)
	}
	for _, w := range dec.Warnings {
		d.Warnings = append(d.Warnings, fmt.Sprintf("image %q: policy %s, rule %s: %s", ref, w.Policy, w.Rule, w.Message))
	}
	d.Allowed = len(d.Reasons) == 0
	return d
}

// Review answers one AdmissionReview. patch asks for the pinning JSONPatch
// (only when the handler was built WithMutate).
func (h *Handler) Review(ctx context.Context, in *admissionv1.AdmissionReview, patch bool) *admissionv1.AdmissionReview {
	start := time.Now()
	out := &admissionv1.AdmissionReview{TypeMeta: in.TypeMeta}
	if in.Request == nil {
		out.Response = denied("", "aibom: the AdmissionReview has no request")
		return out
	}
	req := in.Request
	obj, ds, err := h.Decide(ctx, req)
	if err != nil {
		out.Response = denied(req.UID, "aibom: "+err.Error())
		h.audit(ctx, req, nil, out.Response, time.Since(start))
		h.m.decision(false, req.Kind.Kind, time.Since(start).Seconds())
		return out
	}
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	var reasons []string
	for _, d := range ds {
		reasons = append(reasons, d.Reasons...)
		resp.Warnings = appendNew(resp.Warnings, d.Warnings...)
	}
	if len(reasons) > 0 {
		resp = denied(req.UID, fmt.Sprintf("aibom denied %s %s: %s", obj.Kind, objName(obj), strings.Join(reasons, "; ")))
	} else if patch && h.mutate {
		if p := pinPatch(ds); p != nil {
			pt := admissionv1.PatchTypeJSONPatch
			resp.Patch, resp.PatchType = p, &pt
		}
	}
	out.Response = resp
	h.audit(ctx, req, ds, resp, time.Since(start))
	h.m.decision(resp.Allowed, obj.Kind, time.Since(start).Seconds())
	return out
}

func objName(o *Object) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

func denied(uid types.UID, msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{UID: uid, Allowed: false, Result: &metav1.Status{
		Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden, Message: msg}}
}

func appendNew(dst []string, xs ...string) []string {
	for _, x := range xs {
		found := false
		for _, y := range dst {
			found = found || x == y
		}
		if !found {
			dst = append(dst, x)
		}
	}
	return dst
}
