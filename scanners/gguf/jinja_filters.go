package gguf

import (
	"slices"
	"strings"
	"unicode"
)

// applyFilter folds the filters that turn constants into strings; other
// filters give an unknown value, computed when they stringify.
func applyFilter(name string, v cval, args []cval) cval {
	arg := func(i int) cval {
		if i < len(args) {
			return args[i]
		}
		return cval{}
	}
	switch name {
	case "join":
		sep, ok := "", true
		if len(args) > 0 {
			sep, ok = arg(0).toStr()
		}
		return joinVals(v, sep, ok)
	case "reverse":
		return reverse(v)
	case "replace":
		return strMethod(v, "replace", args)
	case "lower", "upper", "capitalize", "title":
		return strMethod(v, name, nil)
	case "trim":
		return strMethod(v, "strip", args)
	case "format":
		if v.kind == kStr {
			return printf(v.str, args)
		}
		return unknown(true)
	case "string", "e", "escape", "safe", "forceescape":
		if s, ok := v.toStr(); ok {
			return strVal(s)
		}
		return unknown(true)
	case "list":
		if v.kind == kStr {
			return joinVals(v, "", true).chars()
		}
		if v.kind == kList {
			return v
		}
		return unknown(v.stringy())
	case "first":
		return index(v, cval{kind: kNum})
	case "last":
		return index(v, cval{kind: kNum, num: -1})
	case "default", "d":
		u := unknown(v.computed || arg(0).computed)
		u.alts = append(append(u.alts, v.strings()...), arg(0).strings()...)
		return u
	default:
		return unknown(v.computed)
	}
}

// reverse folds |reverse.
func reverse(v cval) cval {
	switch v.kind {
	case kStr:
		r := []rune(v.str)
		slices.Reverse(r)
		return strVal(string(r))
	case kList:
		l := slices.Clone(v.list)
		slices.Reverse(l)
		return cval{kind: kList, list: l}
	default:
		return unknown(v.stringy())
	}
}

// chars splits a known string into a list of its characters.
func (v cval) chars() cval {
	if v.kind != kStr {
		return unknown(v.stringy())
	}
	out := cval{kind: kList}
	for _, r := range v.str {
		if len(out.list) >= maxFoldList {
			return unknown(true)
		}
		out.list = append(out.list, strVal(string(r)))
	}
	return out
}

// joinVals folds sep.join(v) for a list or a string.
func joinVals(v cval, sep string, sepOK bool) cval {
	if !sepOK {
		return unknown(true)
	}
	var parts []string
	switch v.kind {
	case kStr:
		for _, r := range v.str {
			parts = append(parts, string(r))
		}
	case kList:
		for _, e := range v.list {
			s, ok := e.toStr()
			if !ok {
				return unknown(true)
			}
			parts = append(parts, s)
		}
	default:
		return unknown(true)
	}
	return capped(strings.Join(parts, sep))
}

// strMethod folds obj.name(args...) for a string obj.
func strMethod(obj cval, name string, args []cval) cval {
	if obj.kind != kStr {
		return unknown(obj.stringy() || name == "join" || name == "format" || name == "replace")
	}
	s := obj.str
	switch name {
	case "lower", "casefold":
		return strVal(strings.ToLower(s))
	case "upper":
		return strVal(strings.ToUpper(s))
	case "swapcase":
		return strVal(strings.Map(swapCase, s))
	case "title":
		prev := false
		return strVal(strings.Map(func(r rune) rune {
			up := !prev
			prev = unicode.IsLetter(r)
			if up {
				return unicode.ToUpper(r)
			}
			return unicode.ToLower(r)
		}, s))
	case "capitalize":
		if s == "" {
			return obj
		}
		r := []rune(strings.ToLower(s))
		r[0] = unicode.ToUpper(r[0])
		return strVal(string(r))
	case "strip", "lstrip", "rstrip":
		return strip(s, name, args)
	case "replace":
		if len(args) < 2 || args[0].kind != kStr || args[1].kind != kStr {
			return unknown(true)
		}
		n := -1
		if len(args) > 2 {
			c, ok := args[2].intVal()
			if !ok {
				return unknown(true)
			}
			n = c
		}
		return capped(strings.Replace(s, args[0].str, args[1].str, n))
	case "join":
		if len(args) != 1 {
			return unknown(true)
		}
		return joinVals(args[0], s, true)
	case "format":
		return pyFormat(s, args)
	}
	return unknown(false)
}

func strip(s, how string, args []cval) cval {
	cut := " \t\n\r\v\f"
	if len(args) > 0 {
		if args[0].kind != kStr {
			return unknown(true)
		}
		cut = args[0].str
	}
	switch how {
	case "lstrip":
		return strVal(strings.TrimLeft(s, cut))
	case "rstrip":
		return strVal(strings.TrimRight(s, cut))
	}
	return strVal(strings.Trim(s, cut))
}

func swapCase(r rune) rune {
	if unicode.IsUpper(r) {
		return unicode.ToLower(r)
	}
	return unicode.ToUpper(r)
}
