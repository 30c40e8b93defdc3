package gguf

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cvalKind is what the constant folder knows about a value.
type cvalKind uint8

const (
	kUnknown cvalKind = iota
	kStr
	kNum
	kBool
	kNone
	kList
)

// cval is a value as far as the constant folder can tell.
type cval struct {
	kind  cvalKind
	str   string
	num   float64
	float bool // a float literal or result, printed "1.0"
	list  []cval
	// computed marks an unknown value built by string operations at render
	// time (concatenation, join, format, |string ...): a name an attacker
	// assembles.
	computed bool
	// alts are known strings an unknown value may take (the branches of a
	// conditional).
	alts []string
}

// Folding bounds: longer strings and lists become unknown.
const (
	maxFoldLen  = 4096
	maxFoldList = 256
	maxAlts     = 8
)

func strVal(s string) cval { return cval{kind: kStr, str: s} }

func unknown(computed bool) cval { return cval{kind: kUnknown, computed: computed} }

// stringy reports whether v is a string or was built from strings.
func (v cval) stringy() bool { return v.kind == kStr || v.computed }

// strings returns the known strings v may be.
func (v cval) strings() []string {
	if v.kind == kStr {
		return []string{v.str}
	}
	return v.alts
}

// toStr converts v as Python's str() would, when v is known.
func (v cval) toStr() (string, bool) {
	switch v.kind {
	case kStr:
		return v.str, true
	case kNum:
		if v.float {
			s := strconv.FormatFloat(v.num, 'g', -1, 64)
			if !strings.ContainsAny(s, ".eEn") {
				s += ".0"
			}
			return s, true
		}
		return strconv.FormatFloat(v.num, 'f', -1, 64), true
	case kNone:
		return "None", true
	default:
		return "", false
	}
}

// intVal returns v as an int when it is an integral number.
func (v cval) intVal() (int, bool) {
	if v.kind != kNum || v.num != math.Trunc(v.num) || math.Abs(v.num) > 1<<30 {
		return 0, false
	}
	return int(v.num), true
}

// capped returns s as a value, or an unknown computed one when too long.
func capped(s string) cval {
	if len(s) > maxFoldLen {
		return unknown(true)
	}
	return strVal(s)
}

// binop folds l op r.
func binop(op string, l, r cval) cval {
	switch op {
	case "~":
		ls, ok1 := l.toStr()
		rs, ok2 := r.toStr()
		if ok1 && ok2 {
			return capped(ls + rs)
		}
		return unknown(true)
	case "+":
		switch {
		case l.kind == kStr && r.kind == kStr:
			return capped(l.str + r.str)
		case l.kind == kNum && r.kind == kNum:
			return cval{kind: kNum, num: l.num + r.num, float: l.float || r.float}
		case l.kind == kList && r.kind == kList && len(l.list)+len(r.list) <= maxFoldList:
			return cval{kind: kList, list: append(slices.Clip(l.list), r.list...)}
		}
	case "*":
		return times(l, r)
	case "%":
		if l.kind == kStr {
			args := []cval{r}
			if r.kind == kList {
				args = r.list
			}
			return printf(l.str, args)
		}
	default:
		return unknown(false)
	}
	return unknown(l.stringy() || r.stringy())
}

// times folds l * r for numbers and string repetition.
func times(l, r cval) cval {
	if l.kind == kNum && r.kind == kNum {
		return cval{kind: kNum, num: l.num * r.num, float: l.float || r.float}
	}
	if l.kind == kNum {
		l, r = r, l
	}
	n, ok := r.intVal()
	switch {
	case !ok || l.kind != kStr:
		return unknown(l.stringy() || r.stringy())
	case n <= 0:
		return strVal("")
	case len(l.str)*n > maxFoldLen:
		return unknown(true)
	default:
		return strVal(strings.Repeat(l.str, n))
	}
}

