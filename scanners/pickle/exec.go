package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// exec models one opcode whose byte b has been read.
func (s *Stream) exec(b byte, o *op) error {
	switch o.arg {
	case argNone:
		return s.execPlain(b)
	case argLine:
		return s.execLine(b)
	case argTwoLine:
		return s.execGlobal(b)
	default:
		return s.execBinary(b, o)
	}
}

// execPlain models the opcodes without an inline argument.
func (s *Stream) execPlain(b byte) error {
	switch b {
	case '.':
		return errStop
	case 'N', 0x88, 0x89, 0x97, 0x8f:
		s.push(opaque)
	case 0x98:
		s.top()
	case ']', '}', ')', 'l', 't', 'd', 0x91, 0x85, 0x86, 0x87, 'a', 'e', 0x90, 's', 'u':
		s.execContainer(b)
	case '(':
		s.push(Value{k: kMark})
	case '0':
		s.pop1()
	case '1':
		s.popMark(nil)
	case '2':
		if t := s.top(); t != nil {
			s.push(*t)
		}
	case 0x94:
		if t := s.top(); t != nil {
			s.memoPut(s.nmemo, *t)
		}
	default:
		return s.execCall(b)
	}
	return nil
}

// execContainer models the opcodes that build tuples, lists, dicts and sets.
func (s *Stream) execContainer(b byte) {
	switch b {
	case ']':
		s.push(Value{k: kList, ref: &aggregate{}})
	case '}':
		s.push(Value{k: kDict, ref: &aggregate{}})
	case ')':
		s.push(emptyTuple)
	case 'l':
		s.push(s.collect(kList))
	case 't':
		s.push(s.collect(kTuple))
	case 'd':
		s.push(s.collect(kDict))
	case 0x91:
		s.popMark(nil)
		s.push(opaque)
	case 0x85:
		a := s.popValue()
		s.push(s.tuple(a))
	case 0x86:
		b2, a := s.popValue(), s.popValue()
		s.push(s.tuple(a, b2))
	case 0x87:
		c, b2, a := s.popValue(), s.popValue(), s.popValue()
		s.push(s.tuple(a, b2, c))
	case 'a':
		v := s.popValue()
		if t := s.top(); t != nil {
			s.appendTo(t, v)
			s.addMethods(t, b)
		}
	case 'e', 0x90:
		var items []Value
		n := s.popMark(func(v Value) {
			if v.interesting() {
				items = append(items, v)
			}
		})
		if t := s.top(); t != nil {
			for _, v := range items {
				s.appendTo(t, v)
			}
			if n > 0 {
				s.addMethods(t, b)
			}
		}
	case 's':
		v, k := s.popValue(), s.popValue()
		if t := s.top(); t != nil {
			s.setItem(t, k, v)
		}
	case 'u':
		s.execSetItems()
	}
}

func (s *Stream) pop1() {
	n := len(s.stack)
	if n > 0 && s.stack[n-1].k == kMark {
		// POP of a mark is legal: it discards the mark (pickle's pop_mark).
		s.stack = s.stack[:n-1]
		return
	}
	s.popValue()
}

func (s *Stream) execSetItems() {
	var items []Value
	var i int
	n := s.popMark(func(v Value) {
		// Pairs past the bound are dropped, except scipy's template key,
		// which decides a verdict (resolve.go).
		switch {
		case len(items) < 2*maxDictPairs && i%2 == 0 || len(items)%2 == 1:
			items = append(items, v)
		case i%2 == 0:
			if k, ok := v.Str(); ok && k == templateKey {
				items = append(items, v)
			}
		}
		i++
	})
	if n%2 == 1 {
		s.semantic("SETITEMS with an odd number of items")
	}
	if t := s.top(); t != nil {
		for i := 0; i+1 < len(items); i += 2 {
			s.setItem(t, items[i], items[i+1])
		}
	}
}

// maxDictPairs bounds the keys kept per dict.
const maxDictPairs = 32

func (s *Stream) appendTo(t *Value, v Value) {
	if t.k != kList || t.ref == nil || !v.interesting() {
		return
	}
	s.addItem(t.ref, v, true)
}

func (s *Stream) setItem(t *Value, k, v Value) {
	if t.k != kDict || t.ref == nil {
		return
	}
	if k.k != kStr || (len(t.ref.items) >= 2*maxDictPairs && k.s != templateKey) || !s.keep() {
		t.ref.dropped++
		return
	}
	t.ref.items = append(t.ref.items, k, v)
}

