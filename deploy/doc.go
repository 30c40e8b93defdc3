// Package deploy holds the Kubernetes manifests, the Helm chart and the
// Dockerfile of `aibom webhook` (see README.md); its test checks that they
// parse and pass only flags the command has.
package deploy
