package pytorch

import "testing"

// FuzzSetState reads arbitrary TorchScript source: no panic, and findings
// stay inside the source.
func FuzzSetState(f *testing.F) {
	f.Add(tsHeader + "  def __setstate__(self: __torch__.M, state: Tuple[Tensor, bool]) -> NoneType:\n    self.w = (state)[0]\n    return None\n")
	f.Add(tsHeader + "  def __setstate__(self, state):\n    _0 = (self).f(state)\n  def f(self, s):\n    torch.save(s, \"/dev/null\")\n    (self).__setstate__(s)\n")
	f.Add("class A(Module):\n  def __setstate__(self, s):\n    torch.x = ops.my.op(lambda: s)[0]\n")
	f.Fuzz(func(t *testing.T, src string) {
		fs, err := setStateFindings("code/m.py", src)
		if err != nil && len(fs) > 0 {
			t.Fatalf("findings with an error: %v", err)
		}
		for _, fd := range fs {
			if fd.Offset < 0 || fd.Offset > int64(len(src)) {
				t.Fatalf("finding at %d outside %d bytes", fd.Offset, len(src))
			}
		}
	})
}
