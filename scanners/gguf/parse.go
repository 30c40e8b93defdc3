package gguf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Parse validates the GGUF file of size bytes read from r and returns what
// it declares. Every error is a *scanners.FormatError whose Offset is the
// byte offset of the field at fault.
//
// Parse reads the header, the metadata and the tensor infos, not the tensor
// data; it allocates a string only after checking its length against lim
// and the bytes that remain, and never sizes anything by a count.
func Parse(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	f, err := parseContext(context.Background(), r, size, lim)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// parseContext is Parse, stopping with ctx.Err() when ctx is done. On an
// error it also returns what it read before it (the chat templates a
// lenient loader would still use), never nil.
func parseContext(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*File, error) {
	d := &reader{ctx: ctx, r: r, size: size, lim: lim.withDefaults()}
	f := &File{Alignment: defaultAlignment, FileType: -1}
	nTensors, nKV, err := d.header(f)
	if err == nil {
		err = d.metadata(f, nKV)
	}
	if err == nil {
		err = d.tensorInfos(f, nTensors)
	}
	if err == nil {
		err = d.layout(f)
	}
	f.describe()
	return f, err
}

// header reads the magic, the version and the two counts.
func (d *reader) header(f *File) (nTensors, nKV uint64, err error) {
	if d.size < int64(len(magic)) {
		return 0, 0, scanners.Errorf(format, 0, "file is %d bytes, too short for the magic", d.size)
	}
	b, err := d.take(4, "magic")
	if err != nil {
		return 0, 0, err
	}
	if string(b) == swappedMagic {
		return 0, 0, scanners.Errorf(format, 0, "bad magic %q (byte-swapped, which candle accepts), want %q", b, magic)
	}
	if string(b) != magic {
		return 0, 0, scanners.Errorf(format, 0, "bad magic %q, want %q", b, magic)
	}
	v, err := d.u32("version")
	if err != nil {
		return 0, 0, err
	}
	switch {
	case v == 0:
		return 0, 0, scanners.Errorf(format, 4, "version 0")
	case v&0xffff == 0:
		return 0, 0, scanners.Errorf(format, 4, "version %#x: big-endian GGUF files are not supported", v)
	case v > 3:
		return 0, 0, scanners.Errorf(format, 4, "unsupported version %d", v)
	}
	f.Version = v
	d.v1 = v == 1
	at := d.off
	if nTensors, err = d.length("tensor count"); err != nil {
		return 0, 0, err
	}
	// The smallest tensor info: name length, n_dims, type and offset.
	//nolint:gosec // withDefaults made the limits positive
	if err := d.checkCount(at, "tensor", nTensors, uint64(d.lim.MaxTensors), d.lenSize()+4+4+8); err != nil {
		return 0, 0, err
	}
	at = d.off
	if nKV, err = d.length("metadata count"); err != nil {
		return 0, 0, err
	}
	// The smallest key/value: key length, type and a one-byte value.
	//nolint:gosec // withDefaults made the limits positive
	if err := d.checkCount(at, "metadata", nKV, uint64(d.lim.MaxKV), d.lenSize()+4+1); err != nil {
		return 0, 0, err
	}
	return nTensors, nKV, nil
}

// checkCount rejects a count above max or one whose smallest encoding,
// minSize bytes per item, exceeds the bytes that remain.
func (d *reader) checkCount(at int64, what string, n, maxN uint64, minSize int64) error {
	if n > maxN {
		return scanners.Errorf(format, at, "%s count %d exceeds the limit of %d", what, n, maxN)
	}
	if n > uint64(d.remain()/minSize) { //nolint:gosec // off <= size, so remain() >= 0
		return scanners.Errorf(format, at, "%s count %d needs at least %d bytes each, but only %d bytes remain", what, n, minSize, d.remain())
	}
	return nil
}

// isTemplateKey reports whether key holds a chat template.
func isTemplateKey(key string) bool {
	return key == "tokenizer.chat_template" || strings.HasPrefix(key, "tokenizer.chat_template.")
}

// metadata reads the key/values.
func (d *reader) metadata(f *File, n uint64) error {
	seen := map[string]bool{}
	var templateBytes int64
	for range n {
		if err := d.tick(); err != nil {
			return err
		}
		kv := KV{Offset: d.off}
		key, _, _, err := d.str("key", "", -1)
		if err != nil {
			return err
		}
		if key == "" {
			return scanners.Errorf(format, kv.Offset, "empty key")
		}
		if seen[key] {
			return scanners.Errorf(format, kv.Offset, "duplicate key %q", key)
		}
		seen[key] = true
		kv.Key = key
		t, err := d.u32("value type of " + key)
		if err != nil {
			return err
		}
		kv.ValueOffset = d.off
		keep := int64(keepString)
		if isTemplateKey(key) {
			if ValueType(t) != TypeString {
				return scanners.Errorf(format, kv.ValueOffset-4, "%s has type %s, want str", key, ValueType(t))
			}
			keep = -1
		}
		if kv.Value, err = d.value(ValueType(t), kv.ValueOffset-4, 0, keep, key); err != nil {
			return err
		}
		if keep < 0 {
			//nolint:gosec // a template is at most MaxString bytes long
			if templateBytes += int64(kv.Value.Len); templateBytes > d.lim.MaxTemplateBytes {
				return scanners.Errorf(format, kv.Offset, "chat templates exceed the limit of %d bytes in total", d.lim.MaxTemplateBytes)
			}
			f.addTemplate(kv, d.lenSize())
		}
		f.Metadata = append(f.Metadata, kv)
	}
	return d.alignment(f)
}

// addTemplate records the chat template in kv.
func (f *File) addTemplate(kv KV, lenSize int64) {
	sum := sha256.Sum256([]byte(kv.Value.Str))
	f.ChatTemplates = append(f.ChatTemplates, ChatTemplate{
		Key:    kv.Key,
		Name:   strings.TrimPrefix(strings.TrimPrefix(kv.Key, "tokenizer.chat_template"), "."),
		Text:   kv.Value.Str,
		SHA256: hex.EncodeToString(sum[:]),
		Offset: kv.ValueOffset + lenSize,
	})
}

// alignment applies general.alignment: a u32, a power of two, within the
// limit.
func (d *reader) alignment(f *File) error {
	for _, kv := range f.Metadata {
		if kv.Key != "general.alignment" {
			continue
		}
		if kv.Value.Type != TypeUint32 {
			return scanners.Errorf(format, kv.ValueOffset-4, "general.alignment has type %s, want u32", kv.Value.Type)
		}
		a := kv.Value.Uint
		if a == 0 || a&(a-1) != 0 {
			return scanners.Errorf(format, kv.ValueOffset, "general.alignment %d is not a power of two", a)
		}
		if a > uint64(d.lim.MaxAlignment) {
			return scanners.Errorf(format, kv.ValueOffset, "general.alignment %d exceeds the limit of %d", a, d.lim.MaxAlignment)
		}
		f.Alignment = uint32(a) //nolint:gosec // a <= MaxAlignment, a uint32
	}
	return nil
}

// value reads a value of type t whose type field is at typeOff. Strings
// longer than keep are skipped (keep < 0 keeps them all).
func (d *reader) value(t ValueType, typeOff int64, depth int, keep int64, key string) (Value, error) {
	v := Value{Type: t}
	switch t {
	case TypeString:
		s, n, kept, err := d.str("string value of ", key, keep)
		v.Str, v.Len, v.Kept = s, n, kept
		return v, err
	case TypeArray:
		return d.array(typeOff, depth+1, key)
	case TypeBool:
		at := d.off
		b, err := d.u8("bool value")
		if err == nil && b > 1 {
			err = scanners.Errorf(format, at, "bool value %d of %s is neither 0 nor 1", b, key)
		}
		v.Bool, v.Kept = b == 1, true
		return v, err
	case TypeUint8, TypeInt8, TypeUint16, TypeInt16, TypeUint32, TypeInt32,
		TypeFloat32, TypeUint64, TypeInt64, TypeFloat64:
		err := d.number(&v)
		return v, err
	default:
		return v, scanners.Errorf(format, typeOff, "%s has unknown value type %d", key, uint32(t))
	}
}

// number reads the fixed-size numeric value v.Type into v.
func (d *reader) number(v *Value) error {
	v.Kept = true
	b, err := d.take(v.Type.size(), "number")
	if err != nil {
		return err
	}
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	switch v.Type {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		v.Uint = u
	case TypeInt8:
		v.Int = int64(int8(u))
	case TypeInt16:
		v.Int = int64(int16(u))
	case TypeInt32:
		v.Int = int64(int32(u))
	case TypeInt64:
		v.Int = int64(u)
	case TypeFloat32:
		v.Float = float64(math.Float32frombits(uint32(u)))
	case TypeFloat64:
		v.Float = math.Float64frombits(u)
	default:
	}
	return nil
}

// array reads an array (element type, count, elements) at nesting depth.
func (d *reader) array(typeOff int64, depth int, key string) (Value, error) {
	v := Value{Type: TypeArray}
	if depth > d.lim.MaxDepth {
		return v, scanners.Errorf(format, typeOff, "arrays in %s nest deeper than %d", key, d.lim.MaxDepth)
	}
	et, err := d.u32("array element type of " + key)
	if err != nil {
		return v, err
	}
	v.ElemType = ValueType(et)
	elemSize := v.ElemType.size()
	switch v.ElemType {
	case TypeString:
		elemSize = d.lenSize()
	case TypeArray:
		elemSize = 4 + d.lenSize()
	case TypeUint8, TypeInt8, TypeUint16, TypeInt16, TypeUint32, TypeInt32,
		TypeFloat32, TypeBool, TypeUint64, TypeInt64, TypeFloat64:
	default:
		return v, scanners.Errorf(format, d.off-4, "array %s has unknown element type %d", key, et)
	}
	at := d.off
	n, err := d.length("array count of " + key)
	if err != nil {
		return v, err
	}
	v.Len = n
	if n > uint64(d.lim.MaxArray) { //nolint:gosec // withDefaults made the limit positive
		return v, scanners.Errorf(format, at, "array %s has %d elements, above the limit of %d", key, n, d.lim.MaxArray)
	}
	if n > uint64(d.remain()/elemSize) { //nolint:gosec // off <= size, so remain() >= 0
		return v, scanners.Errorf(format, at, "array %s has %d elements of at least %d bytes, but only %d bytes remain", key, n, elemSize, d.remain())
	}
	if n > keepArray && v.ElemType != TypeString && v.ElemType != TypeArray && v.ElemType != TypeBool {
		// Fixed-size elements: the size is known, nothing to look at.
		return v, d.skip(int64(n)*elemSize, "array "+key) //nolint:gosec // n <= remain()/elemSize
	}
	// Only the elements of short top-level arrays are kept: nested ones
	// could multiply.
	v.Kept = n <= keepArray && depth == 1
	for range n {
		if err := d.tick(); err != nil {
			return v, err
		}
		e, err := d.value(v.ElemType, d.off, depth, keepString, key)
		if err != nil {
			return v, err
		}
		if v.Kept {
			v.Elems = append(v.Elems, e)
		}
	}
	return v, nil
}
