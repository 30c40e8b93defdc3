// Package policies decides whether a verified artifact may run: Rego v1
// policies, evaluated in-process with OPA over the facts the verifier
// established about one digest (its signers, its attestations, its AI-BOM and
// its scan report) and, in admission, the Kubernetes object that asks for it.
//
// The default bundle (DefaultBundle) is embedded in the binary; LoadBundle
// reads a user's policy directory or file. New prepares a bundle once; the
// Evaluator it returns is safe for concurrent use and evaluates one Input per
// call. Policies have no network access (http.send and net.lookup_ip_addr are
// not available), no access to the environment (opa.runtime), and read the
// time from the evaluation (WithTime), so that a decision is reproducible.
//
// A policy is a Rego package that defines deny (or violation) and warn rules:
// sets of strings or of objects {"rule": "ID", "msg": "..."}. Parameters are
// data under data.aibom.params.
package policies
