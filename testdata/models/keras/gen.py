#!/usr/bin/python3
"""Generate aibom's Keras fixtures in this folder.

Run with Debian's Python, python3-h5py and python3-numpy:

    apt-get install python3-h5py python3-numpy
    /usr/bin/python3 testdata/models/keras/gen.py

Keras itself is not needed and never imported: the .keras archives are
written by hand with zipfile (config.json, metadata.json and a small
model.weights.h5 made with h5py), and the legacy .h5 files are HDF5 files
whose root group carries the attributes Keras 2 / tf.keras write
(model_config, keras_version, backend), as variable-length and as
fixed-length strings. Nothing is ever loaded. Malicious twins carry harmless
payloads: the marshalled bytecode of `lambda x: x * 2.0`, module references
that name os/subprocess with the argument "true", and a pickle whose
os.system argument is "true".

It also rewrites expected.json (paths relative to testdata/models) and, with
--table, prints the Markdown table used in README.md.
"""

import base64
import io
import json
import marshal
import os
import sys
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.basename(HERE)
EXPECTED = {}
DATE = (2024, 1, 1, 0, 0, 0)


def expect(name, verdict, why, globals_=(), fmt="keras"):
    EXPECTED[FOLDER + "/" + name] = {
        "verdict": verdict,
        "format": fmt,
        "globals": list(globals_),
        "why": why,
    }


def path(name):
    return os.path.join(HERE, name)


# ---------------------------------------------------------------- Keras 3

def policy():
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": "float32"}, "registered_name": None}


def init(cls, cfg):
    return {"module": "keras.initializers", "class_name": cls, "config": cfg,
            "registered_name": None}


def k3_input(name, shape):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None] + shape, "dtype": "float32",
                       "sparse": False, "name": name},
            "registered_name": None, "name": name, "inbound_nodes": []}


def k3_tensor(shape, src):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None] + shape, "dtype": "float32",
                       "keras_history": [src, 0, 0]}}


def k3_dense(name, units, activation, in_dim, src=None):
    layer = {
        "module": "keras.layers", "class_name": "Dense",
        "config": {
            "name": name, "trainable": True, "dtype": policy(), "units": units,
            "activation": activation, "use_bias": True,
            "kernel_initializer": init("GlorotUniform", {"seed": None}),
            "bias_initializer": init("Zeros", {}),
            "kernel_regularizer": None, "bias_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None,
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, in_dim]},
    }
    if src is not None:
        layer["name"] = name
        layer["inbound_nodes"] = [{"args": [k3_tensor([in_dim], src)], "kwargs": {}}]
    return layer


def compile_config():
    return {
        "optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                      "config": {"name": "adam", "learning_rate": 0.001, "weight_decay": None,
                                 "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                                 "use_ema": False, "beta_1": 0.9, "beta_2": 0.999,
                                 "epsilon": 1e-07, "amsgrad": False},
                      "registered_name": None},
        "loss": "mse", "loss_weights": None, "metrics": ["mae"],
        "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
        "jit_compile": False,
    }


def k3_sequential(layers, in_dim):
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": policy(),
                       "layers": [k3_input("input_layer", [in_dim])] + layers,
                       "build_input_shape": [None, in_dim]},
            "registered_name": None, "build_config": {"input_shape": [None, in_dim]},
            "compile_config": compile_config()}


def k3_functional(name, layers, inputs, outputs, top=True):
    model = {"module": "keras.src.models.functional", "class_name": "Functional",
             "config": {"name": name, "trainable": True, "layers": layers,
                        "input_layers": [[i, 0, 0] for i in inputs],
                        "output_layers": [[o, 0, 0] for o in outputs]},
             "registered_name": "Functional", "build_config": {"input_shape": None}}
    if top:
        model["compile_config"] = compile_config()
    return model


def weights_h5():
    """A tiny model.weights.h5 as Keras 3 writes it (layers/<name>/vars/<i>)."""
    buf = io.BytesIO()
    with h5py.File(buf, "w", libver="earliest", track_order=False) as f:
        rng = np.random.default_rng(0)
        for name, shape in (("dense", (4, 8)), ("dense_1", (8, 2))):
            g = f.create_group("layers/" + name + "/vars")
            g.create_dataset("0", data=rng.standard_normal(shape).astype("<f4"), track_times=False)
            g.create_dataset("1", data=np.zeros(shape[1], "<f4"), track_times=False)
        f.create_group("optimizer/vars")
    return buf.getvalue()