// execLine models the opcodes whose argument is one line of text.
//
// A malformed argument is a semantic error: the line has been read, so the
// walk goes on (the unpickler stops there, having acted on everything
// before; walking on can only report more).
func (s *Stream) execLine(b byte) error {
	ln, err := s.readLine()
	if err != nil {
		return err
	}
	switch b {
	case 'I', 'L':
		v, err := parseIntLine(ln, b == 'L')
		if err != nil {
			s.semantic("%v", err)
			v = opaque
		}
		s.push(v)
	case 'F':
		if _, err := strconv.ParseFloat(string(bytes.TrimSpace(ln)), 64); err != nil {
			s.semantic("bad FLOAT argument %q", truncate(ln))
		}
		s.push(opaque)
	case 'P':
		s.persistent(Value{k: kStr, s: string(truncateBytes(ln, s.lim.MaxString))})
	case 'g', 'p':
		s.memoLine(b, ln)
	}
	return nil
}

// memoLine models GET and PUT, whose key Python reads as int(text, 10):
// surrounding whitespace, a sign and single underscores between digits
// are allowed.
func (s *Stream) memoLine(b byte, ln []byte) {
	n, ok := pyInt10(ln)
	switch {
	case !ok:
		s.semantic("bad memo key %q", truncate(ln))
	case n < 0:
		s.semantic("negative memo key")
	case b == 'g':
		s.memoGet(uint64(n))
		return
	default:
		if t := s.top(); t != nil {
			s.memoPut(uint64(n), *t)
		}
		return
	}
	if b == 'g' {
		s.push(opaque)
	}
}

// pyInt10 parses b as Python's int(b, 10) does, for values that fit an
// int64.
func pyInt10(b []byte) (int64, bool) {
	t := strings.TrimSpace(string(b))
	if strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return 0, false
	}
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || strings.HasPrefix(digits, "_") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64)
	return n, err == nil
}

// parseIntLine parses an INT or LONG argument as Python's int(text, 0)
// does: an optional sign, then decimal digits or a 0x/0o/0b prefix, with
// single underscores between digits.
func parseIntLine(ln []byte, long bool) (Value, error) {
	t := string(bytes.TrimSpace(ln))
	if long {
		t = strings.TrimSuffix(t, "L")
	}
	if !long && (t == "00" || t == "01") {
		return opaque, nil // protocol 0 booleans
	}
	if n, err := strconv.ParseInt(t, 0, 64); err == nil {
		return Value{k: kInt, n: n}, nil
	}
	if validBigInt(t) {
		return opaque, nil
	}
	return Value{}, fmt.Errorf("bad integer %q", truncate(ln))
}

// validBigInt reports whether t is an integer literal too large for int64.
func validBigInt(t string) bool {
	t = strings.TrimLeft(t, "+-")
	digits := "0123456789_"
	if len(t) > 2 && t[0] == '0' {
		switch t[1] {
		case 'x', 'X':
			digits, t = "0123456789abcdefABCDEF_", t[2:]
		case 'o', 'O':
			digits, t = "01234567_", t[2:]
		case 'b', 'B':
			digits, t = "01_", t[2:]
		}
	}
	return t != "" && t[0] != '_' && t[len(t)-1] != '_' && strings.Trim(t, digits) == "" && !strings.Contains(t, "__")
}

// maxName bounds the dotted names the walker keeps; longer ones keep their
// start and their end, where an attribute walk's target is.
const maxName = 1024

func clip(name string) string {
	if len(name) <= maxName {
		return name
	}
	return name[:maxName/2] + "…" + name[len(name)-maxName/2:]
}

func truncate(b []byte) string { return string(truncateBytes(b, 64)) }

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// execGlobal models GLOBAL and INST, whose argument is two lines.
func (s *Stream) execGlobal(b byte) error {
	ln, err := s.readLine()
	if err != nil {
		return err
	}
	module := string(ln)
	ln, err = s.readLine()
	if err != nil {
		return err
	}
	name := string(ln)
	if module == "" || name == "" {
		return errors.New("empty module or name")
	}
	g := s.global(module, name, "")
	if b == 'c' {
		s.push(g)
		return nil
	}
	var args []Value
	s.popMark(func(v Value) { args = append(args, v) })
	s.push(s.call(g, args))
	return nil
}

