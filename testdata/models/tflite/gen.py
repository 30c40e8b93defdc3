#!/usr/bin/python3
"""Writes the TFLite fixtures of testdata/models/tflite.

TensorFlow is not installed here, so the FlatBuffers are laid out by hand
with struct, following tensorflow/compiler/mlir/lite/schema/schema.fbs:
each table is preceded by its vtable and followed by the objects it points
to, every scalar aligned to its size. Output is deterministic. Nothing is
loaded or run. Run from anywhere: /usr/bin/python3 gen.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

ADD, FULLY_CONNECTED, CUSTOM = 0, 9, 32
FLOAT32 = 0


class Table:
    """fields: (slot, fmt, value); fmt is a struct code or 'off'."""

    def __init__(self, *fields):
        self.fields = [f for f in fields if f is not None]


class Vec:
    def __init__(self, fmt, items):
        self.fmt, self.items = fmt, list(items)


class Str:
    def __init__(self, s):
        self.s = s.encode()


def align(buf, n):
    while len(buf) % n:
        buf.append(0)


def place(buf, obj):
    """Writes obj at the end of buf, then its children; returns its position."""
    pending = []
    if isinstance(obj, Str):
        align(buf, 4)
        pos = len(buf)
        buf += struct.pack("<I", len(obj.s)) + obj.s + b"\0"
        return pos
    if isinstance(obj, Vec):
        size = 4 if obj.fmt == "off" else struct.calcsize("<" + obj.fmt)
        align(buf, max(4, size))
        if size == 8 and len(buf) % 8 == 0:
            buf += b"\0" * 4
        pos = len(buf)
        buf += struct.pack("<I", len(obj.items))
        for it in obj.items:
            if obj.fmt == "off":
                pending.append((len(buf), it))
                buf += b"\0" * 4
            else:
                buf += struct.pack("<" + obj.fmt, it)
    else:
        fields = sorted(obj.fields, key=lambda f: f[0])
        nslots = max([f[0] for f in fields], default=-1) + 1
        align(buf, 4)
        vt = len(buf)
        buf += b"\0" * (4 + 2 * nslots)
        align(buf, 8)
        pos = len(buf)
        buf += struct.pack("<i", pos - vt)
        offs = {}
        for slot, fmt, val in fields:
            size = 4 if fmt == "off" else struct.calcsize("<" + fmt)
            align(buf, size)
            offs[slot] = len(buf) - pos
            if fmt == "off":
                pending.append((len(buf), val))
                buf += b"\0" * 4
            else:
                buf += struct.pack("<" + fmt, val)
        struct.pack_into("<HH", buf, vt, 4 + 2 * nslots, len(buf) - pos)
        for slot, o in offs.items():
            struct.pack_into("<H", buf, vt + 4 + 2 * slot, o)
    for at, child in pending:
        cpos = place(buf, child)
        struct.pack_into("<I", buf, at, cpos - at)
    return pos


def flatbuffer(root):
    buf = bytearray(8)
    buf[4:8] = b"TFL3"
    pos = place(buf, root)
    struct.pack_into("<I", buf, 0, pos)
    align(buf, 16)
    return bytes(buf)


def opcode(builtin, custom=None):
    return Table((0, "b", min(builtin, 127)), (1, "off", Str(custom)) if custom else None,
                 (2, "i", 1), (3, "i", builtin))


def tensor(name, shape, buffer=0):
    return Table((0, "off", Vec("i", shape)), (1, "b", FLOAT32), (2, "I", buffer), (3, "off", Str(name)))


def operator(index, inputs, outputs, custom_options=None):
    return Table((0, "I", index), (1, "off", Vec("i", inputs)), (2, "off", Vec("i", outputs)),
                 (5, "off", Vec("B", custom_options)) if custom_options else None)


def model(extra_codes=(), extra_ops=(), version=3):
    """input[1,4] -> FULLY_CONNECTED(weights[2,4], bias[2]) -> ADD(itself) ->
    output[1,2], then any extra operators, which read the output."""
    codes = [opcode(FULLY_CONNECTED), opcode(ADD)] + list(extra_codes)
    tensors = [tensor("serving_default_x:0", [1, 4]), tensor("dense/kernel", [2, 4], 1),
               tensor("dense/bias", [2], 2), tensor("dense/MatMul", [1, 2]), tensor("Identity", [1, 2])]
    ops = [operator(0, [0, 1, 2], [3]), operator(1, [3, 3], [4])]
    ops += [operator(2 + i, [4], [4], opts) for i, opts in enumerate(extra_ops)]
    weights = struct.pack("<8f", *[0.5] * 8)
    bias = struct.pack("<2f", 0.0, 0.0)
    buffers = [Table(), Table((0, "off", Vec("B", weights))), Table((0, "off", Vec("B", bias))),
               Table((0, "off", Vec("B", b"1.0.0")))]
    sub = Table((0, "off", Vec("off", tensors)), (1, "off", Vec("i", [0])), (2, "off", Vec("i", [4])),
                (3, "off", Vec("off", ops)), (4, "off", Str("main")))
    return flatbuffer(Table((0, "I", version), (1, "off", Vec("off", codes)), (2, "off", Vec("off", [sub])),
                            (3, "off", Str("aibom fixture: dense layer")), (4, "off", Vec("off", buffers)),
                            (6, "off", Vec("off", [Table((0, "off", Str("min_runtime_version")), (1, "I", 3))]))))


FILES = {}


def add(name, data, verdict, why, globals_=()):
    FILES[name] = (data, verdict, why, list(globals_))


def main():
    benign = model()
    add("benign.tflite", benign, "clean", "FULLY_CONNECTED and ADD builtins only")
    add("custom_op.tflite", model([opcode(CUSTOM, "AibomFixtureOp")], [b"\x00"]), "suspicious",
        "custom op: needs native code registered by the application", ["AibomFixtureOp"])
    add("flex_readfile.tflite", model([opcode(CUSTOM, "FlexReadFile")], [b"\x00"]), "malicious",
        "Flex op running TensorFlow's ReadFile", ["ReadFile"])
    add("flex_writefile.tflite", model([opcode(CUSTOM, "FlexWriteFile")], [b"\x00"]), "malicious",
        "Flex op running TensorFlow's WriteFile", ["WriteFile"])
    add("flex_erf.tflite", model([opcode(CUSTOM, "FlexErf")], [b"\x00"]), "suspicious",
        "Flex op running a harmless TensorFlow op: needs the Flex delegate", ["Erf"])
    add("truncated.tflite", benign[: len(benign) // 2], "invalid", "cut in the middle")
    bad = bytearray(benign)
    struct.pack_into("<I", bad, 0, len(benign) + 64)
    add("root_past_eof.tflite", bytes(bad), "invalid", "root table offset points past the end of the file")
    add("wrong_version.tflite", model(version=2), "invalid", "schema version 2: the runtime loads only 3")
    expected = {}
    for name, (data, verdict, why, globs) in FILES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        expected["tflite/" + name] = {"verdict": verdict, "format": "tflite", "globals": globs, "why": why}
    expected["tflite/gen.py"] = {"verdict": "clean", "format": "python", "globals": [], "why": "the generator (Python source): its code runs only under if __name__ == '__main__', so importing it runs nothing"}
    for name in ("README.md", "expected.json"):
        expected["tflite/" + name] = {"verdict": "unscanned", "format": "unknown", "globals": [],
                                      "why": "not a model"}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