WEIGHTS = None


def write_keras(name, config, extra=(), config_bytes=None):
    global WEIGHTS
    if WEIGHTS is None:
        WEIGHTS = weights_h5()
    members = [
        ("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2024-01-01@00:00:00"}).encode()),
        ("config.json", config_bytes if config_bytes is not None else json.dumps(config).encode()),
        ("model.weights.h5", WEIGHTS),
    ] + list(extra)
    with zipfile.ZipFile(path(name), "w") as z:
        for member, data in members:
            info = zipfile.ZipInfo(member, DATE)
            info.compress_type = zipfile.ZIP_STORED if member.endswith(".h5") else zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def lambda_code():
    """base64 of the marshalled code of a harmless lambda, as Keras' func_dump writes it."""
    fn = eval("lambda x: x * 2.0")  # noqa: S307 - a constant expression, to obtain its code object
    return base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")


def keras3():
    seq = k3_sequential([k3_dense("dense", 8, "relu", 4), k3_dense("dense_1", 2, "linear", 8)], 4)
    write_keras("sequential.keras", seq)
    expect("sequential.keras", "clean", "Keras 3 Sequential: InputLayer, Dense, Dense")

    fn = k3_functional("functional", [
        k3_input("input_layer", [4]),
        k3_dense("dense", 8, "relu", 4, "input_layer"),
        k3_dense("dense_1", 2, "softmax", 8, "dense"),
    ], ["input_layer"], ["dense_1"])
    write_keras("functional.keras", fn)
    expect("functional.keras", "clean", "Keras 3 Functional model: Input, Dense, Dense")

    # A Lambda three levels down: Functional > TimeDistributed > Functional > Lambda.
    inner_lambda = {"module": "keras.layers", "class_name": "Lambda",
                    "config": {"name": "scale_lambda", "trainable": True, "dtype": policy(),
                               "function": {"class_name": "__lambda__",
                                            "config": {"code": lambda_code(), "defaults": None, "closure": None}},
                               "arguments": {}},
                    "registered_name": None, "name": "scale_lambda",
                    "inbound_nodes": [{"args": [k3_tensor([4], "inner_input")], "kwargs": {}}]}
    inner = k3_functional("inner", [k3_input("inner_input", [4]), inner_lambda],
                          ["inner_input"], ["scale_lambda"], top=False)
    td = {"module": "keras.layers", "class_name": "TimeDistributed",
          "config": {"name": "time_distributed", "trainable": True, "dtype": policy(), "layer": inner},
          "registered_name": None, "name": "time_distributed",
          "inbound_nodes": [{"args": [k3_tensor([3, 4], "input_layer")], "kwargs": {}}]}
    outer = k3_functional("outer", [k3_input("input_layer", [3, 4]), td], ["input_layer"], ["time_distributed"])
    write_keras("lambda_nested.keras", outer)
    expect("lambda_nested.keras", "malicious",
           "Lambda with marshalled bytecode inside a Functional inside a TimeDistributed (CVE-2024-3660)",
           ["scale_lambda"])

    evil = k3_dense("dense", 8, {"module": "os", "class_name": "system",
                                 "config": {"command": "true"}, "registered_name": None}, 4)
    write_keras("module_os_system.keras", k3_sequential([evil], 4))
    expect("module_os_system.keras", "malicious",
           "CVE-2025-1550: a Dense activation names module os, class system", ["os.system"])

    popen = k3_dense("dense", 8, {"module": "subprocess", "class_name": "function",
                                  "config": "Popen", "registered_name": "function"}, 4)
    write_keras("module_subprocess.keras", k3_sequential([popen], 4))
    expect("module_subprocess.keras", "malicious",
           "CVE-2025-1550: an activation deserialized as the function subprocess.Popen", ["subprocess.Popen"])

    load = {"module": "keras.layers", "class_name": "Lambda",
            "config": {"name": "reload", "trainable": True, "dtype": policy(),
                       "function": {"module": "keras.models", "class_name": "function",
                                    "config": "load_model", "registered_name": "function"},
                       "arguments": {"safe_mode": False}},
            "registered_name": None, "build_config": {"input_shape": [None, 4]}}
    write_keras("lambda_load_model.keras", k3_sequential([load], 4))
    expect("lambda_load_model.keras", "malicious",
           "CVE-2025-9906 shape: a Lambda whose function is keras.models.load_model with safe_mode off",
           ["keras.models.load_model"])

    custom = {"module": "my_package.layers", "class_name": "ScaledDense",
              "config": {"name": "scaled_dense", "units": 8, "scale": 0.5},
              "registered_name": "MyPackage>ScaledDense", "build_config": {"input_shape": [None, 4]}}
    write_keras("custom_object.keras", k3_sequential([custom], 4))
    expect("custom_object.keras", "suspicious",
           "a layer registered by a package outside Keras: loads only with that package's code",
           ["my_package.layers.ScaledDense"])

    # A pickle (GLOBAL os.system, argument "true") hidden in the archive under an asset name.
    pkl = b"cos\nsystem\n(S'true'\ntR."
    write_keras("pickle_member.keras", seq, extra=[("assets/vocab.bin", pkl)])
    expect("pickle_member.keras", "malicious", "clean config, but a pickle calling os.system among the members",
           ["os.system"])

    write_keras("bad_config.keras", None, config_bytes=b'{"module": "keras", "class_name": "Sequential", ')
    expect("bad_config.keras", "invalid", "config.json is not JSON (ends early)")


