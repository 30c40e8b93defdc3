package gguf

import (
	"strings"

	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestRealTemplatesClean checks that the chat templates of real models
// parse and raise nothing.
func TestRealTemplatesClean(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "templates", "*.jinja"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("templates: %v (%d found)", err, len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if is := AnalyzeTemplate(string(b)); len(is) > 0 {
				t.Errorf("issues in a real template: %+v", is)
			}
		})
	}
}

// sstiCase is a template and the worst severity and a global its issues
// must include.
type sstiCase struct {
	name, src string
	sev       scanners.Severity
	global    string // substring of some issue's Global or Msg
}

func sstiCases() []sstiCase {
	crit, high, med := scanners.Critical, scanners.High, scanners.Medium
	return []sstiCase{
		{"classic mro walk", `{{ ''.__class__.__mro__[1].__subclasses__() }}`, crit, "__subclasses__"},
		{"CVE-2024-34359 payload", `{% for x in ().__class__.__base__.__subclasses__() %}{% if "warning" in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen("id").read() }}{% endif %}{% endfor %}`, crit, "__builtins__"},
		{"subscript dunder", `{{ ''['__class__'] }}`, crit, "__class__"},
		{"attr filter", `{{ ()|attr('__class__') }}`, crit, "__class__"},
		{"attr filter concat", `{{ ()|attr('__cla'~'ss__') }}`, crit, "__class__"},
		{"attr filter plus", `{{ ()|attr('__cla' + 'ss__') }}`, crit, "__class__"},
		{"join of literals", `{{ ()|attr(['__','class','__']|join) }}`, crit, "__class__"},
		{"join with separator", `{{ ()|attr(['','class','']|join('__')) }}`, crit, "__class__"},
		{"reverse", `{{ ()|attr('__ssalc__'|reverse) }}`, crit, "__class__"},
		{"slice reverse", `{{ ()['__ssalc__'[::-1]] }}`, crit, "__class__"},
		{"replace", `{{ ()|attr('XXclassXX'|replace('XX','__')) }}`, crit, "__class__"},
		{"upper lower", `{{ ()|attr('__CLASS__'|lower) }}`, crit, "__class__"},
		{"format filter", `{{ ()|attr('%sclass%s'|format('__','__')) }}`, crit, "__class__"},
		{"percent c", `{{ ()|attr('%c%cclass%c%c' % (95,95,95,95)) }}`, crit, "__class__"},
		{"str.format", `{{ ()|attr('{0}class{0}'.format('__')) }}`, crit, "__class__"},
		{"str.join method", `{{ ()|attr(''.join(['__cl','ass__'])) }}`, crit, "__class__"},
		{"repeat", `{{ ()|attr('_'*2 ~ 'class' ~ '_'*2) }}`, crit, "__class__"},
		{"hex escape", `{{ ()|attr('\x5f\x5fclass\x5f\x5f') }}`, crit, "__class__"},
		{"unicode escape", `{{ ()['\u005f\u005fclass\u005f\u005f'] }}`, crit, "__class__"},
		{"named escape", `{{ ()['\N{LOW LINE}\N{LOW LINE}class\N{low line}\N{LOW LINE}'] }}`, crit, "__class__"},
		{"octal escape", `{{ ()['\137\137class\137\137'] }}`, crit, "__class__"},
		{"variable", `{% set a = '__cla' %}{% set b = a ~ 'ss__' %}{{ ()[b] }}`, crit, "__class__"},
		{"namespace attribute", `{% set ns = namespace(k='__class__') %}{% set ns.k = '__globals__' %}{{ lipsum[ns.k] }}`, crit, "__globals__"},
		{"lipsum globals", `{{ lipsum.__globals__['os'].popen('id').read() }}`, crit, "lipsum.__globals__"},
		{"cycler", `{{ cycler.__init__.__globals__.os.popen('id').read() }}`, crit, "__globals__"},
		{"self context", `{{ self._TemplateReference__context.cycler }}`, high, "_TemplateReference__context"},
		{"config items", `{{ config.items() }}`, high, "config"},
		{"request", `{{ request.application }}`, high, "request"},
		{"os popen", `{{ os.popen('id').read() }}`, crit, "os"},
		{"import call", `{{ __import__('os') }}`, crit, "__import__"},
		{"eval call", `{{ eval('1') }}`, crit, "eval"},
		{"map attr", `{{ [()]|map(attribute='__class__')|list }}`, crit, "__class__"},
		{"map attr dotted", `{{ [()]|map(attribute='x.__class__')|list }}`, crit, "__class__"},
		{"selectattr", `{{ [()]|selectattr('__class__')|list }}`, crit, "__class__"},
		{"map attr filter", `{{ [()]|map('attr', '__class__')|list }}`, crit, "__class__"},
		{"conditional name", `{{ ()|attr('__class__' if true else 'x') }}`, crit, "__class__"},
		{"computed attr", `{{ ()|attr((()|select|string)[24]*2 ~ 'class') }}`, high, "attr"},
		{"computed subscript", `{{ ()[(()|select|string)[24]*2 ~ 'class' ~ (()|select|string)[24]*2] }}`, high, "subscript"},
		{"attr variable", `{{ ()|attr(name) }}`, high, "attr"},
		{"dunder string", `{% set x = '__class__' %}`, high, "__class__"},
		{"dunder fragment", `{{ '__cla' }}`, med, "__cla"},
		{"dunder kwarg", `{{ dict(__class__=1)|list }}`, high, "__class__"},
		{"include", `{% include 'x.html' %}`, high, "include"},
		{"unparseable", `{{ a. }}`, high, "does not parse"},
		{"unknown tag", `{% exec %}`, high, "unknown tag"},
		{"unclosed", `{% if x %}`, high, "not closed"},
		{"unparseable dunder", `{{ ''.__class__ }`, crit, "__class__"},
	}
}

