// Package admission is aibom's Kubernetes admission webhook: it answers
// AdmissionReview v1 requests for Pods (containers, init and ephemeral
// containers, image volumes, the pods/ephemeralcontainers subresource), the
// workloads that create them (Deployments, StatefulSets, DaemonSets,
// ReplicaSets, Jobs, CronJobs) and KServe InferenceServices
// (storageUri: oci://...), by checking every image they name.
//
// Each reference is resolved to a digest once; that digest is verified with
// the verify library (the same Verifier as `aibom verify`, built once and
// shared) and the verified facts are evaluated with a policies.Evaluator
// together with the admission context (namespace, kind, name, path). The
// request is denied, with a message naming the image and each violated
// policy and rule, when a requirement did not verify or a policy objects; it
// is allowed otherwise.
//
// The handler fails closed: a malformed request, a registry outage, a
// timeout or a policy error denies.
//
// Verification results are cached by digest, policy revision, trust
// configuration and requirements, never by tag; only results that satisfy
// the requirements are cached, the cache is bounded in size and entries
// expire (Cache). Policies are evaluated on every request, because their
// answer depends on the admission context.
//
// Several trust configurations: WithRules (or a configuration file, Config,
// ReadConfig) gives rules tried in order, each matching namespaces, object
// labels and image patterns, with its own Verifier, policies, requirements
// and mode (enforce; warn: admitted with warnings; audit: admitted, recorded
// in the audit log). An image no rule covers is denied. SetRules replaces
// the rules at run time (a reloaded file).
//
// WithPullSecrets reads the object's imagePullSecrets and its
// ServiceAccount's (KubePullSecrets, through the API server) and reaches the
// registries with them first (PodKeychain).
//
// With WithMutate, the response carries a JSONPatch that replaces each tag
// with the digest that was verified, so the node runs exactly what was
// checked. A ValidatingWebhookConfiguration cannot patch: pinning needs the
// handler registered in a MutatingWebhookConfiguration (deploy/ has one).
package admission
