// Package aibom will generate CycloneDX AI-BOMs (issue 3: `aibom generate`).
// It holds no code yet.
package aibom
