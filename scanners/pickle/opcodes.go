package pickle

// argKind says how an opcode's inline argument is encoded (pickletools'
// ArgumentDescriptor).
type argKind uint8

const (
	argNone    argKind = iota
	argU1              // uint1
	argU2              // uint2 (little-endian)
	argI4              // int4 (signed)
	argU4              // uint4
	argU8              // uint8
	argLine            // newline-terminated text (decimal, float, pid, ...)
	argString          // protocol 0 quoted string (repr)
	argUnicode         // protocol 0 raw-unicode-escape line
	argTwoLine         // two newline-terminated lines (module, name)
	argStr1            // 1-byte length + bytes
	argStr4            // 4-byte signed length + bytes (BINSTRING)
	argStrU4           // 4-byte unsigned length + bytes
	argStr8            // 8-byte length + bytes
	argLong1           // 1-byte length + little-endian two's complement
	argLong4           // 4-byte signed length + little-endian two's complement
	argF8              // 8-byte big-endian float
)

// op describes one opcode of CPython's pickletools table.
type op struct {
	name  string
	arg   argKind
	proto int8 // protocol that introduced it
}

// opcodes is indexed by the opcode byte; entries with an empty name are not
// opcodes. The table is complete for protocols 0-5 (pickletools.opcodes).
var opcodes = [256]op{
	'I':  {"INT", argLine, 0},
	'J':  {"BININT", argI4, 1},
	'K':  {"BININT1", argU1, 1},
	'M':  {"BININT2", argU2, 1},
	'L':  {"LONG", argLine, 0},
	0x8a: {"LONG1", argLong1, 2},
	0x8b: {"LONG4", argLong4, 2},
	'S':  {"STRING", argString, 0},
	'T':  {"BINSTRING", argStr4, 1},
	'U':  {"SHORT_BINSTRING", argStr1, 1},
	'B':  {"BINBYTES", argStrU4, 3},
	'C':  {"SHORT_BINBYTES", argStr1, 3},
	0x8e: {"BINBYTES8", argStr8, 4},
	0x96: {"BYTEARRAY8", argStr8, 5},
	0x97: {"NEXT_BUFFER", argNone, 5},
	0x98: {"READONLY_BUFFER", argNone, 5},
	'N':  {"NONE", argNone, 0},
	0x88: {"NEWTRUE", argNone, 2},
	0x89: {"NEWFALSE", argNone, 2},
	'V':  {"UNICODE", argUnicode, 0},
	0x8c: {"SHORT_BINUNICODE", argStr1, 4},
	'X':  {"BINUNICODE", argStrU4, 1},
	0x8d: {"BINUNICODE8", argStr8, 4},
	'F':  {"FLOAT", argLine, 0},
	'G':  {"BINFLOAT", argF8, 1},
	']':  {"EMPTY_LIST", argNone, 1},
	'a':  {"APPEND", argNone, 0},
	'e':  {"APPENDS", argNone, 1},
	'l':  {"LIST", argNone, 0},
	')':  {"EMPTY_TUPLE", argNone, 1},
	't':  {"TUPLE", argNone, 0},
	0x85: {"TUPLE1", argNone, 2},
	0x86: {"TUPLE2", argNone, 2},
	0x87: {"TUPLE3", argNone, 2},
	'}':  {"EMPTY_DICT", argNone, 1},
	'd':  {"DICT", argNone, 0},
	's':  {"SETITEM", argNone, 0},
	'u':  {"SETITEMS", argNone, 1},
	0x8f: {"EMPTY_SET", argNone, 4},
	0x90: {"ADDITEMS", argNone, 4},
	0x91: {"FROZENSET", argNone, 4},
	'0':  {"POP", argNone, 0},
	'2':  {"DUP", argNone, 0},
	'(':  {"MARK", argNone, 0},
	'1':  {"POP_MARK", argNone, 1},
	'g':  {"GET", argLine, 0},
	'h':  {"BINGET", argU1, 1},
	'j':  {"LONG_BINGET", argU4, 1},
	'p':  {"PUT", argLine, 0},
	'q':  {"BINPUT", argU1, 1},
	'r':  {"LONG_BINPUT", argU4, 1},
	0x94: {"MEMOIZE", argNone, 4},
	0x82: {"EXT1", argU1, 2},
	0x83: {"EXT2", argU2, 2},
	0x84: {"EXT4", argI4, 2},
	'c':  {"GLOBAL", argTwoLine, 0},
	0x93: {"STACK_GLOBAL", argNone, 4},
	'R':  {"REDUCE", argNone, 0},
	'b':  {"BUILD", argNone, 0},
	'i':  {"INST", argTwoLine, 0},
	'o':  {"OBJ", argNone, 1},
	0x81: {"NEWOBJ", argNone, 2},
	0x92: {"NEWOBJ_EX", argNone, 4},
	0x80: {"PROTO", argU1, 2},
	'.':  {"STOP", argNone, 0},
	0x95: {"FRAME", argU8, 4},
	'P':  {"PERSID", argLine, 0},
	'Q':  {"BINPERSID", argNone, 1},
}

// OpName returns the pickletools name of opcode b, or "" if b is not one.
func OpName(b byte) string { return opcodes[b].name }

// HighestProtocol is the newest pickle protocol the walker knows.
const HighestProtocol = 5