# ---------------------------------------------------------------- Keras 2 HDF5

def k2_dense(name, units, activation, in_dim=None):
    cfg = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
           "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
           "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
           "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
           "bias_constraint": None}
    if in_dim is not None:
        cfg["batch_input_shape"] = [None, in_dim]
    return {"class_name": "Dense", "config": cfg}


def k2_sequential():
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "dense_input"}},
        k2_dense("dense", 8, "relu", 4), k2_dense("dense_1", 2, "linear")]}}


def training_config():
    return {"loss": "mse", "metrics": [[{"class_name": "MeanMetricWrapper",
                                         "config": {"name": "mae", "dtype": "float32", "fn": "mean_absolute_error"}}]],
            "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001,
                                                                  "beta_1": 0.9, "beta_2": 0.999,
                                                                  "epsilon": 1e-07, "amsgrad": False}}}


def open_h5(name, libver, userblock):
    """Create an HDF5 file that records no timestamps, so that output is deterministic."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    bound = h5py.h5f.LIBVER_LATEST if libver == "latest" else h5py.h5f.LIBVER_EARLIEST
    fapl.set_libver_bounds(bound, h5py.h5f.LIBVER_LATEST)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    if userblock:
        fcpl.set_userblock(userblock)
    return h5py.File(h5py.h5f.create(path(name).encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))


def group(parent, name):
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl)
    return parent[name]


def write_h5(name, config, fixed, libver="earliest", userblock=0, weights=True):
    with open_h5(name, libver, userblock) as f:
        text = json.dumps(config) if config is not None else None
        if fixed:
            # tf.keras: json.dumps(...).encode("utf8") -> h5py fixed-length string
            f.attrs["backend"] = np.bytes_(b"tensorflow")
            f.attrs["keras_version"] = np.bytes_(b"2.13.1")
            if text is not None:
                f.attrs["model_config"] = np.bytes_(text.encode())
                f.attrs["training_config"] = np.bytes_(json.dumps(training_config()).encode())
        else:
            f.attrs["backend"] = "tensorflow"
            f.attrs["keras_version"] = "2.13.1"
            if text is not None:
                f.attrs["model_config"] = text
                f.attrs["training_config"] = json.dumps(training_config())
        if weights:
            g = group(f, "model_weights")
            g.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
            rng = np.random.default_rng(1)
            for lname, shape in (("dense", (4, 8)), ("dense_1", (8, 2))):
                lg = group(g, lname)
                lg.attrs["weight_names"] = np.array([(lname + "/kernel:0").encode(), (lname + "/bias:0").encode()])
                lg2 = group(lg, lname)
                lg2.create_dataset("kernel:0", data=rng.standard_normal(shape).astype("<f4"), track_times=False)
                lg2.create_dataset("bias:0", data=np.zeros(shape[1], "<f4"), track_times=False)


def keras2():
    seq = k2_sequential()
    write_h5("sequential_vlen.h5", seq, fixed=False)
    expect("sequential_vlen.h5", "clean", "Keras 2 Sequential; attributes as variable-length strings (global heap)")
    write_h5("sequential_fixed.h5", seq, fixed=True)
    expect("sequential_fixed.h5", "clean", "Keras 2 Sequential; attributes as fixed-length strings (as tf.keras writes)")
    write_h5("sequential_latest.h5", seq, fixed=False, libver="latest")
    expect("sequential_latest.h5", "clean", "superblock v3, version 2 object headers (libver='latest')")
    write_h5("sequential_userblock.h5", seq, fixed=True, userblock=512)
    expect("sequential_userblock.h5", "clean", "HDF5 signature after a 512-byte user block")
    write_h5("weights_only.h5", None, fixed=False)
    expect("weights_only.h5", "clean", "HDF5 without model_config (weights only): nothing to run")

    code = lambda_code()
    lam = {"class_name": "Lambda", "config": {
        "name": "scale_lambda", "trainable": True, "dtype": "float32",
        "function": [code, None, None], "function_type": "lambda", "module": "__main__",
        "output_shape": None, "output_shape_type": "raw", "output_shape_module": None, "arguments": {}},
        "name": "scale_lambda", "inbound_nodes": [[["inner_input", 0, 0, {}]]]}
    inner = {"class_name": "Functional", "config": {"name": "inner", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "inner_input"},
         "name": "inner_input", "inbound_nodes": []}, lam],
        "input_layers": [["inner_input", 0, 0]], "output_layers": [["scale_lambda", 0, 0]]}}
    outer = {"class_name": "Functional", "config": {"name": "outer", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3, 4], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "input_1"},
         "name": "input_1", "inbound_nodes": []},
        {"class_name": "TimeDistributed", "config": {"name": "time_distributed", "trainable": True,
                                                     "dtype": "float32", "layer": inner},
         "name": "time_distributed", "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["time_distributed", 0, 0]]}}
    write_h5("lambda_nested_vlen.h5", outer, fixed=False)
    expect("lambda_nested_vlen.h5", "malicious",
           "Keras 2 Lambda bytecode inside a Functional inside a TimeDistributed; variable-length model_config",
           ["scale_lambda"])
    write_h5("lambda_nested_fixed.h5", outer, fixed=True, libver="latest")
    expect("lambda_nested_fixed.h5", "malicious",
           "the same as a fixed-length string in a libver='latest' file (CVE-2025-9905: .h5 ignores safe_mode)",
           ["scale_lambda"])

    custom = k2_sequential()
    custom["config"]["layers"][1] = {"class_name": "MyPackage>ScaledDense",
                                     "config": {"name": "scaled_dense", "units": 8}}
    write_h5("custom_object.h5", custom, fixed=True)
    expect("custom_object.h5", "suspicious", "a tf.keras registered custom layer (Package>Name)",
           ["MyPackage>ScaledDense"])

    # More than 8 attributes in a libver="latest" file: HDF5 moves them all to
    # dense storage (a fractal heap indexed by a v2 B-tree).
    write_h5("dense_attrs.h5", seq, fixed=False, libver="latest")
    with h5py.File(path("dense_attrs.h5"), "a") as f:
        for i in range(10):
            f.attrs["note_%d" % i] = "padding attribute %d" % i
    expect("dense_attrs.h5", "suspicious",
           "root attributes in dense storage (fractal heap), which the scanner does not read: model_config unchecked")

    with open(path("sequential_vlen.h5"), "rb") as f:
        data = f.read()
    with open(path("truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    expect("truncated.h5", "invalid", "sequential_vlen.h5 cut in half: h5py refuses it")


def main():
    keras3()
    keras2()
    expect("gen.py", "clean", "the generator (Python source): its code runs only under if __name__ == '__main__', so importing it runs nothing", fmt="python")
    expect("README.md", "unscanned", "this folder's documentation", fmt="unknown")
    expect("expected.json", "unscanned", "this list", fmt="unknown")
    with open(path("expected.json"), "w") as f:
        json.dump(dict(sorted(EXPECTED.items())), f, indent=2)
        f.write("\n")
    if "--table" in sys.argv:
        print("| File | Verdict | Why |")
        print("|---|---|---|")
        for p, e in sorted(EXPECTED.items()):
            print(f"| `{p.split('/', 1)[1]}` | {e['verdict']} | {e['why']} |")


if __name__ == "__main__":
    main()
