// Package verify will sign, attest and verify models and images (cosign,
// in-toto) and host the admission webhook. It holds no code yet.
package verify
