package pytorch

import (
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

const tsHeader = `class M(Module):
  __parameters__ = []
  training : bool
  def forward(self: __torch__.M, x: Tensor) -> Tensor:
    return torch.relu(x)
`

func TestSetStateFindings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		want       scanners.Severity // -1: no finding
		global     string
	}{
		{"attributes only", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, bool]) -> NoneType:
    w = (state)[0]
    self.w = w.clone()
    self.training = (state)[1]
    return None
`, -1, ""},
		{"quantized packed params", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, Optional[Tensor], bool, int]) -> NoneType:
    self.dtype = (state)[3]
    _0 = (self).set_weight_bias((state)[0], (state)[1], )
    self.training = (state)[2]
    return None
  def set_weight_bias(self: __torch__.M, weight: Tensor, bias: Optional[Tensor]) -> NoneType:
    if torch.eq(self.dtype, 12):
      _1 = ops.quantized.linear_prepack(weight, bias)
      self._packed_params = _1
    else:
      self._packed_params = ops.quantized.linear_prepack_fp16(weight, bias)
    return None
`, -1, ""},
		{"torch.save", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, Tensor, bool]) -> NoneType:
    torch.save((state)[0], "/dev/null")
    self.training = (state)[2]
    return None
`, scanners.Critical, "torch.save"},
		{"through a method of self", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, bool]) -> NoneType:
    _0 = (self).restore((state)[0], )
    return None
  def restore(self: __torch__.M, x: Tensor) -> NoneType:
    self.w = ops.aten.from_file("/etc/passwd", False, 100)
    return None
`, scanners.Critical, "ops.aten.from_file"},
		{"custom operator", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, bool]) -> NoneType:
    self.w = ops.my_ns.unpack((state)[0])
    return None
`, scanners.Medium, "ops.my_ns.unpack"},
		{"assignment to a module", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, bool]) -> NoneType:
    torch.x = (state)[0]
    return None
`, scanners.Medium, ""},
		{"a loop calling an unknown function", `
  def __setstate__(self: __torch__.M, state: List[Tensor]) -> NoneType:
    for i in range(len(state)):
      helper((state)[i])
    return None
`, scanners.Medium, "helper"},
		{"a module the pattern list does not name", `
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, bool]) -> NoneType:
    shutil.rmtree("/tmp/x")
    self.training = (state)[1]
    return None
`, scanners.Critical, "shutil.rmtree"},
		{"forward may do anything", `
  def other(self: __torch__.M) -> NoneType:
    torch.save(self.w, "/dev/null")
    return None
`, -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs, err := setStateFindings("code/__torch__/m.py", tsHeader+c.body)
			if err != nil {
				t.Fatal(err)
			}
			worst := scanners.Severity(-1)
			var globals []string
			for _, f := range fs {
				worst = max(worst, f.Severity)
				globals = append(globals, f.Global)
			}
			if worst != c.want {
				t.Fatalf("worst severity %v, want %v: %+v", worst, c.want, fs)
			}
			if c.global != "" && !strings.Contains(strings.Join(globals, " "), c.global) {
				t.Errorf("globals %v do not name %s", globals, c.global)
			}
		})
	}
}

func TestSetStateUnparseable(t *testing.T) {
	t.Parallel()
	_, err := setStateFindings("code/x.py", "class M(Module):\n  def __setstate__(self, state:\n")
	if err == nil || !strings.Contains(err.Error(), "code/x.py") {
		t.Fatalf("err = %v, want a FormatError naming the member", err)
	}
}
