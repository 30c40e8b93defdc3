#!/usr/bin/python3
"""Generate the pickle fixtures of issue 11 §1-§3 under testdata/pickle2.

    /usr/bin/python3 testdata/pickle2/gen.py             # rewrites the fixtures and expected.json
    /usr/bin/python3 testdata/pickle2/gen.py --out DIR   # writes them to DIR instead (bench/peers/pickle.sh)

It NEVER loads what it writes. Every payload is harmless even if it ran
(os.system('true'), a file read of /etc/hostname). The loader differential
(internal/loaderdiff) checks with a recording find_class what Debian's C
unpickler reaches, without calling anything.

expected.json records, per fixture: the issue section, the loader way that
reaches the payload ("" when none must: the gadget fixtures of §2 are
checked by name only), the payload the loader must reach, the verdict aibom
must give, the global that decides it ("hit": the denylist entry's name for
§2) and why. Opcode-level helpers and the os.system payload come from
testdata/hostile/gen.py.
"""

import importlib.util
import json
import pickle
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(sys.argv[2]).resolve() if len(sys.argv) == 3 and sys.argv[1] == "--out" else HERE
_spec = importlib.util.spec_from_file_location("hostile_gen", HERE.parent / "hostile" / "gen.py")
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

EXPECTED = {}


def put(rel, data, section, verdict, why, loader="pickle", payload=hostile.PAYLOAD, hit=""):
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    EXPECTED[rel] = {"section": section, "loader": loader, "payload": payload if loader else "",
                     "verdict": verdict, "hit": hit, "why": why}


def u8(n):
    return struct.pack("<Q", n)


