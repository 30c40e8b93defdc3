package pickle

// withDefaults gives every zero or negative field of l its value in
// DefaultLimits, so that a partly filled Limits (Limits{MaxRefs: 100})
// changes only the fields it sets and never turns a check off: a zero
// MaxErrors would drop every parse error, a zero MaxStack every value.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, d *int }{
		{&l.MaxStack, &d.MaxStack}, {&l.MaxMemo, &d.MaxMemo}, {&l.MaxKept, &d.MaxKept},
		{&l.MaxString, &d.MaxString}, {&l.MaxRefs, &d.MaxRefs}, {&l.MaxErrors, &d.MaxErrors},
		{&l.MaxNested, &d.MaxNested},
	} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	return l
}