func TestTemplateSSTI(t *testing.T) {
	t.Parallel()
	for _, c := range sstiCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			is := AnalyzeTemplate(c.src)
			worst, found := scanners.Info, false
			for _, i := range is {
				worst = max(worst, i.Severity)
				found = found || strings.Contains(i.Global, c.global) || strings.Contains(i.Msg, c.global)
			}
			if worst != c.sev || !found {
				t.Errorf("worst %s, %q found %v; want %s; issues: %+v", worst, c.global, found, c.sev, is)
			}
		})
	}
}

// TestBenignConstructs checks constructs of real templates that resemble
// injections.
func TestBenignConstructs(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{% set ns = namespace(found=false) %}{% set ns.found = true %}{{ ns.found }}`,
		`{% macro __render(x) %}{{ x }}{% endmacro %}{{ __render(1) }}`,
		`{% for k, v in tool.items() %}{{ k }}{{ v|tojson }}{% endfor %}`,
		`{{ raise_exception('bad') }}{{ strftime_now("%d %b %Y") }}`,
		`{{ names[message.role] }}{{ messages[loop.index0 - 1]['role'] }}{{ out[:-1] }}`,
		`{{ joiner(', ')() }}{{ cycler('a', 'b').next() }}{{ range(3)|list }}`,
		`{% set system = messages[0] %}{{ system.content }}`,
		`{{ x|default('') }}{{ content|string + ', ' }}{{ (a ~ b)|trim }}`,
		`{%- for m in messages if m.role != 'system' recursive -%}{{ loop.cycle('a','b') }}{%- endfor -%}`,
		`{% raw %}{{ ''.__class__ }}{% endraw %}{# {{ ''.__class__ }} #}`,
		`{{ {'a': 1, 'b': [1, 2,]}|tojson }}{{ x is divisibleby 3 }}{{ y is not none and z }}`,
		`{% set x %}text{% endset %}{% filter upper %}t{% endfilter %}{% with a = 1 %}{{ a }}{% endwith %}`,
		`{{ -1 }}{{ 1e3 }}{{ 1_000 }}{{ 'a' 'b' }}{{ a if b }}{{ (1, 2) }}{{ () }}{{ f(*args, **kw) }}`,
	} {
		if is := AnalyzeTemplate(src); len(is) > 0 {
			t.Errorf("%s: %+v", src, is)
		}
	}
}
