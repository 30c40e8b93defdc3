#!/usr/bin/python3
"""Generate aibom's ONNX fixtures in this folder.

Run with Debian's Python and python3-onnx:

    apt-get install python3-onnx python3-numpy
    /usr/bin/python3 testdata/models/onnx/gen.py

The script builds ModelProtos with onnx.helper and writes their serialized
bytes. It NEVER loads a model into a runtime: no onnxruntime, no
onnx.load_external_data_for_model, and the checker runs only on the benign
models. Malicious twins carry harmless payloads: external-data locations
that point outside this folder (/etc/passwd, /etc/shadow are never read
here) and operators from domains no runtime implements.

It also rewrites expected.json (paths relative to testdata/models) and, with
--table, prints the Markdown table used in README.md.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.basename(HERE)
EXPECTED = {}


def expect(name, verdict, why, globals_=(), fmt="onnx"):
    EXPECTED[FOLDER + "/" + name] = {
        "verdict": verdict,
        "format": fmt,
        "globals": list(globals_),
        "why": why,
    }


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def save(name, model, check=False):
    if check:
        onnx.checker.check_model(model)
    write(name, model.SerializeToString())


def mlp_graph(name="mlp", w_tensor=None, extra_nodes=(), extra_inits=()):
    """MatMul + Add + Relu over a 4x3 weight and a bias of 3."""
    w = np.arange(12, dtype=np.float32).reshape(4, 3) / 8.0 + 0.5
    b = np.array([0.5, 0.25, 0.125], dtype=np.float32)
    inits = [w_tensor or numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")]
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["XW"], name="matmul"),
        helper.make_node("Add", ["XW", "B"], ["H"], name="add"),
        helper.make_node("Relu", ["H"], ["Y"], name="relu"),
    ]
    return helper.make_graph(
        nodes + list(extra_nodes),
        name,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 3])],
        inits + list(extra_inits),
    )


def model(graph, opsets=(("", 17),), **kw):
    m = helper.make_model(
        graph,
        producer_name="aibom-fixtures",
        producer_version="1",
        opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
        **kw,
    )
    m.ir_version = 8
    return m


def external_weight(location, nbytes=48):
    """W stored outside the model: data_location EXTERNAL, no raw_data."""
    t = TensorProto()
    t.name, t.data_type = "W", TensorProto.FLOAT
    t.dims.extend([4, 3])
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(nbytes))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def benign():
    m = model(mlp_graph(), doc_string="tiny MLP")
    helper.set_model_props(m, {"license": "MIT", "author": "aibom"})
    save("benign.onnx", m, check=True)
    expect("benign.onnx", "clean", "MatMul + Add + Relu, opset 17, weights inline")

    w = (np.arange(12, dtype=np.float32).reshape(4, 3) / 8.0 + 0.5).tobytes()
    write("external_data.bin", w)
    expect("external_data.bin", "unscanned",
           "raw float32 weights referenced by external_data.onnx; not a model file", fmt="unknown")
    save("external_data.onnx", model(mlp_graph(w_tensor=external_weight("external_data.bin"))))
    expect("external_data.onnx", "clean", "W lives in external_data.bin beside the model: info only",
           ["external_data.bin"])

    fn = helper.make_function(
        "local.fn", "Double", ["x"], ["y"],
        [helper.make_node("Add", ["x", "x"], ["y"])],
        [helper.make_opsetid("", 17)],
    )
    g = mlp_graph(extra_nodes=[helper.make_node("Double", ["Y"], ["Z"], domain="local.fn")])
    g.output[0].name = "Z"
    save("local_function.onnx", model(g, opsets=(("", 17), ("local.fn", 1)), functions=[fn]), check=True)
    expect("local_function.onnx", "clean",
           "custom domain local.fn is defined by a FunctionProto in the model: no native code")

    g = mlp_graph(extra_nodes=[helper.make_node("FastGelu", ["Y"], ["Z"], domain="com.microsoft")])
    g.output[0].name = "Z"
    save("contrib_op.onnx", model(g, opsets=(("", 17), ("com.microsoft", 1))))
    expect("contrib_op.onnx", "clean", "com.microsoft FastGelu is built into onnxruntime: info only",
           ["com.microsoft::FastGelu"])


def malicious():
    for name, loc, why in (
        ("traversal.onnx", "../../../../etc/passwd", "external data climbs out of the model folder"),
        ("absolute.onnx", "/etc/shadow", "external data is an absolute path"),
        ("proc.onnx", "/proc/self/environ", "external data reads a special file"),
        ("memaddr.onnx", "*/_ORT_MEM_ADDR_/*", "onnxruntime reads 'offset' as a memory address"),
    ):
        save(name, model(mlp_graph(w_tensor=external_weight(loc))))
        expect(name, "malicious", why, [loc])

    ep = helper.make_node("EPContext", ["Y"], ["Z"], domain="com.microsoft", embed_mode=0,
                          ep_cache_context="../../cache/ctx.bin", source="QNN")
    g = mlp_graph(extra_nodes=[ep])
    g.output[0].name = "Z"
    save("epcontext_traversal.onnx", model(g, opsets=(("", 17), ("com.microsoft", 1))))
    expect("epcontext_traversal.onnx", "malicious", "EPContext cache file outside the model folder",
           ["../../cache/ctx.bin"])


def suspicious():
    g = mlp_graph(extra_nodes=[helper.make_node("Backdoor", ["Y"], ["Z"], domain="com.example.evil")])
    g.output[0].name = "Z"
    save("custom_domain.onnx", model(g, opsets=(("", 17), ("com.example.evil", 1))))
    expect("custom_domain.onnx", "suspicious", "operator from a domain only a native plugin implements",
           ["com.example.evil::Backdoor"])

    then_g = helper.make_graph(
        [helper.make_node("Hidden", ["Y"], ["T"], domain="com.example.evil")], "then",
        [], [helper.make_tensor_value_info("T", TensorProto.FLOAT, ["N", 3])])
    else_g = helper.make_graph(
        [helper.make_node("Identity", ["Y"], ["E"])], "else",
        [], [helper.make_tensor_value_info("E", TensorProto.FLOAT, ["N", 3])])
    cond = numpy_helper.from_array(np.array(True), "C")
    g = mlp_graph(extra_nodes=[helper.make_node("If", ["C"], ["Z"], then_branch=then_g, else_branch=else_g)],
                  extra_inits=[cond])
    g.output[0].name = "Z"
    save("subgraph_custom_op.onnx", model(g, opsets=(("", 17), ("com.example.evil", 1))))
    expect("subgraph_custom_op.onnx", "suspicious", "custom operator hidden in an If branch",
           ["com.example.evil::Hidden"])

    py = helper.make_node("PyOp", ["Y"], ["Z"], domain="ai.onnx.contrib", module="os", compute="getcwd")
    g = mlp_graph(extra_nodes=[py])
    g.output[0].name = "Z"
    save("python_op.onnx", model(g, opsets=(("", 17), ("ai.onnx.contrib", 1))))
    expect("python_op.onnx", "suspicious", "PyOp runs Python code named by the model",
           ["ai.onnx.contrib::PyOp"])


def invalid():
    whole = model(mlp_graph()).SerializeToString()
    write("truncated.onnx", whole[: len(whole) // 2])
    expect("truncated.onnx", "invalid", "the MLP model cut in half: the graph runs past the end of the file")

    # ir_version 8, producer "x", then a graph field claiming 1,000,000 bytes.
    data = b"\x08\x08" + b"\x12\x01x" + b"\x3a\xc0\x84\x3d" + b"\x0a\x00"
    write("length_past_eof.onnx", data)
    expect("length_past_eof.onnx", "invalid", "graph length field exceeds the bytes left in the file")


def main():
    benign()
    malicious()
    suspicious()
    invalid()
    expect("gen.py", "clean", "the generator (Python source): its code runs only under if __name__ == '__main__', so importing it runs nothing", fmt="python")
    expect("README.md", "unscanned", "this folder's documentation", fmt="unknown")
    expect("expected.json", "unscanned", "this list", fmt="unknown")
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(dict(sorted(EXPECTED.items())), f, indent=2)
        f.write("\n")
    if "--table" in sys.argv:
        print("| File | Verdict | Why |\n|---|---|---|")
        for k, v in sorted(EXPECTED.items()):
            print(f"| `{k.split('/', 1)[1]}` | {v['verdict']} | {v['why']} |")


if __name__ == "__main__":
    main()
