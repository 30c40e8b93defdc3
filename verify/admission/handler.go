package admission

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
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
	rules          []Rule // as given by New or WithRules; then in set
	set            atomic.Pointer[ruleSet]
	allowUnmatched bool
	pull           PullSecretSource
	reg            oci.Registry
	req            verify.Require
	trust          string
	cache          *Cache
	mutate         bool
	timeout        time.Duration
	log            *slog.Logger
	m              *Metrics
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

// New builds a handler that verifies every image with v (WithRequire,
// WithTrustID) and evaluates it with e; or, WithRules, one that picks the
// verifier and evaluator by namespace, labels and image (v and e are then
// nil).
func New(v *verify.Verifier, e *policies.Evaluator, opts ...Option) (*Handler, error) {
	h := &Handler{req: verify.Require{Signature: true, BOM: true}, timeout: 8 * time.Second,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	if h.timeout <= 0 {
		return nil, fmt.Errorf("%w: timeout %v", ErrConfig, h.timeout)
	}
	rules := h.rules
	if rules == nil {
		if v == nil || e == nil {
			return nil, fmt.Errorf("%w: a verifier and an evaluator are needed", ErrConfig)
		}
		rules = []Rule{{Name: "default", Verifier: v, Evaluator: e, Require: h.req, TrustID: h.trust, Mode: ModeEnforce}}
	} else if v != nil || e != nil {
		return nil, fmt.Errorf("%w: give either a verifier and an evaluator, or rules", ErrConfig)
	}
	if err := h.SetRules(h.allowUnmatched, rules...); err != nil {
		return nil, err
	}
	return h, nil
}

type ruleSet struct {
	rules          []Rule
	allowUnmatched bool
}

// SetRules replaces the rules (e.g. when the configuration file changed);
// reviews under way finish with the rules they started with. On error the
// rules in use stay.
func (h *Handler) SetRules(allowUnmatched bool, rules ...Rule) error {
	if len(rules) == 0 {
		return fmt.Errorf("%w: no rule", ErrConfig)
	}
	rs := &ruleSet{rules: append([]Rule(nil), rules...), allowUnmatched: allowUnmatched}
	for i := range rs.rules {
		if err := rs.rules[i].compile(); err != nil {
			return err
		}
	}
	h.set.Store(rs)
	return nil
}

// maxParallel bounds the references of one review checked at once.
const maxParallel = 8

// ImageDecision is what was decided about one image of a request.
type ImageDecision struct {
	Image   Image
	Digest  string // repository@sha256:..., empty when it was not resolved
	Cached  bool
	Allowed bool
	// Rule is the name of the rule that covered the image ("" when none did),
	// Mode its mode.
	Rule string
	Mode Mode
	// Reasons say why it is denied, each naming the image.
	Reasons  []string
	Warnings []string
	// Audit holds the reasons a warn or audit rule did not deny for.
	Audit []string
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
	if h.pull != nil && len(obj.Images) > 0 && obj.Namespace != "" {
		creds, err := h.pull.Credentials(ctx, obj.Namespace, obj.ServiceAccount, obj.PullSecrets)
		if err != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "image pull secrets", slog.String("namespace", obj.Namespace), slog.String("error", err.Error()))
		}
		ctx = withCredentials(ctx, creds)
	}
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
	rs := h.set.Load()
	for _, ref := range order {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			d := h.checkRef(ctx, rs, obj, ref)
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
		if !d.Allowed && d.Mode != ModeEnforce {
			d.Audit, d.Reasons, d.Allowed = d.Reasons, nil, true
			if d.Mode == ModeWarn {
				d.Warnings = append(d.Warnings, prefixAll(d.Audit, img)...)
			}
		}
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
// evaluates the policies, with the first rule of rs that covers ref.
func (h *Handler) checkRef(ctx context.Context, rs *ruleSet, obj *Object, ref string) *ImageDecision {
	d := &ImageDecision{Mode: ModeEnforce}
	deny := func(format string, args ...any) *ImageDecision {
		d.Allowed = false
		d.Reasons = append(d.Reasons, fmt.Sprintf(format, args...))
		return d
	}
	r := rs.ruleFor(obj, ref)
	if r == nil {
		if rs.allowUnmatched {
			d.Allowed = true
			return d
		}
		return deny("no rule of the webhook's configuration covers it (namespace %q)", obj.Namespace)
	}
	d.Rule, d.Mode = r.Name, r.Mode
	dig, err := verify.Resolve(ctx, h.reg, ref)
	if err != nil {
		if !errors.Is(err, verify.ErrConfig) {
			h.m.registryError()
		}
		return deny("cannot be resolved to a digest (fail closed): %v", err)
	}
	d.Digest = dig.String()
	key := CacheKey{Digest: d.Digest, PolicyRevision: r.Evaluator.Revision(), Trust: r.TrustID, Require: r.Require}
	ent, hit := h.cache.entry(key)
	d.Cached = hit
	h.m.cache(hit)
	if !hit {
		res, err := r.Verifier.Verify(ctx, d.Digest, r.Require)
		if err != nil {
			h.m.registryError()
			return deny("%s: verification failed (fail closed): %v", dig.DigestStr(), err)
		}
		ent = &cacheEntry{res: res}
		if res.Satisfies(r.Require) {
			// Converted once: a cache hit evaluates these facts as they are.
			if ent.facts, err = policies.NewFacts(Facts(res, ref, nil)); err != nil {
				h.m.policyError()
				return deny("%s: policy input (fail closed): %v", dig.DigestStr(), err)
			}
			h.cache.putEntry(key, ent)
		}
	}
	if !ent.res.Satisfies(r.Require) {
		deny("%s: verification: %s", dig.DigestStr(), strings.Join(ent.res.Problems, "; "))
	}
	h.evaluate(ctx, r, obj, ref, ent, d, deny)
	d.Allowed = len(d.Reasons) == 0
	return d
}

func (h *Handler) evaluate(ctx context.Context, r *Rule, obj *Object, ref string, ent *cacheEntry, d *ImageDecision, deny func(string, ...any) *ImageDecision) {
	pctx := &policies.Context{Namespace: obj.Namespace, Kind: obj.Kind, Name: obj.Name, Operation: obj.Operation, Image: ref, Labels: obj.Labels}
	var dec *policies.Decision
	var err error
	if ent.facts != nil {
		dec, err = r.Evaluator.EvalFacts(ctx, ent.facts, pctx)
	} else {
		dec, err = r.Evaluator.Eval(ctx, Facts(ent.res, ref, pctx))
	}
	dig := d.Digest[strings.LastIndex(d.Digest, "@")+1:]
	if err != nil {
		h.m.policyError()
		deny("%s: policy error (fail closed): %v", dig, err)
		return
	}
	for _, v := range dec.Violations {
		deny("%s: policy %s, rule %s: %s", dig, v.Policy, v.Rule, v.Message)
	}
	for _, w := range dec.Warnings {
		d.Warnings = append(d.Warnings, fmt.Sprintf("image %q: policy %s, rule %s: %s", ref, w.Policy, w.Rule, w.Message))
	}
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