// global records an import of module.name and returns the global value.
func (s *Stream) global(module, name, via string) Value {
	full := clip(module + "." + name)
	s.ref(RefImport, full, via)
	s.overridden(full)
	return Value{k: kGlobal, s: full, via: via}
}

// memoPut stores v under key. The unpickler's MEMOIZE stores under the
// count of keys set so far, so every new key is counted, however large.
func (s *Stream) memoPut(key uint64, v Value) {
	if s.newKey(key) {
		s.nmemo++
	}
	if s.memoLost || !v.interesting() {
		delete(s.memo, key)
		return
	}
	if _, ok := s.memo[key]; !ok && len(s.memo) >= s.lim.MaxMemo {
		s.res.Lossy = true
		return
	}
	s.memo[key] = v
}

// newKey marks key as set and reports whether it was not before. Past
// MaxMemo keys beyond the bitset, the count is lost (memoLost).
func (s *Stream) newKey(key uint64) bool {
	if key < maxTracked {
		return s.seen.set(key)
	}
	if _, ok := s.bigKeys[key]; ok {
		return false
	}
	if len(s.bigKeys) >= s.lim.MaxMemo {
		s.memoLost, s.res.Lossy = true, true
		s.memo = map[uint64]Value{}
		return true
	}
	if s.bigKeys == nil {
		s.bigKeys = map[uint64]struct{}{}
	}
	s.bigKeys[key] = struct{}{}
	return true
}

// memoGet pushes the value stored under key.
func (s *Stream) memoGet(key uint64) {
	_, big := s.bigKeys[key]
	if found := key < maxTracked && s.seen.has(key) || big; !found && !s.memoLost {
		s.semantic("memo key %d not found", key)
	}
	if v, ok := s.memo[key]; ok && !s.memoLost {
		s.push(v)
		return
	}
	s.push(opaque)
}

// persistent models PERSID and BINPERSID: the unpickler's persistent_load
// resolves the ID. PyTorch's IDs name tensor storages.
//
// torch's legacy persistent_load returns, for a ('module', cls, file,
// source) ID, cls itself (_check_container_source): what the pickle calls
// next is that global.
func (s *Stream) persistent(pid Value) {
	it := pid.Items()
	if tag, _ := args0(it).Str(); tag == "module" && len(it) >= 2 && it[1].k == kGlobal {
		s.push(it[1])
		return
	}
	if len(it) >= 5 {
		tag, _ := it[0].Str()
		typ, _ := it[1].Global()
		key, _ := it[2].Str()
		numel, _ := it[4].Int()
		if tag == "storage" && len(s.res.Storages) < s.lim.MaxKept {
			s.res.Storages = append(s.res.Storages, Storage{Key: key, Type: typ, Numel: numel})
		}
	}
	s.push(opaque)
}

// extension models EXT1, EXT2 and EXT4: the unpickler looks the code up in
// copyreg's registry and imports what it names. A fresh interpreter's
// registry is empty, but a pickle may fill it first (copyreg.add_extension,
// itself denied): such codes resolve to the names registered.
func (s *Stream) extension(code int64) {
	if name, ok := s.exts[code]; ok {
		s.push(s.derive(name, fmt.Sprintf("copyreg extension code %d", code)))
		return
	}
	s.ref(RefExtension, fmt.Sprintf("copyreg extension code %d", code), "")
	s.push(opaque)
}

// addExtension records copyreg.add_extension(module, name, code) with
// literal arguments.
func (s *Stream) addExtension(args []Value) {
	if len(args) != 3 {
		return
	}
	mod, ok1 := args[0].Str()
	name, ok2 := args[1].Str()
	code, ok3 := args[2].Int()
	if !ok1 || !ok2 || !ok3 || len(s.exts) >= maxReceivers {
		return
	}
	if s.exts == nil {
		s.exts = map[int64]string{}
	}
	s.exts[code] = clip(mod + "." + name)
}

// addMethods records the methods the unpickler calls when APPEND, APPENDS
// or ADDITEMS target something other than a list or set it built: for a
// global (a module or class), extend or append (ADDITEMS: add), looked up
// on it and called with the items.
func (s *Stream) addMethods(t *Value, b byte) {
	if t.k != kGlobal {
		return
	}
	via := OpName(b) + " on " + t.s
	if b == 0x90 {
		s.ref(RefImport, clip(t.s+".add"), via)
		return
	}
	s.ref(RefImport, clip(t.s+".extend"), via)
	s.ref(RefImport, clip(t.s+".append"), via)
}
