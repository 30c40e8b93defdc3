package keras

import (
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// allowedRoots are the top-level packages whose objects Keras 3.9 and later
// deserialize without custom_objects; anything else is imported by older
// loaders (CVE-2025-1550).
var allowedRoots = map[string]bool{
	"keras": true, "tensorflow": true, "tf_keras": true,
	"keras_nlp": true, "keras_cv": true, "keras_hub": true,
}

// dangerousRoots are modules that no model needs and that give code
// execution, file or network access on import and getattr.
var dangerousRoots = map[string]bool{
	"os": true, "posix": true, "nt": true, "subprocess": true, "builtins": true, "__builtin__": true,
	"sys": true, "importlib": true, "shutil": true, "socket": true, "pty": true, "runpy": true,
	"pickle": true, "_pickle": true, "cPickle": true, "marshal": true, "dill": true, "joblib": true,
	"ctypes": true, "code": true, "codeop": true, "webbrowser": true, "urllib": true, "urllib2": true,
	"urllib3": true, "http": true, "httplib": true, "requests": true, "multiprocessing": true,
	"tempfile": true, "io": true, "pathlib": true, "glob": true, "commands": true, "platform": true,
	"operator": true, "functools": true, "types": true, "inspect": true, "asyncio": true,
	"telnetlib": true, "ftplib": true, "smtplib": true, "zipimport": true, "pip": true,
	"setuptools": true, "pdb": true, "timeit": true, "signal": true, "threading": true, "_thread": true,
}

// dangerousNames are callables that load other models, reach files or the
// network, run code or turn Keras safe mode off, even inside Keras and
// TensorFlow (CVE-2025-8747, CVE-2025-9906).
var dangerousNames = map[string]bool{
	"load_model": true, "get_file": true, "enable_unsafe_deserialization": true,
	"set_global_attribute": true, "save_model": true, "write_file": true, "read_file": true,
	"py_function": true, "numpy_function": true, "py_func": true, "system": true, "popen": true,
	"exec": true, "eval": true, "compile": true, "__import__": true, "getattr": true,
}

// layerKeys are the config keys whose values are layers.
var layerKeys = map[string]bool{
	"layers": true, "layer": true, "forward_layer": true, "backward_layer": true, "cell": true, "cells": true,
}

// analyzer walks one JSON document.
type analyzer struct {
	m       *Model
	member  string
	base    int64 // added to value offsets
	handled map[*value]bool
	custom  map[string]bool
}

func newAnalyzer(m *Model, member string, base int64) *analyzer {
	if m.LayerTypes == nil {
		m.LayerTypes = map[string]int{}
	}
	return &analyzer{m: m, member: member, base: base, handled: map[*value]bool{}, custom: map[string]bool{}}
}

func (a *analyzer) add(rule string, sev scanners.Severity, v *value, global, msg string, args ...any) {
	atlas := scanners.ATLASEmbedMalware
	if sev < scanners.Critical {
		atlas = scanners.ATLASUnsafeArtifact
	}
	a.m.Findings = append(a.m.Findings, scanners.Finding{
		Rule: rule, Severity: sev, Message: fmt.Sprintf(msg, args...), Global: global,
		Offset: a.base + v.off, ATLAS: atlas, Member: a.member,
	})
}

// model analyzes a model config: the top-level object, then every value.
func (a *analyzer) model(root *value) {
	a.m.HasConfig = true
	a.m.ModelClass = root.get("class_name").text()
	cfg := root.get("config")
	a.m.ModelName = cfg.get("name").text()
	if a.m.ModelName == "" {
		a.m.ModelName = root.get("name").text()
	}
	a.m.Outputs = stringLeaves(cfg.get("output_layers"), a.m.Outputs)
	a.walk(root, "")
	if len(a.m.Inputs) == 0 {
		for _, s := range []*value{cfg.get("build_input_shape"), root.get("build_config").get("input_shape")} {
			if s != nil && s.kind == kindArray {
				a.m.Inputs = append(a.m.Inputs, compact(s))
				break
			}
		}
	}
}

// walk visits v and everything in it; key is the member name that holds v
// (array elements inherit their array's key).
func (a *analyzer) walk(v *value, key string) {
	switch v.kind {
	case kindArray:
		for _, c := range v.vals {
			a.walk(c, key)
		}
	case kindObject:
		a.object(v, key)
		for i, c := range v.vals {
			a.walk(c, v.keys[i])
		}
	}
}

// object checks one JSON object.
func (a *analyzer) object(v *value, key string) {
	cn := v.get("class_name").text()
	if layerKeys[key] && cn != "" {
		a.layer(v, cn)
	}
	switch {
	case a.handled[v]:
	case cn == "__lambda__":
		a.lambdaCode(v, "", lambdaCode(v.get("config")))
	case v.get("function_type").text() == "lambda":
		a.lambdaCode(v, v.get("name").text(), lambdaCode(v))
	case v.get("output_shape_type").text() == "lambda":
		a.lambdaCode(v, v.get("name").text(), codeSize(v.get("output_shape")))
	}
	mod := v.get("module")
	if mod != nil && mod.kind == kindString && v.get("class_name") != nil {
		a.module(v, mod.str, cn)
	} else if mod != nil && mod.kind == kindString && dangerousRoots[root(mod.str)] {
		a.add(RuleUnsafeModule, scanners.Critical, mod, mod.str,
			"config names module %q as the globals of a Python function", mod.str)
	} else if pkg, name, ok := strings.Cut(cn, ">"); ok && !allowedRoots[strings.ToLower(pkg)] {
		a.customObject(v, cn, fmt.Sprintf("custom object %q registered by package %q: it loads only with that package's code, which then runs", name, pkg))
	}
}

// layer records one layer.
func (a *analyzer) layer(v *value, cn string) {
	a.m.LayerCount++
	a.m.LayerTypes[cn]++
	cfg := v.get("config")
	name := cfg.get("name").text()
	if name == "" {
		name = v.get("name").text()
	}
	switch cn {
	case "InputLayer":
		for _, k := range []string{"batch_shape", "batch_input_shape"} {
			if s := cfg.get(k); s != nil && s.kind == kindArray {
				a.m.Inputs = append(a.m.Inputs, compact(s))
				break
			}
		}
	case "Lambda":
		a.lambdaLayer(v, name)
	}
}

// lambdaLayer reports a Lambda layer and what its function is.
func (a *analyzer) lambdaLayer(v *value, name string) {
	a.m.LambdaLayers = append(a.m.LambdaLayers, name)
	cfg := v.get("config")
	fn := cfg.get("function")
	a.handled[v], a.handled[cfg] = true, true
	if cfg.get("output_shape_type").text() == "lambda" {
		a.lambdaCode(cfg, name, codeSize(cfg.get("output_shape")))
	}
	switch {
	case fn == nil:
		a.add(RuleLambda, scanners.Critical, v, "", "Lambda layer %q without a function: Keras builds it from data it does not check", name)
	case fn.kind == kindObject && fn.get("class_name").text() != "__lambda__":
		a.handled[fn] = true
		g := callable(fn.get("module").text(), fn.get("class_name").text(), fn.get("config"))
		a.add(RuleLambda, scanners.High, fn, g, "Lambda layer %q calls the named function %s at load and inference time", name, g)
	case fn.kind == kindString && cfg.get("function_type").text() == "function":
		g := fn.str
		if m := cfg.get("module").text(); m != "" {
			g = m + "." + g
		}
		a.add(RuleLambda, scanners.High, fn, g, "Lambda layer %q calls the named function %s", name, g)
	default:
		if fn.kind == kindObject {
			a.handled[fn] = true
			a.lambdaCode(fn, name, lambdaCode(fn.get("config")))
			return
		}
		a.lambdaCode(fn, name, codeSize(fn))
	}
}

// lambdaCode reports serialized Python bytecode of about size bytes.
func (a *analyzer) lambdaCode(v *value, layer string, size int) {
	where := "a serialized lambda"
	if layer != "" {
		where = fmt.Sprintf("Lambda layer %q", layer)
	}
	a.add(RuleLambda, scanners.Critical, v, "",
		"%s holds marshalled Python bytecode (%d bytes, not decoded) that Keras runs when it builds the model "+
			"(with safe_mode=False for .keras, always for .h5: CVE-2024-3660, CVE-2025-9905)", where, size)
}

// module checks an object that names a Python module.
func (a *analyzer) module(v *value, mod, cn string) {
	g := callable(mod, cn, v.get("config"))
	r := root(mod)
	if allowedRoots[r] {
		if dangerousCallable(g) {
			a.add(RuleDangerousCallable, scanners.Critical, v, g,
				"config makes Keras call %s, which loads models, reaches files or the network, or turns safe mode off (CVE-2025-8747, CVE-2025-9906)", g)
		}
		return
	}
	reg := v.get("registered_name").text()
	if dangerousRoots[r] || dangerousCallable(g) || (reg == "" && mod != "__main__") {
		a.add(RuleUnsafeModule, scanners.Critical, v, g,
			"config makes Keras import module %q and take %s from it (CVE-2025-1550): arbitrary code runs at load time", mod, g)
		return
	}
	a.customObject(v, g, fmt.Sprintf("custom object %s (registered as %q): it loads only with its own code, which then runs", g, reg))
}

func (a *analyzer) customObject(v *value, name, msg string) {
	if !a.custom[name] {
		a.custom[name] = true
		a.m.CustomObjects = append(a.m.CustomObjects, name)
	}
	a.add(RuleCustomObject, scanners.Medium, v, name, "%s", msg)
}

// callable is the Python name that module/class_name resolves to; for
// class_name "function" the function's name is the config string.
func callable(mod, cn string, cfg *value) string {
	name := cn
	if cn == "function" && cfg.text() != "" {
		name = cfg.text()
	}
	switch {
	case mod == "":
		return name
	case name == "":
		return mod
	}
	return mod + "." + name
}

func root(mod string) string {
	r, _, _ := strings.Cut(mod, ".")
	return r
}

func dangerousCallable(g string) bool {
	parts := strings.Split(g, ".")
	if dangerousNames[parts[len(parts)-1]] {
		return true
	}
	for _, p := range parts {
		if p == "gfile" || p == "io_ops" || p == "gen_io_ops" {
			return true
		}
	}
	return false
}

// lambdaCode is the size of the bytecode in the config of a "__lambda__"
// object (Keras 3: {"code": ...} or {"value": [code, defaults, closure]})
// or of a Keras 2 Lambda config ({"function": ...}).
func lambdaCode(cfg *value) int {
	for _, k := range []string{"code", "value", "function"} {
		if c := cfg.get(k); c != nil {
			return codeSize(c)
		}
	}
	return 0
}

// codeSize estimates the decoded size of base64 bytecode held as a string
// or as the first element of a [code, defaults, closure] list.
func codeSize(v *value) int {
	if v != nil && v.kind == kindArray && len(v.vals) > 0 {
		v = v.vals[0]
	}
	n := 0
	for _, c := range v.text() {
		if c != '=' && c != '\n' && c != '\r' && c != ' ' {
			n++
		}
	}
	return n * 3 / 4
}

// compact renders a small JSON value (a shape) as text.
func compact(v *value) string {
	switch v.kind {
	case kindArray:
		parts := make([]string, 0, min(len(v.vals), 64))
		for i, c := range v.vals {
			if i == 64 {
				parts = append(parts, "...")
				break
			}
			parts = append(parts, compact(c))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case kindNull:
		return "null"
	case kindString:
		return fmt.Sprintf("%q", v.str)
	case kindObject:
		return "{...}"
	}
	return v.str
}

// stringLeaves appends the strings inside v to out.
func stringLeaves(v *value, out []string) []string {
	if v == nil {
		return out
	}
	switch v.kind {
	case kindString:
		return append(out, v.str)
	case kindArray:
		for _, c := range v.vals {
			out = stringLeaves(c, out)
		}
	}
	return out
}