def sbu(s):
    """SHORT_BINUNICODE."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def stack_global(module, name):
    return sbu(module) + sbu(name) + b"\x93"


def reduce4(module, name, args=b""):
    """PROTO 4; module.name(*args) where args are opcodes pushed after a MARK; STOP."""
    return b"\x80\x04" + stack_global(module, name) + b"(" + args + b"tR."


# The payload call at protocol 4, without PROTO: os.system('true').
CALL = stack_global("os", "system") + sbu("true") + b"\x85R."


# --------------------------------------------------------------------------
# §1 the loader that runs: CPython's C unpickler


def gen_frames():
    # BINBYTES's 4-byte length straddles the frame's end. Reading a file
    # without peek() (torch's zip reader), the C unpickler takes the length
    # from after the frame (0) and then runs the payload; read straight on,
    # the length is 0x40 and the payload is bytes data.
    d = b"\x80\x04\x95" + u8(3) + b"B\x40\x00" + struct.pack("<I", 0) + CALL + b"\x00" * 64
    put("frame/straddle_binbytes.pkl", d, 1, "malicious",
        "BINBYTES length straddles the FRAME end: the C unpickler reading a file runs os.system, a straight reading sees bytes")
    # A GLOBAL's module line straddles the frame's end: the file reader reads
    # the line again from after the frame ("os"), a straight reading sees
    # "collections.os".
    d = b"\x80\x02\x95" + u8(13) + b"ccollections." + b"os\nsystem\n(S'true'\ntR."
    put("frame/straddle_line.pkl", d, 1, "malicious",
        "a GLOBAL line straddles the FRAME end: the file reader imports os.system, a straight reading collections.os.system")
    # BINUNICODE data (read with _Unpickler_Read) straddles: the text is taken
    # from after the frame.
    inner = stack_global("os", "system")
    d = (b"\x80\x04\x95" + u8(6) + b"X\x20\x00\x00\x00" + b"a" + struct.pack("<I", 0) + b"X" + b"a" * 0x1b
         + b"0" + inner + sbu("true") + b"\x85R.")
    put("frame/straddle_text.pkl", d, 1, "malicious",
        "BINUNICODE text straddles the FRAME end; both readings reach the payload")
    # A FRAME inside a frame whose length runs past the outer frame's end.
    d = b"\x80\x04\x95" + u8(10) + b"\x95" + u8(4) + b"N0" + CALL
    put("frame/straddle_frame.pkl", d, 1, "malicious", "a FRAME whose buffer straddles the outer FRAME's end")
    # Benign: the straddled BINBYTES hides only an OrderedDict.
    # Read straight on, BINBYTES takes 0x40 bytes, then a second
    # OrderedDict and STOP follow; read from the frame's end, BINBYTES is
    # empty and the first OrderedDict and STOP follow.
    od = stack_global("collections", "OrderedDict") + b")R."
    after = struct.pack("<I", 0) + od
    after += b"N" * (0x42 - len(after))
    d = b"\x80\x04\x95" + u8(3) + b"B\x40\x00" + after + b"0" + od
    put("frame/straddle_benign.pkl", d, 1, "suspicious",
        "a benign straddle: both readings reach only collections.OrderedDict, but no pickler writes a straddle",
        payload="collections.OrderedDict")


def gen_marks_memo():
    path = b"/etc/hostname"
    # PoC 32 of ModelAudit's bypass corpus: GLOBAL MARK args TUPLE2 REDUCE.
    # CPython 3.11's C unpickler imports linecache.getline, then raises
    # "unexpected MARK found"; unpicklers without the fence call it.
    d = (b"\x80\x02clinecache\ngetline\n(X" + struct.pack("<I", len(path)) + path + b"K\x01\x86R.")
    put("mark/stray_mark_tuple2.pkl", d, 1, "malicious",
        "a stray MARK before TUPLE2 REDUCE (linecache.getline, a file read)", payload="linecache.getline",
        hit="linecache.getline")
    d = (b"\x80\x02(clinecache\ngetline\nX" + struct.pack("<I", len(path)) + path + b"K\x01\x86R.")
    put("mark/mark_before_global.pkl", d, 1, "malicious", "a MARK left under the call: the C unpickler calls linecache.getline",
        payload="linecache.getline", hit="linecache.getline")
    # PUT's key is read as int(text, 10): "1_0" is key 10 for CPython.
    d = b"S'x'\np1_0\n0cos\nsystem\n(S'true'\ntR."
    put("memo/put_underscore.pkl", d, 1, "malicious", "PUT 1_0 (underscore in the memo key) before the payload")
    # The memo counted by MEMOIZE: a memoized "os", fetched back for STACK_GLOBAL.
    d = b"\x80\x04" + sbu("os") + b"\x94" + b"0" + sbu("system") + b"\x94" + b"0" + b"h\x00h\x01\x93" + sbu("true") + b"\x85R."
    put("memo/memoize.pkl", d, 1, "malicious", "module and name of the payload fetched from the memo")


def gen_persid_ext():
    # torch's legacy persistent_load returns the class of a ('module', cls, ...) ID.
    pid = b"(" + sbu("module") + stack_global("os", "system") + sbu("f.py") + sbu("") + b"t"
    d = b"\x80\x04" + pid + b"Q" + sbu("true") + b"\x85R."
    put("persid/module_pid.pkl", d, 1, "malicious", "BINPERSID of a ('module', os.system, ...) ID, then called")
    # A pickle that registers its own extension code, then uses it.
    reg = stack_global("copyreg", "add_extension") + sbu("os") + sbu("system") + b"M\x00\x0f" + b"\x87R0"
    d = b"\x80\x04" + reg + b"\x83\x00\x0f" + sbu("true") + b"\x85R."
    put("ext/self_registered.pkl", d, 1, "malicious", "copyreg.add_extension('os', 'system', 3840), then EXT2 3840",
        payload="copyreg.add_extension", hit="copyreg.add_extension")
    # NEXT_BUFFER without buffers stops the C unpickler; READONLY_BUFFER on top.
    d = b"\x80\x05\x97\x980" + CALL
    put("buffer/next_buffer.pkl", d, 1, "malicious",
        "NEXT_BUFFER (out-of-band data: loads with buffers= go on) then the payload", payload="")


# --------------------------------------------------------------------------
# §2 every listed gadget is malicious


GADGETS = [
    # (fixture, module, name, args opcodes, denylist name that decides)
    ("inductor_compile_file", "torch._inductor.codecache", "compile_file",
     sbu("") + sbu("") + b"]" + sbu("true") + b"a", "torch._inductor.codecache"),
    ("collect_env_run", "torch.utils.collect_env", "run", sbu("true"), "torch.utils.collect_env"),
    ("bottleneck_run_cprofile", "torch.utils.bottleneck.__main__", "run_cprofile", sbu("pass") + b"}",
     "torch.utils.bottleneck"),
    ("bottleneck_run_autograd_prof", "torch.utils.bottleneck.__main__", "run_autograd_prof", sbu("pass") + b"}",
     "torch.utils.bottleneck"),
    ("dynamo_guardbuilder", "torch._dynamo.guards", "GuardBuilder.get", b"}" + sbu("1"), "torch._dynamo.guards"),
    ("shapeenv_guards", "torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression",
     b"}" + sbu("True") + b"]", "torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression"),
    ("config_module_load", "torch.utils._config_module", "ConfigModule.load_config", b"}" + b"C\x00",
     "torch.utils._config_module"),
    ("exec_wrapper", "torch.jit.unsupported_tensor_ops", "execWrapper", sbu("pass") + b"}}",
     "torch.jit.unsupported_tensor_ops"),
    ("datapipes_basichandlers", "torch.utils.data.datapipes.utils.decoder", "basichandlers", sbu("pickle") + b"C\x00",
     "torch.utils.data.datapipes.utils.decoder"),
    ("elastic_rendezvous", "torch.distributed.elastic.rendezvous.api", "RendezvousParameters",
     sbu("c10d") + sbu("127.0.0.1:1") + sbu("x") + b"K\x01K\x01", "torch.distributed.elastic.rendezvous"),
    ("distributed_rpc", "torch.distributed.rpc", "rpc_sync", sbu("worker") + stack_global("builtins", "len"),
     "torch.distributed.rpc"),
    ("torch_compile", "torch", "compile", b"N", "torch.compile"),
    ("imaplib_stream", "imaplib", "IMAP4_stream", sbu("true"), "imaplib"),
    ("imaplib_imap4", "imaplib", "IMAP4", sbu("127.0.0.1") + b"K\x01", "imaplib"),
    ("poplib_pop3", "poplib", "POP3", sbu("127.0.0.1") + b"K\x01", "poplib"),
    ("nntplib_nntp", "nntplib", "NNTP", sbu("127.0.0.1") + b"K\x01", "nntplib"),
    ("logging_filehandler", "logging", "FileHandler", sbu("/tmp/aibom-never-written.log"), "logging.FileHandler"),
    ("logging_rotating", "logging.handlers", "RotatingFileHandler", sbu("/tmp/aibom-never-written.log"),
     "logging.handlers"),
    ("linecache_getline", "linecache", "getline", sbu("/etc/hostname") + b"K\x01", "linecache"),
    ("script_helper", "test.support.script_helper", "assert_python_ok", sbu("-c") + sbu("pass"), "test.support"),
    ("interpreters", "_interpreters", "create", b"", "_interpreters"),
    ("xxsubinterpreters", "_xxsubinterpreters", "run_string", b"K\x00" + sbu("pass"), "_xxsubinterpreters"),
]


def gen_gadgets():
    for fixture, module, name, args, hit in GADGETS:
        put("gadget/%s.pkl" % fixture, reduce4(module, name, args), 2, "malicious",
            "%s.%s, a published gadget (denylist entry %s)" % (module, name, hit),
            payload="%s.%s" % (module, name), hit=hit)
    # An attribute walk under a denied name.
    put("gadget/eval_call.pkl", reduce4("builtins", "eval.__call__", sbu("1")), 2, "malicious",
        "builtins.eval.__call__: an attribute walk under a denied name", payload="builtins.eval.__call__",
        hit="builtins.eval")
    # BUILD replaces torch._utils._rebuild_tensor with builtins.eval, then
    # imports it: the import resolves to eval.
    build = (b"\x80\x04" + stack_global("torch", "_utils") + b"N}" + sbu("_rebuild_tensor")
             + stack_global("builtins", "eval") + b"s\x86b0"
             + stack_global("torch._utils", "_rebuild_tensor") + sbu("1") + b"\x85R.")
    put("gadget/build_override.pkl", build, 2, "malicious",
        "BUILD sets torch._utils._rebuild_tensor to builtins.eval, then imports and calls it",
        payload="torch._utils._rebuild_tensor", hit="builtins.eval")


# --------------------------------------------------------------------------
# §3 precision


def gen_precision():
    evil = b"\x80\x04" + CALL
    assert len(evil) < 256
    blob = b"C" + bytes([len(evil)]) + evil
    # A pickle kept as a bytes value in a dict: nothing loads it.
    d = b"\x80\x04}" + sbu("blob") + blob + b"s."
    put("nested/unloaded.pkl", d, 3, "suspicious", "an os.system pickle stored as a bytes value, never loaded",
        loader="", payload="")
    # The same bytes handed to pickle.loads: loading the outer pickle runs it.
    d = b"\x80\x04" + stack_global("pickle", "loads") + blob + b"\x85R."
    put("nested/loaded.pkl", d, 3, "malicious", "the stored pickle is handed to pickle.loads",
        payload="pickle.loads", hit="pickle")
    # Harmless builtins and __future__ features seen in real pickles.
    d = reduce4("builtins", "len", sbu("abc"))
    put("allow/builtins_len.pkl", d, 3, "clean", "builtins.len('abc')", payload="builtins.len")
    d = b"\x80\x04" + stack_global("__future__", "annotations") + b"."
    put("allow/future_annotations.pkl", d, 3, "clean", "__future__.annotations, a feature flag object",
        payload="__future__.annotations")
    # Protocol 2's real encoding of builtins pickled by reference.
    d = pickle.dumps([len, abs, min, max], protocol=2)
    put("allow/builtins_p2.pkl", d, 3, "clean", "builtins len, abs, min and max pickled by reference",
        payload="__builtin__.len")


def main():
    gen_frames()
    gen_marks_memo()
    gen_persid_ext()
    gen_gadgets()
    gen_precision()
    with open(ROOT / "expected.json", "w") as f:
        json.dump(dict(sorted(EXPECTED.items())), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