// printf folds Python's "fmt % args" for %s, %c, %d, %i and %%.
func printf(format string, args []cval) cval {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(format) {
			return unknown(true)
		}
		i++
		verb := format[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if len(args) == 0 {
			return unknown(true)
		}
		a := args[0]
		args = args[1:]
		switch verb {
		case 's':
			s, ok := a.toStr()
			if !ok {
				return unknown(true)
			}
			b.WriteString(s)
			if b.Len() > maxFoldLen {
				return unknown(true)
			}
		case 'c':
			if n, ok := a.intVal(); ok && n >= 0 && n <= utf8.MaxRune {
				b.WriteRune(rune(n))
			} else if a.kind == kStr && utf8.RuneCountInString(a.str) == 1 {
				b.WriteString(a.str)
			} else {
				return unknown(true)
			}
		case 'd', 'i':
			n, ok := a.intVal()
			if !ok {
				return unknown(true)
			}
			b.WriteString(strconv.Itoa(n))
		default:
			return unknown(true)
		}
	}
	return capped(b.String())
}

// pyFormat folds Python's str.format for "{}", "{N}", "{{" and "}}".
func pyFormat(format string, args []cval) cval {
	var b strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '{' && i+1 < len(format) && format[i+1] == '{', c == '}' && i+1 < len(format) && format[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				return unknown(true)
			}
			field := format[i+1 : i+end]
			idx := next
			if field != "" {
				n, err := strconv.Atoi(field)
				if err != nil {
					return unknown(true)
				}
				idx = n
			}
			next++
			if idx < 0 || idx >= len(args) {
				return unknown(true)
			}
			s, ok := args[idx].toStr()
			if !ok {
				return unknown(true)
			}
			b.WriteString(s)
			if b.Len() > maxFoldLen {
				return unknown(true)
			}
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return capped(b.String())
}

// index folds obj[arg] for strings and lists.
func index(obj, arg cval) cval {
	n, ok := arg.intVal()
	if ok {
		switch obj.kind {
		case kStr:
			r := []rune(obj.str)
			if n < 0 {
				n += len(r)
			}
			if n >= 0 && n < len(r) {
				return strVal(string(r[n]))
			}
		case kList:
			if n < 0 {
				n += len(obj.list)
			}
			if n >= 0 && n < len(obj.list) {
				return obj.list[n]
			}
		default:
		}
	}
	return unknown(obj.stringy())
}

// slice folds obj[start:stop:step] for strings and lists.
func slice(obj cval, bounds [3]cval, given [3]bool) cval {
	var elems []cval
	switch obj.kind {
	case kStr:
		for _, r := range obj.str {
			elems = append(elems, strVal(string(r)))
		}
	case kList:
		elems = obj.list
	default:
		return unknown(obj.stringy())
	}
	idx := [3]int{0, len(elems), 1}
	for i := range 3 {
		if !given[i] {
			continue
		}
		n, ok := bounds[i].intVal()
		if !ok {
			return unknown(obj.stringy())
		}
		idx[i] = n
	}
	step := idx[2]
	if step == 0 {
		return unknown(obj.stringy())
	}
	start, stop := pyBounds(len(elems), idx[0], idx[1], step, given)
	var out []cval
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, elems[i])
	}
	if obj.kind == kList {
		return cval{kind: kList, list: out}
	}
	var b strings.Builder
	for _, e := range out {
		b.WriteString(e.str)
	}
	return strVal(b.String())
}

// pyBounds clamps slice bounds as Python does.
func pyBounds(n, start, stop, step int, given [3]bool) (int, int) {
	clamp := func(i, lo, hi int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, lo), hi)
	}
	if step > 0 {
		if !given[0] {
			start = 0
		}
		if !given[1] {
			stop = n
		}
		return clamp(start, 0, n), clamp(stop, 0, n)
	}
	if !given[0] {
		start = n - 1
	} else {
		start = clamp(start, -1, n-1)
	}
	if !given[1] {
		stop = -1
	} else {
		stop = clamp(stop, -1, n-1)
	}
	return start, stop
}
