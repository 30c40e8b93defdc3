#!/usr/bin/python3
"""Writes the SavedModel fixtures of testdata/models/tensorflow.

TensorFlow is not installed here, so the saved_model.pb files are encoded
by hand, field by field, following tensorflow/core/protobuf/saved_model.proto
and the messages it includes. Output is deterministic. Nothing is loaded or
executed: the "malicious" twins only name dangerous ops, with harmless
arguments. Run from anywhere: /usr/bin/python3 gen.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

DT_FLOAT, DT_STRING, DT_RESOURCE = 1, 7, 20


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vfield(num, v):
    return varint(num << 3) + varint(v)


def bfield(num, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def msg(*parts):
    return b"".join(parts)


# AttrValue: list 1 (ListValue: s 2), s 2, type 6, shape 7, func 10.
def attr(key, value):
    return bfield(5, bfield(1, key) + bfield(2, value))


def a_type(t):
    return vfield(6, t)


def a_str(s):
    return bfield(2, s)


def a_strs(*ss):
    return bfield(1, msg(*[bfield(2, s) for s in ss]))


def a_func(name):
    return bfield(10, bfield(1, name))


def node(name, op, inputs=(), attrs=()):
    return msg(bfield(1, name), bfield(2, op), *[bfield(3, i) for i in inputs], *attrs)


def function(name, nodes):
    return msg(bfield(1, bfield(1, name)), *[bfield(3, n) for n in nodes])


def shape(*dims):
    return msg(*[bfield(2, vfield(1, d)) for d in dims])


def tensor_info(name, dtype, dims):
    return msg(bfield(1, name), vfield(2, dtype), bfield(3, shape(*dims)))


def signature(inputs, outputs, method):
    parts = [bfield(1, bfield(1, k) + bfield(2, v)) for k, v in inputs]
    parts += [bfield(2, bfield(1, k) + bfield(2, v)) for k, v in outputs]
    return msg(*parts, bfield(3, method))


def meta_graph(nodes, functions=(), saver=None, signatures=(), objects=0, init_ops=()):
    info = msg(bfield(4, "serve"), bfield(5, "2.15.0"), bfield(6, "v2.15.0-0-g6887368d6d4"))
    graph = msg(*[bfield(1, n) for n in nodes])
    if functions:
        graph += bfield(2, msg(*[bfield(1, f) for f in functions]))
    graph += bfield(4, vfield(1, 1286))  # versions.producer
    parts = [bfield(1, info), bfield(2, graph)]
    if saver:
        parts.append(bfield(3, msg(bfield(1, saver[0]), bfield(2, saver[1]), bfield(3, saver[2]),
                                   vfield(7, 2))))
    if init_ops:
        coll = bfield(1, msg(*[bfield(1, n) for n in init_ops]))
        parts.append(bfield(4, bfield(1, "saved_model_main_op") + bfield(2, coll)))
    for key, sig in signatures:
        parts.append(bfield(5, bfield(1, key) + bfield(2, sig)))
    if objects:
        parts.append(bfield(7, msg(*[bfield(1, b"") for _ in range(objects)],
                                   bfield(2, bfield(1, "__inference_call_41")))))
    return msg(*parts)


def saved_model(*metas):
    return vfield(1, 1) + msg(*[bfield(2, m) for m in metas])


PREDICT = "tensorflow/serving/predict"


def tf1(extra_nodes=(), y_inputs=("MatMul",), init_ops=()):
    """A TF1 graph: x -> MatMul(w) -> Relu, with a tf.compat.v1 Saver."""
    nodes = [
        node("x", "Placeholder", attrs=[attr("dtype", a_type(DT_FLOAT))]),
        node("w", "VariableV2", attrs=[attr("dtype", a_type(DT_FLOAT))]),
        node("w/read", "Identity", ["w"]),
        node("MatMul", "MatMul", ["x", "w/read"]),
        node("y", "Relu", list(y_inputs)),
        node("save/Const", "Const", attrs=[attr("dtype", a_type(DT_STRING))]),
        node("save/SaveV2/tensor_names", "Const"),
        node("save/SaveV2/shape_and_slices", "Const"),
        node("save/SaveV2", "SaveV2", ["save/Const", "save/SaveV2/tensor_names",
                                      "save/SaveV2/shape_and_slices", "w"]),
        node("save/control_dependency", "Identity", ["save/Const", "^save/SaveV2"]),
        node("save/RestoreV2", "RestoreV2", ["save/Const", "save/SaveV2/tensor_names",
                                            "save/SaveV2/shape_and_slices"]),
        node("save/Assign", "Assign", ["w", "save/RestoreV2"]),
        node("save/restore_all", "NoOp", ["^save/Assign"]),
    ]
    nodes += list(extra_nodes)
    sig = signature([("x", tensor_info("x:0", DT_FLOAT, [-1, 4]))],
                    [("y", tensor_info("y:0", DT_FLOAT, [-1, 2]))], PREDICT)
    return saved_model(meta_graph(nodes, saver=("save/Const:0", "save/control_dependency:0", "save/restore_all"),
                                  signatures=[("serving_default", sig)], init_ops=init_ops))


def tf2(call_extra=(), extra_functions=(), main_extra=()):
    """A TF2 graph: a signature wrapper calling a Dense layer, and the
    traced save and restore functions of tf.saved_model.save."""
    nodes = [
        node("serving_default_x", "Placeholder", attrs=[attr("dtype", a_type(DT_FLOAT))]),
        node("dense/kernel", "VarHandleOp", attrs=[attr("dtype", a_type(DT_FLOAT))]),
        node("saver_filename", "Placeholder", attrs=[attr("dtype", a_type(DT_STRING))]),
        node("StatefulPartitionedCall", "StatefulPartitionedCall", ["serving_default_x", "dense/kernel"],
             [attr("f", a_func("__inference_signature_wrapper_42"))]),
        node("StatefulPartitionedCall_1", "StatefulPartitionedCall", ["saver_filename", "dense/kernel"],
             [attr("f", a_func("__inference__traced_save_77"))]),
        node("StatefulPartitionedCall_2", "StatefulPartitionedCall", ["saver_filename", "dense/kernel"],
             [attr("f", a_func("__inference__traced_restore_88"))]),
        node("NoOp", "NoOp"),
    ] + list(main_extra)
    functions = [
        function("__inference_signature_wrapper_42", [
            node("StatefulPartitionedCall", "StatefulPartitionedCall", ["x", "unknown"],
                 [attr("f", a_func("__inference_call_41"))]),
        ]),
        function("__inference_call_41", [
            node("MatMul/ReadVariableOp", "ReadVariableOp", ["matmul_readvariableop_resource"]),
            node("MatMul", "MatMul", ["inputs", "MatMul/ReadVariableOp:value:0"]),
            node("Relu", "Relu", ["MatMul:product:0"]),
            node("Identity", "Identity", ["Relu:activations:0"]),
        ] + list(call_extra)),
        function("__inference__traced_save_77", [
            node("StaticRegexFullMatch", "StaticRegexFullMatch", ["file_prefix"]),
            node("Const", "Const"),
            node("Select", "Select", ["StaticRegexFullMatch:output:0", "Const:output:0", "Const:output:0"]),
            node("StringJoin", "StringJoin", ["file_prefix", "Select:output:0"]),
            node("ShardedFilename", "ShardedFilename", ["StringJoin:output:0"]),
            node("SaveV2", "SaveV2", ["ShardedFilename:filename:0"]),
            node("MergeV2Checkpoints", "MergeV2Checkpoints", ["file_prefix"]),
            node("Identity", "Identity", ["file_prefix", "^MergeV2Checkpoints"]),
        ]),
        function("__inference__traced_restore_88", [
            node("RestoreV2", "RestoreV2", ["file_prefix"]),
            node("AssignVariableOp", "AssignVariableOp", ["resource", "RestoreV2:tensors:0"]),
            node("NoOp", "NoOp", ["^AssignVariableOp"]),
            node("Identity", "Identity", ["file_prefix", "^NoOp"]),
        ]),
    ] + list(extra_functions)
    sigs = [
        ("serving_default", signature([("x", tensor_info("serving_default_x:0", DT_FLOAT, [-1, 4]))],
                                      [("output_0", tensor_info("StatefulPartitionedCall:0", DT_FLOAT, [-1, 2]))],
                                      PREDICT)),
        ("__saved_model_init_op", signature([], [("__saved_model_init_op", tensor_info("NoOp", 0, []))], "")),
    ]
    return saved_model(meta_graph(nodes, functions,
                                  saver=("saver_filename:0", "StatefulPartitionedCall_1:0", "StatefulPartitionedCall_2"),
                                  signatures=sigs, objects=3))


FILES = {}


def add(path, data, verdict, why, globals_=()):
    FILES[path] = (data, verdict, why, list(globals_))


def main():
    benign1, benign2 = tf1(), tf2()
    add("tf1_benign/saved_model.pb", benign1, "clean",
        "TF1 graph with a Saver: SaveV2/RestoreV2 under save/, outside the serving fan-in")
    add("tf2_benign/saved_model.pb", benign2, "clean",
        "TF2 graph: checkpoint ops only in the traced save/restore functions")
    add("tf2_readfile/saved_model.pb",
        tf2(call_extra=[node("ReadFile/filename", "Const"), node("ReadFile", "ReadFile", ["ReadFile/filename:output:0"])]),
        "malicious", "ReadFile in the serving function", ["ReadFile"])
    add("tf2_writefile_unused_function/saved_model.pb",
        tf2(extra_functions=[function("__inference_dropper_99", [
            node("WriteFile", "WriteFile", ["filename", "contents"])])]),
        "malicious", "WriteFile in a library function nothing in the graph calls (callable after loading)",
        ["WriteFile"])
    add("tf2_save_in_serving/saved_model.pb",
        tf2(call_extra=[node("SaveV2", "SaveV2", ["prefix"])]),
        "malicious", "SaveV2 inside the serving function: writes files at inference time", ["SaveV2"])
    add("tf1_pyfunc/saved_model.pb",
        tf1(extra_nodes=[node("PyFunc", "PyFunc", ["MatMul"], [attr("token", a_str("pyfunc_0"))])],
            y_inputs=("PyFunc",)),
        "malicious", "PyFunc on the serving path", ["PyFunc"])
    add("tf1_saver_hijack/saved_model.pb",
        tf1(extra_nodes=[node("save/SaveV2_1", "SaveV2", ["save/Const"])], y_inputs=("MatMul", "^save/SaveV2_1")),
        "malicious", "SaveV2 under save/ but wired into the serving output by a control input", ["SaveV2"])
    add("tf1_main_op_merge/saved_model.pb",
        tf1(extra_nodes=[node("save/MergeV2Checkpoints", "MergeV2Checkpoints", ["save/Const"])],
            init_ops=["save/MergeV2Checkpoints"]),
        "malicious", "MergeV2Checkpoints (deletes files) run at load time by the main op collection",
        ["MergeV2Checkpoints"])
    add("tf1_debug_url/saved_model.pb",
        tf1(extra_nodes=[node("dbg", "DebugIdentity", ["MatMul"],
                              [attr("debug_urls", a_strs("grpc://127.0.0.1:6064"))])], y_inputs=("dbg",)),
        "malicious", "DebugIdentity streaming tensors to a gRPC debug URL", ["DebugIdentity"])
    add("tf2_custom_op/saved_model.pb",
        tf2(call_extra=[node("Fancy", "AibomFixtureCustomOp", ["Relu:activations:0"])]),
        "suspicious", "an op TensorFlow does not ship: needs a native op library", ["AibomFixtureCustomOp"])
    add("truncated/saved_model.pb", benign2[:len(benign2) // 2], "invalid", "cut in the middle of a node")
    bad = bytearray(benign1)
    # meta_graphs length claims 1000 more bytes than the file has.
    bad[3:5] = varint(len(benign1) - 5 + 1000)[:2]
    add("bad_length/saved_model.pb", bytes(bad), "invalid", "meta_graphs length runs past the end of the file")
    deep = b""
    for _ in range(40):  # AttrValue.func -> NameAttrList.attr -> entry value
        deep = bfield(10, bfield(2, bfield(1, "a") + bfield(2, deep)))
    nested = node("n", "Const", attrs=[attr("value", deep)])
    add("deep_nesting/saved_model.pb", vfield(1, 1) + bfield(2, bfield(2, bfield(1, nested))),
        "invalid", "attribute values nested 120 messages deep (protobuf stops at 100)")

    expected = {}
    for path, (data, verdict, why, globs) in FILES.items():
        full = os.path.join(HERE, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        expected["tensorflow/" + path] = {"verdict": verdict, "format": "tensorflow", "globals": globs, "why": why}
    expected["tensorflow/gen.py"] = {"verdict": "clean", "format": "python", "globals": [], "why": "the generator (Python source): its code runs only under if __name__ == '__main__', so importing it runs nothing"}
    for name in ("README.md", "expected.json"):
        expected["tensorflow/" + name] = {"verdict": "unscanned", "format": "unknown", "globals": [],
                                          "why": "not a model"}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
