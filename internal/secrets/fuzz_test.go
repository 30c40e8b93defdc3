package secrets

import "testing"

// FuzzFind checks that matches lie inside the input, in order of rules,
// without overlapping.
func FuzzFind(f *testing.F) {
	f.Add([]byte(`{"token": "ghp_aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3aB3"}`))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nabc\n"))
	f.Add([]byte("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ms := Find(in)
		for i, m := range ms {
			if m.Start < 0 || m.End > len(in) || m.Start >= m.End {
				t.Fatalf("match %+v outside %d bytes", m, len(in))
			}
			for _, o := range ms[:i] {
				if m.Start < o.End && o.Start < m.End {
					t.Fatalf("%+v overlaps %+v", m, o)
				}
			}
		}
	})
}
