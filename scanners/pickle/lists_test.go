package pickle

import (
	"bytes"
	"strings"
	"testing"
)

// TestListFiles checks the embedded data files: each allowlist file says
// which library versions it was derived from, every entry has a reason, and
// no pattern covers a whole library.
func TestListFiles(t *testing.T) {
	t.Parallel()
	files := ListFiles()
	if len(files) < 10 {
		t.Fatalf("only %d list files embedded", len(files))
	}
	for name, b := range files {
		if strings.HasPrefix(name, "allowlist/") && !bytes.Contains(b, []byte("# Derived from: ")) {
			t.Errorf("%s: no 'Derived from:' header", name)
		}
		es, err := parseList(bytes.NewReader(b), name, strings.HasPrefix(name, "denylist/"), true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Deny {
				continue
			}
			body := strings.TrimSuffix(strings.TrimSuffix(e.Pattern, "*"), classPattern)
			if body != e.Pattern && strings.Count(strings.TrimSuffix(body, "."), ".") < 1 &&
				e.Pattern != "sklearn.<Class>" && e.Pattern != "collections.<Class>" {
				t.Errorf("%s: %s covers a whole library", e.Where(), e.Pattern)
			}
		}
	}
}

// TestLibraryGadgetsStayFlagged: names inside allowlisted libraries that
// load, evaluate or import are not let in by the library's entries.
func TestLibraryGadgetsStayFlagged(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	for _, n := range []string{
		"pandas.read_pickle", "pandas.io.pickle.read_pickle", "pandas.eval", "pandas.core.computation.eval.eval",
		"gensim.utils.unpickle", "gensim.utils.SaveLoad.load", "nltk.data.load", "statsmodels.iolib.smpickle.load_pickle",
		"xgboost.core._load_lib", "scipy.stats._distn_infrastructure.rv_continuous_frozen",
		"scipy.stats._continuous_distns.uniform_gen", "numpy.load", "torch.load", "joblib.load",
		"re.RegexFlag.__class__", "http.HTTPStatus.__init__", "zoneinfo.ZoneInfo.from_file",
		"platform.system", "urllib.parse.urlopen", "http.client.HTTPConnection", "builtins.getattr", "functools.partial",
	} {
		if c, _ := p.Classify(n); c == Allowed {
			t.Errorf("%s is allowed", n)
		}
	}
	for _, n := range []string{"platform.uname_result", "urllib.parse.ParseResult", "http.HTTPStatus", "http.HTTPStatus.OK",
		"re.RegexFlag.IGNORECASE", "pandas.core.frame.DataFrame", "torch._utils._rebuild_tensor_v2"} {
		if x := p.Explain(n); x.Class != Allowed || x.Entry == nil || x.Entry.Reason == "" || x.Entry.File == "" {
			t.Errorf("%s: %+v, want allowed with a cited entry", n, x)
		}
	}
	if x := p.Explain("os.system"); x.Class != Dangerous || x.Entry == nil || !strings.HasPrefix(x.Entry.Where(), "scanners/pickle/denylist/stdlib.txt:") {
		t.Errorf("os.system: %+v", x)
	}
}

func TestEnumMembersOnly(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	for n, want := range map[string]Class{
		"re.RegexFlag.IGNORECASE": Allowed, "re.RegexFlag.I": Allowed, "http.HTTPStatus.NOT_FOUND": Allowed,
		"re.RegexFlag._convert_": Unknown, "http.HTTPStatus._convert_": Dangerous, "re.RegexFlag.from_bytes": Unknown,
		"re.RegexFlag.IGNORECASE.x": Unknown,
	} {
		if got, _ := p.Classify(n); got != want {
			t.Errorf("%s: %v, want %v", n, got, want)
		}
	}
}
