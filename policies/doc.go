// Package policies will hold aibom's Rego policies and their evaluator.
// It holds no code yet.
package policies
