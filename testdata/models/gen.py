#!/usr/bin/python3
"""Generate aibom's model-file fixtures under testdata/models.

Run from anywhere with Debian's Python (it has torch 1.13, numpy, joblib,
sklearn, lz4) and p7zip-full installed:

    apt-get install python3-torch python3-numpy python3-joblib python3-sklearn p7zip-full
    /usr/bin/python3 testdata/models/gen.py

The script rewrites every fixture and expected.json. It NEVER loads what it
writes: no pickle.load(s), torch.load, torch.jit.load, joblib.load or
np.load(allow_pickle=True). Malicious fixtures carry harmless payloads
(os.system('true'), print, pip.main(['--version']), torch.save to /dev/null)
and are built either with a __reduce__ that names the callable by reference
(pickling never calls it) or by assembling pickle opcodes by hand.

Every malicious pickle stream is checked before it is written: a small
stack simulator over pickletools.genops (disassembly only) resolves the
GLOBAL / INST / STACK_GLOBAL names, following strings through the memo, and
asserts that the names listed in expected.json are there.

`gen.py --table` prints the Markdown table used in README.md.
"""

import bz2
import collections
import copy
import gzip
import io
import json
import linecache
import lzma
import os
import pickle
import pickletools
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import types
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# Harmless payload used by every malicious fixture.
CMD = "true"

# path (relative, "/") -> {"verdict", "format", "globals", "why"}
EXPECTED = {}
# path -> short description (README table)
DESCRIBE = {}


# --------------------------------------------------------------------------
# output helpers


def put(rel, data, verdict, fmt, globals_=(), why="", what=None, derived=()):
    """Write fixture `rel` and record what the scanner must say about it.

    `derived` (optional, only written when set) names the callable a resolving
    scanner can work out although the stream never imports it by that name.
    """
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    EXPECTED[rel] = {
        "verdict": verdict,
        "format": fmt,
        "globals": list(globals_),
        "why": why,
    }
    if derived:
        EXPECTED[rel]["derived"] = list(derived)
    DESCRIBE[rel] = what or why


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    """A zip with fixed timestamps and attributes, members in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = compression
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def zip_members(blob):
    """(name, bytes, compress_type) of every member, in archive order."""
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return [(zi.filename, z.read(zi), zi.compress_type) for zi in z.infolist()]


def tar_bytes(members):
    """A PAX tar (as torch's legacy tar checkpoints were) with fixed metadata."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            ti.mode = 0o644
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def torch_zip_reader_accepts(blob, record="data.pkl"):
    """Whether torch's own C++ zip reader (miniz) returns the raw bytes of a record.

    This reads bytes only (PyTorchFileReader.get_record); nothing is unpickled.
    """
    import torch

    try:
        torch._C.PyTorchFileReader(io.BytesIO(blob)).get_record(record)
        return True
    except Exception:  # noqa: BLE001 - any reader error means "rejects"
        return False


# --------------------------------------------------------------------------
# pickle building blocks


class Reduce:
    """Pickles as `func(*args)`; func is pickled by reference, never called."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def evil():
    return Reduce(os.system, (CMD,))  # pickles as GLOBAL/STACK_GLOBAL posix.system on Linux


PROTO = lambda n: b"\x80" + bytes([n])  # noqa: E731
STOP, MARK, POP, TUPLE, REDUCE = b".", b"(", b"0", b"t", b"R"
TUPLE1, TUPLE2 = b"\x85", b"\x86"
MEMOIZE, STACK_GLOBAL = b"\x94", b"\x93"


def GLOBAL(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def BINGET(i):
    return b"h" + bytes([i])


def SHORT_BINUNICODE(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def BINUNICODE(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def BINUNICODE8(s):
    b = s.encode()
    return b"\x8d" + struct.pack("<Q", len(b)) + b


def SHORT_BINSTRING(s):
    b = s.encode("ascii")
    return b"U" + bytes([len(b)]) + b


def BINSTRING(s):
    b = s.encode("ascii")
    return b"T" + struct.pack("<i", len(b)) + b


def STRING(s):
    return b"S" + repr(s).encode("ascii") + b"\n"


def UNICODE(s):
    return b"V" + s.encode("raw-unicode-escape") + b"\n"


# --------------------------------------------------------------------------
# static self-check: which globals does a pickle stream name?

_STRING_OPS = {
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE",
    "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
}
_MARK = object()


def pickle_globals(data):
    """Resolved callables a pickle byte stream imports, by disassembly only.

    Follows every pickle in a multi-pickle stream, strings through the memo,
    and keeps what it found when the stream breaks (nullifAI). Returns
    (set of "module.name", error or None).
    """
    found, err = set(), None
    f = io.BytesIO(data)
    while f.tell() < len(data):
        stack, memo = [], {}
        try:
            for op, arg, _pos in pickletools.genops(f):
                name = op.name
                if name in _STRING_OPS:
                    stack.append(arg)
                elif name in ("GLOBAL", "INST"):
                    mod, qual = arg.split(" ", 1)
                    found.add(mod + "." + qual)
                    if name == "INST":
                        while stack and stack.pop() is not _MARK:
                            pass
                    stack.append(None)
                elif name == "STACK_GLOBAL":
                    qual = stack.pop() if stack else None
                    mod = stack.pop() if stack else None
                    found.add(f"{mod}.{qual}")
                    stack.append(None)
                elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                    memo[arg] = stack[-1] if stack else None
                elif name == "MEMOIZE":
                    memo[len(memo)] = stack[-1] if stack else None
                elif name in ("GET", "BINGET", "LONG_BINGET"):
                    stack.append(memo.get(arg))
                elif name == "MARK":
                    stack.append(_MARK)
                elif name == "STOP":
                    break
                else:
                    before = op.stack_before
                    if pickletools.markobject in before:
                        while stack and stack.pop() is not _MARK:
                            pass
                        before = [b for b in before if b not in (pickletools.markobject, pickletools.stackslice)]
                    for _ in before:
                        if stack:
                            stack.pop()
                    for _ in op.stack_after:
                        stack.append(None)
        except Exception as e:  # noqa: BLE001 - broken streams are fixtures too
            err = e
            break
    return found, err


def checked(data, must, broken=False):
    """Assert that pickle `data` imports every name in `must`; return data."""
    found, err = pickle_globals(data)
    missing = set(must) - found
    if missing:
        raise AssertionError(f"pickle lacks {sorted(missing)}; found {sorted(found)}")
    if broken != (err is not None):
        raise AssertionError(f"stream broken={err!r}, expected broken={broken}")
    return data


def dumps(obj, protocol):
    return pickle.dumps(obj, protocol=protocol)


# --------------------------------------------------------------------------
# pytorch/


def torchscript_module():
    """Compile the TorchScript source from a fixed pseudo-file.

    TorchScript stores the source file name in code/*.debug_pkl; a fixed name
    keeps the fixtures independent of where the repository is checked out.
    """
    src = '''import torch
from typing import Tuple


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))


class WeightsWriter(torch.nn.Module):
    """__setstate__ runs inside torch.jit.load and writes a file."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, torch.Tensor, bool]:
        return (self.fc.weight, self.fc.bias, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, torch.Tensor, bool]) -> None:
        torch.save(state[0], "/dev/null")
        self.training = state[2]
'''
    name = "aibom_fixture_torchscript"
    fname = name + ".py"
    mod = types.ModuleType(name)
    mod.__file__ = fname
    sys.modules[name] = mod
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    exec(compile(src, fname, "exec"), mod.__dict__)  # noqa: S102 - our own constant source
    return mod


def normalize_legacy_keys(blob):
    """Make a legacy torch.save stream reproducible.

    Its storage keys are memory addresses (str(storage._cdata)), and the key
    list and the raw storages after it are in sorted-address order, so both
    change from run to run. Rename the keys "0", "1", ... in order of first use
    in the object pickle, and write the key list and the raw storages in that
    order. All storages here are float32 (4 bytes/element).
    """
    f = io.BytesIO(blob)
    for _ in range(3):  # magic, protocol, sys_info
        for _op in pickletools.genops(f):
            pass
    obj_start = f.tell()
    strings = [arg for op, arg, _ in pickletools.genops(f) if op.name == "BINUNICODE"]
    obj_end = f.tell()
    keys = [arg for op, arg, _ in pickletools.genops(f) if op.name == "BINUNICODE"]
    keys_end = f.tell()
    used = []
    for arg in strings:
        if arg in keys and arg not in used:
            used.append(arg)
    assert sorted(used) == sorted(keys), (used, keys)
    raw, pos = {}, keys_end
    for key in keys:
        numel = struct.unpack("<q", blob[pos:pos + 8])[0]
        raw[key] = blob[pos:pos + 8 + 4 * numel]
        pos += 8 + 4 * numel
    assert pos == len(blob)
    obj = blob[obj_start:obj_end]
    renamed = {key: str(i) for i, key in enumerate(used)}  # as in the zip format: "0", "1", ...
    for key, new in renamed.items():
        assert obj.count(BINUNICODE(key)) == 1, key
        obj = obj.replace(BINUNICODE(key), BINUNICODE(new))
    return (blob[:obj_start] + obj + dumps([renamed[k] for k in used], 2)
            + b"".join(raw[k] for k in used))


def gen_pytorch():
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    tmp = Path(tempfile.mkdtemp(prefix="aibom-fixtures-"))
    try:
        # --- benign, written by torch itself
        p = tmp / "state_dict.pt"
        torch.save(net.state_dict(), p)
        state_dict_zip = p.read_bytes()
        put("pytorch/state_dict.pt", state_dict_zip, "clean", "pytorch",
            why="torch.save(state_dict) zip: data.pkl uses only collections.OrderedDict, "
                "torch._utils._rebuild_tensor_v2, torch.FloatStorage",
            what="torch.save(model.state_dict()) — zip format (default)")

        p = tmp / "full_model.pt"
        torch.save(net, p)
        put("pytorch/full_model.pt", p.read_bytes(), "clean", "pytorch",
            why="full-model torch.save: torch.nn.modules.{container.Sequential,linear.Linear,activation.ReLU}, "
                "torch._utils._rebuild_parameter, builtins set (__builtin__ in protocol 2), NEWOBJ/BUILD",
            what="torch.save(nn.Sequential) — whole module pickled")

        buf = io.BytesIO()
        torch.save(net.state_dict(), buf, _use_new_zipfile_serialization=False)
        put("pytorch/legacy.pt", normalize_legacy_keys(buf.getvalue()), "clean", "pytorch",
            why="legacy stacked pickles: magic 0x1950a86a20f9469cfc6c, 1001, sys_info, state_dict, storage keys, raw storages",
            what="torch.save(..., _use_new_zipfile_serialization=False)")

        ts = torchscript_module()
        torch.manual_seed(0)
        p = tmp / "scripted.pt"
        torch.jit.save(torch.jit.script(ts.TinyNet()), str(p))
        scripted = p.read_bytes()
        put("pytorch/scripted.pt", scripted, "clean", "torchscript",
            why="torch.jit.save: code/ TorchScript source, data.pkl with __torch__.* classes, "
                "constants.pkl, debug_pkl with torch.jit._pickle.build_intlist; no file or process ops",
            what="torch.jit.save(torch.jit.script(module))")

        # --- benign legacy tar format, built by hand (torch >= 1.0 cannot write it)
        torch.manual_seed(0)
        w = torch.randn(2, 3)
        b = torch.randn(2)
        put("pytorch/legacy_tar.pt", legacy_tar(torch, w, b, malicious=False), "clean", "pytorch",
            why="legacy tar checkpoint (sys_info, pickle, tensors, storages) referencing only "
                "collections.OrderedDict, torch.FloatStorage, torch.FloatTensor",
            what="legacy tar checkpoint, hand-built (members sys_info, pickle, tensors, storages)")

        # --- malicious twins
        sd = net.state_dict()
        evil_sd = collections.OrderedDict(sd)
        evil_sd["_hook"] = evil()
        p = tmp / "state_dict.pt"  # same stem -> same member prefix as state_dict.pt
        torch.save(evil_sd, p)
        evil_zip = p.read_bytes()  # a real torch.save zip whose data.pkl reduces posix.system
        evil_pkl = dict((n, d) for n, d, _ in zip_members(evil_zip))["state_dict/data.pkl"]
        checked(evil_pkl, ["posix.system"])
        members = [(n, evil_pkl if n.endswith("/data.pkl") else d) for n, d, _ in zip_members(state_dict_zip)]
        rebuilt = zip_bytes(members)
        assert torch_zip_reader_accepts(rebuilt)
        put("pytorch/malicious_zip.pt", rebuilt, "malicious", "pytorch", ["posix.system"],
            why="state_dict.pt rebuilt with Python zipfile, same member names, data.pkl replaced by one "
                "that also reduces posix.system('true')",
            what="twin of state_dict.pt; data.pkl calls os.system")

        buf = io.BytesIO()
        torch.save(evil_sd, buf, _use_new_zipfile_serialization=False)
        legacy_evil = normalize_legacy_keys(buf.getvalue())
        put("pytorch/malicious_legacy.pt", legacy_evil, "malicious", "pytorch", ["posix.system"],
            why="legacy stacked-pickle stream; the 4th pickle (the object) reduces posix.system after three "
                "harmless pickles",
            what="twin of legacy.pt; object pickle calls os.system")

        put("pytorch/malicious_legacy_tar.pt", legacy_tar(torch, w, b, malicious=True), "malicious", "pytorch",
            ["posix.system"],
            why="legacy tar checkpoint whose 'pickle' member reduces posix.system",
            what="twin of legacy_tar.pt; 'pickle' member calls os.system")

        const = checked(dumps((evil(),), 2), ["posix.system"])
        members = [(n, const if n.endswith("/constants.pkl") else d) for n, d, _ in zip_members(scripted)]
        put("pytorch/malicious_torchscript.pt", zip_bytes(members), "malicious", "torchscript", ["posix.system"],
            why="scripted.pt rebuilt with constants.pkl replaced by a pickle reducing posix.system",
            what="twin of scripted.pt; constants.pkl calls os.system")

        # --- nullifAI-style: the PyTorch members repacked with 7z
        d7 = tmp / "7z"
        names = []
        for n, d, _ in zip_members(evil_zip):
            f = d7 / n.replace("state_dict/", "archive/", 1)
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(d)
            os.chmod(f, 0o644)
            os.utime(f, (0, 0))
            names.append(str(f.relative_to(d7)))
        out7 = tmp / "malicious.7z"
        subprocess.run(["7z", "a", "-t7z", "-mx=9", "-mtm=off", "-mtc=off", "-mta=off", str(out7), *names],
                       cwd=d7, check=True, stdout=subprocess.DEVNULL)
        put("pytorch/malicious.7z", out7.read_bytes(), "malicious", "7z", ["posix.system"],
            why="nullifAI: a PyTorch checkpoint's members (archive/data.pkl reduces posix.system) packed with 7z",
            what="7z archive of a PyTorch checkpoint; data.pkl calls os.system")

        gen_bypass_torch(torch, tmp, evil_sd, ts)
    finally:
        shutil.rmtree(tmp)


class _Pid:
    """Stands for a tensor in the legacy tar 'pickle' member (persistent id)."""

    def __init__(self, key):
        self.key = key


class _PidPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.key if isinstance(obj, _Pid) else None


def legacy_tar(torch, w, b, malicious):
    """The pre-1.0 tar checkpoint layout read by torch.serialization._legacy_load.

    storages: pickle(count), then per storage pickle((key, location, storage_type)),
              int64 element count, raw bytes; then pickle(list of views)
    tensors:  pickle(count), then per tensor pickle((key, storage_key, tensor_type)),
              int32 ndim, 4 pad bytes, ndim int64 sizes, ndim int64 strides, int64 offset
    pickle:   the object; tensors are persistent ids looked up as int(pid)
    """
    sys_info = dumps(dict(protocol_version=1001, little_endian=True,
                          type_sizes=dict(short=2, int=4, long=4)), 2)
    st = [dumps(2, 2)]
    for key, t in ((0, w), (1, b)):
        st.append(dumps((key, "cpu", torch.FloatStorage), 2))
        st.append(struct.pack("<q", t.numel()) + t.contiguous().numpy().tobytes())
    st.append(dumps([], 2))
    te = [dumps(2, 2)]
    for key, sid, t in ((10, 0, w), (11, 1, b)):
        te.append(dumps((key, sid, torch.FloatTensor), 2))
        nd = t.dim()
        te.append(struct.pack("<i", nd) + b"\0" * 4 + struct.pack(f"<{nd}q", *t.shape)
                  + struct.pack(f"<{nd}q", *t.stride()) + struct.pack("<q", 0))
    obj = collections.OrderedDict([("fc.weight", _Pid("10")), ("fc.bias", _Pid("11"))])
    if malicious:
        obj["_hook"] = evil()
    buf = io.BytesIO()
    _PidPickler(buf, protocol=2).dump(obj)
    main = checked(buf.getvalue(), ["posix.system"] if malicious else [])
    return tar_bytes([
        ("sys_info", sys_info),
        ("pickle", main),
        ("tensors", b"".join(te)),
        ("storages", b"".join(st)),
    ])


# --------------------------------------------------------------------------
# bypass/ (public scanner bypasses; see README.md for sources)


def lh_offsets(blob):
    """Local-header and central-directory offsets of every member, by name."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for zi in z.infolist():
            out[zi.filename] = zi.header_offset
    cd = {}
    pos = blob.find(b"PK\x01\x02")
    while pos != -1:
        n, m, k = struct.unpack("<HHH", blob[pos + 28:pos + 34])
        cd[blob[pos + 46:pos + 46 + n].decode()] = pos
        pos = blob.find(b"PK\x01\x02", pos + 46 + n + m + k)
    return out, cd


def patch(blob, off, new):
    return blob[:off] + new + blob[off + len(new):]


def gen_bypass_torch(torch, tmp, evil_sd, ts):
    p = tmp / "model.pt"
    torch.save(evil_sd, p)  # real torch.save output: miniz layout, data descriptors, aligned storages
    base = p.read_bytes()
    pkl = "model/data.pkl"
    lh, cd = lh_offsets(base)
    checked(dict((n, d) for n, d, _ in zip_members(base))[pkl], ["posix.system"])

    # CVE-2025-1944: name in the local header differs from the central directory.
    name_at = lh[pkl] + 30
    assert base[name_at:name_at + len(pkl)] == pkl.encode()
    b1944 = patch(base, name_at, b"model/datap.kl")
    assert torch_zip_reader_accepts(b1944)
    put("bypass/cve-2025-1944_name_mismatch.pt", b1944, "malicious", "pytorch", ["posix.system"],
        why="CVE-2025-1944: local header names model/datap.kl, central directory model/data.pkl; "
            "torch (miniz, central directory) reads data.pkl, Python zipfile raises BadZipFile",
        what="torch.save zip, data.pkl renamed in the local header only")

    # CVE-2025-1945: general-purpose flag bits tampered.
    flags_lh = struct.unpack("<H", base[lh[pkl] + 6:lh[pkl] + 8])[0]
    flags_cd = struct.unpack("<H", base[cd[pkl] + 8:cd[pkl] + 10])[0]
    b_enc = patch(base, lh[pkl] + 6, struct.pack("<H", flags_lh | 0x1))
    b_enc = patch(b_enc, cd[pkl] + 8, struct.pack("<H", flags_cd | 0x1))
    put("bypass/cve-2025-1945_encrypted_flag.pt", b_enc, "malicious", "pytorch", ["posix.system"],
        why="CVE-2025-1945: 'encrypted' bit (0x1) set on data.pkl in both headers though the bytes are a "
            "plaintext stored pickle; Python zipfile demands a password (torch 1.13's miniz refuses too)",
        what="torch.save zip, data.pkl flagged encrypted (it is not)")
    decoy = "model/extra.pkl"
    b_dec = zip_bytes([(decoy, dumps({"note": "decoy"}, 2))] + [(n, d) for n, d, _ in zip_members(base)])
    lh2, cd2 = lh_offsets(b_dec)
    for off in (lh2[decoy] + 6, cd2[decoy] + 8):
        b_dec = patch(b_dec, off, struct.pack("<H", struct.unpack("<H", b_dec[off:off + 2])[0] | 0x1))
    assert torch_zip_reader_accepts(b_dec)
    put("bypass/cve-2025-1945_flagged_decoy.pt", b_dec, "malicious", "pytorch", ["posix.system"],
        why="CVE-2025-1945 variant: a decoy member model/extra.pkl placed before data.pkl has the 'encrypted' "
            "bit set; Python zipfile raises on it, torch never opens it and loads the malicious data.pkl",
        what="torch zip with an 'encrypted' decoy member before the malicious data.pkl")
    b_loc = patch(base, lh[pkl] + 6, struct.pack("<H", flags_lh | 0x1 | 0x20 | 0x40))
    assert torch_zip_reader_accepts(b_loc)
    put("bypass/cve-2025-1945_local_flags.pt", b_loc, "malicious", "pytorch", ["posix.system"],
        why="CVE-2025-1945 variant: encrypted/patched/strong-encryption bits (0x61) set in data.pkl's local "
            "header only; torch 1.13 loads it, a reader trusting local flags skips the member",
        what="torch.save zip, local-header flag bits disagree with the central directory")

    # CVE-2025-10156: bad CRC-32 in every copy (central directory, local header or data
    # descriptor), data intact. torch's writer sets flag 0x08: the local header holds 0 and
    # the CRC follows the data in a PK\x07\x08 descriptor.
    crc_cd = cd[pkl] + 16
    crc = struct.unpack("<I", base[crc_cd:crc_cd + 4])[0] ^ 0xDEADBEEF
    b_crc = patch(base, crc_cd, struct.pack("<I", crc))
    nl, el = struct.unpack("<HH", base[lh[pkl] + 26:lh[pkl] + 30])
    csize = struct.unpack("<I", base[cd[pkl] + 20:cd[pkl] + 24])[0]
    if flags_lh & 0x08:
        dd = lh[pkl] + 30 + nl + el + csize
        assert base[dd:dd + 4] == b"PK\x07\x08"
        b_crc = patch(b_crc, dd + 4, struct.pack("<I", crc))
    else:
        b_crc = patch(b_crc, lh[pkl] + 14, struct.pack("<I", crc))
    assert torch_zip_reader_accepts(b_crc)
    put("bypass/cve-2025-10156_bad_crc.pt", b_crc, "malicious", "pytorch", ["posix.system"],
        why="CVE-2025-10156: data.pkl's stored CRC-32 is wrong; torch ignores CRCs, Python zipfile raises "
            "'Bad CRC-32' and picklescan stopped scanning",
        what="torch.save zip, data.pkl CRC-32 corrupted")

    # CVE-2025-32434: torch.load(weights_only=True) handed TorchScript archives to torch.jit.load.
    torch.manual_seed(0)
    p = tmp / "pytorch_model.bin"
    torch.jit.save(torch.jit.script(ts.WeightsWriter()), str(p))
    blob = p.read_bytes()
    code = [d for n, d, _ in zip_members(blob) if n.endswith("code/__torch__/aibom_fixture_torchscript.py")]
    assert code and b'torch.save(' in code[0] and b"def __setstate__" in code[0], code
    put("bypass/cve-2025-32434_pytorch_model.bin", blob, "malicious", "torchscript", ["torch.save"],
        why="CVE-2025-32434: TorchScript archive under a weights name; torch<2.6 torch.load(weights_only=True) "
            "dispatched it to torch.jit.load, which runs the scripted __setstate__ calling torch.save "
            "(aten::save, a file write) — here to /dev/null",
        what="TorchScript archive named pytorch_model.bin; __setstate__ writes a file at load")


def gen_bypass_pickles():
    # CVE-2025-1716: pip.main is a code-execution callable (installs/runs packages).
    data = checked(PROTO(4) + SHORT_BINUNICODE("pip") + MEMOIZE + SHORT_BINUNICODE("main") + MEMOIZE
                   + STACK_GLOBAL + MEMOIZE + b"]" + SHORT_BINUNICODE("--version") + b"a" + TUPLE1 + REDUCE
                   + STOP, ["pip.main"])
    put("bypass/cve-2025-1716_pip_main.pkl", data, "malicious", "pickle", ["pip.main"],
        why="CVE-2025-1716: pip.main(['--version']) via STACK_GLOBAL; pip was missing from picklescan's denylist",
        what="pickle calling pip.main")

    # CVE-2025-1889: pickle inside an archive under a non-pickle extension.
    payload = checked(dumps(evil(), 4), ["posix.system"])
    put("bypass/cve-2025-1889_nonstandard_ext.zip", zip_bytes([("data.txt", payload)]), "malicious", "zip",
        ["posix.system"],
        why="CVE-2025-1889: the malicious pickle is the zip member data.txt; scanners that pick members "
            "by extension never open it",
        what="zip whose member data.txt is a malicious pickle")

    # CVE-2025-10155: a plain pickle wearing a PyTorch extension.
    put("bypass/cve-2025-10155_pytorch_model.bin", checked(dumps(evil(), 2), ["posix.system"]), "malicious",
        "pickle", ["posix.system"],
        why="CVE-2025-10155: a bare (non-zip) pickle named like a PyTorch checkpoint; picklescan's torch "
            "parser failed and it did not fall back to pickle analysis",
        what="plain pickle named pytorch_model.bin")

    # CVE-2025-10157: a submodule of a denylisted module.
    name = "_UnixSubprocessTransport._start"
    data = checked(
        PROTO(4)
        + SHORT_BINUNICODE("asyncio.unix_events") + SHORT_BINUNICODE(name) + STACK_GLOBAL
        + MARK + b"}" + SHORT_BINUNICODE(CMD) + b"\x88" + b"N" + b"N" + b"N" + b"K\x00" + TUPLE
        + REDUCE + STOP,
        ["asyncio.unix_events." + name])
    put("bypass/cve-2025-10157_asyncio_submodule.pkl", data, "malicious", "pickle",
        ["asyncio.unix_events." + name],
        why="CVE-2025-10157: asyncio.unix_events._UnixSubprocessTransport._start (spawns a process) — an "
            "exact-match denylist of 'asyncio' misses the submodule",
        what="pickle calling asyncio.unix_events._UnixSubprocessTransport._start")


# --------------------------------------------------------------------------
# numpy/


def npy_bytes(np, arr, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def gen_numpy():
    import numpy as np

    rng = np.random.RandomState(0)
    floats = rng.standard_normal((2, 3)).astype(np.float32)
    put("numpy/float.npy", npy_bytes(np, floats), "clean", "numpy",
        why="npy 1.0, descr '<f4', raw data — no pickle", what="float32 array")

    obj = np.array([1, "two", 3, None], dtype=object)
    put("numpy/object.npy", npy_bytes(np, obj, allow_pickle=True), "clean", "numpy",
        why="descr '|O': the data is a protocol-3 pickle of an ndarray using only "
            "numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype and builtin ints/str/None",
        what="object array of plain Python values")

    evil_npy = npy_bytes(np, np.array([evil()], dtype=object), allow_pickle=True)
    header_len = struct.unpack("<H", evil_npy[8:10])[0]  # npy 1.0
    checked(evil_npy[10 + header_len:], ["posix.system"])
    put("numpy/malicious_object.npy", evil_npy, "malicious", "numpy", ["posix.system"],
        why="descr '|O' header followed by a pickle whose array element reduces posix.system",
        what="object array whose element calls os.system")

    buf = io.BytesIO()
    np.savez(buf, weights=floats, bias=np.arange(3, dtype=np.float64))
    put("numpy/arrays.npz", buf.getvalue(), "clean", "numpy",
        why="np.savez: zip of stored .npy members, no pickles", what="np.savez of two arrays")

    buf = io.BytesIO()
    np.savez_compressed(buf, weights=floats, labels=np.array([0, 1, 1], dtype=np.int64), objects=obj)
    put("numpy/compressed.npz", buf.getvalue(), "clean", "numpy",
        why="np.savez_compressed: deflated .npy members incl. a benign object array",
        what="np.savez_compressed incl. a benign object array")

    members = [("weights.npy", npy_bytes(np, floats)), ("objects.npy", evil_npy)]
    put("numpy/malicious.npz", zip_bytes(members), "malicious", "numpy", ["posix.system"],
        why="npz (stored) whose member objects.npy is malicious_object.npy",
        what="npz containing malicious_object.npy")
    put("numpy/malicious_compressed.npz", zip_bytes(members, zipfile.ZIP_DEFLATED), "malicious", "numpy",
        ["posix.system"], why="deflated npz whose member objects.npy is malicious_object.npy",
        what="deflated npz containing malicious_object.npy")


# --------------------------------------------------------------------------
# joblib/


JOBLIB_COMPRESS = [
    # (suffix, joblib compress arg, container format the scanner reports)
    (".z", ("zlib", 3), "zlib"),
    (".gz", ("gzip", 3), "gzip"),
    (".bz2", ("bz2", 3), "bzip2"),
    (".lzma", ("lzma", 3), "lzma"),  # joblib 'lzma' = LZMA "alone" (.lzma) stream, magic 5d 00 00
    (".xz", ("xz", 3), "xz"),
    (".lz4", ("lz4", 3), "lz4"),  # LZ4 frame; only if the lz4 module is present
]


def joblib_bytes(joblib, obj, compress=0):
    buf = io.BytesIO()
    joblib.dump(obj, buf, compress=compress)
    return buf.getvalue()


def gen_joblib():
    import joblib
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    X = rng.standard_normal((24, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)

    logreg = LogisticRegression(random_state=0).fit(X, y)
    put("joblib/logreg.joblib", joblib_bytes(joblib, logreg), "clean", "joblib",
        why="joblib dump of sklearn LogisticRegression: sklearn class, numpy arrays as "
            "joblib.numpy_pickle.NumpyArrayWrapper followed by raw array bytes",
        what="sklearn LogisticRegression, uncompressed")

    pipe = Pipeline([("scale", StandardScaler()),
                     ("forest", RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0))]).fit(X, y)
    put("joblib/pipeline.joblib", joblib_bytes(joblib, pipe), "clean", "joblib",
        why="Pipeline(StandardScaler, RandomForest of 2 trees): sklearn classes, sklearn.tree._tree.Tree, "
            "numpy scalars/dtypes, NumpyArrayWrapper + raw bytes",
        what="sklearn Pipeline(StandardScaler, RandomForest 2 trees), uncompressed")

    try:
        import lz4.frame  # noqa: F401
        have_lz4 = True
    except ImportError:
        have_lz4 = False
    for suffix, comp, fmt in JOBLIB_COMPRESS:
        if comp[0] == "lz4" and not have_lz4:
            continue
        put(f"joblib/pipeline.joblib{suffix}", joblib_bytes(joblib, pipe, comp), "clean", fmt,
            why=f"pipeline.joblib compressed by joblib with compress={comp!r}",
            what=f"pipeline.joblib, compress={comp!r}")

    # The dangerous global comes after raw array bytes in the stream; the array is
    # made of '.' (STOP) bytes so a scanner that reads them as opcodes stops early.
    bait = np.full(64, ord("."), dtype=np.uint8)
    evil_obj = {"weights": bait, "hook": evil()}
    raw = joblib_bytes(joblib, evil_obj)
    at_array = raw.index(bytes(bait))
    assert raw.index(b"posix") > at_array and raw.index(b"system") > at_array
    put("joblib/malicious.joblib", raw, "malicious", "joblib", ["posix.system"],
        why="joblib dump of {'weights': uint8 array of 64 '.' bytes, 'hook': reduce posix.system}: the "
            "STACK_GLOBAL posix.system follows the raw array bytes",
        what="dict with a numpy array then an os.system reduce")
    put("joblib/malicious.joblib.gz", joblib_bytes(joblib, evil_obj, ("gzip", 3)), "malicious", "gzip",
        ["posix.system"], why="malicious.joblib compressed by joblib with compress=('gzip', 3)",
        what="malicious.joblib, gzip-compressed by joblib")


# --------------------------------------------------------------------------
# pickle/


def clean_object(protocol):
    obj = {
        "name": "tiny-model",
        "layers": [4, 3, 2],
        "dims": (4, 2),
        "ids": {1, 2, 3},
        "lr": 0.001,
        "flags": [True, False, None],
        "big": 2 ** 70,
    }
    if protocol >= 3:
        obj["raw"] = b"\x00\x01\x02"
    if protocol >= 5:
        obj["buf"] = bytearray(b"abc")
    return obj


def gen_pickles():
    for p in range(6):
        put(f"pickle/clean_p{p}.pkl", checked(dumps(clean_object(p), p), []), "clean", "pickle",
            why=f"protocol {p}: dict/list/tuple/set/int/float/bool/None" + (" /bytes" if p >= 3 else "")
                + ("; set is GLOBAL __builtin__ set" if p < 3 else "; set is GLOBAL builtins set" if p == 3 else ""),
            what=f"benign dict, protocol {p}" + (" (no PROTO opcode, no magic)" if p < 2 else ""))
        op = "GLOBAL" if p < 4 else "STACK_GLOBAL"
        put(f"pickle/malicious_p{p}.pkl", checked(dumps(evil(), p), ["posix.system"]), "malicious", "pickle",
            ["posix.system"], why=f"protocol {p}: {op} posix.system + REDUCE",
            what=f"os.system('true') via __reduce__, protocol {p}")

    # nullifAI: the call runs before the unpickler meets the broken tail.
    head = PROTO(2) + GLOBAL("os", "system") + BINUNICODE(CMD) + TUPLE1 + REDUCE + POP
    put("pickle/nullifai.pkl",
        checked(head + b"}q\x00" + BINUNICODE("weights") + b"\x00\xffbroken-on-purpose", ["os.system"], broken=True),
        "malicious", "pickle", ["os.system"],
        why="nullifAI: GLOBAL os.system + REDUCE, then an invalid opcode (0x00) instead of STOP; the call "
            "has already run when the unpickler fails",
        what="os.system call followed by garbage instead of STOP")
    put("pickle/nullifai_truncated.pkl",
        checked(head + b"X" + struct.pack("<I", 4096) + b"cut short", ["os.system"], broken=True),
        "malicious", "pickle", ["os.system"],
        why="os.system call, then a BINUNICODE whose length runs past EOF (no STOP)",
        what="os.system call, then a truncated stream")

    # Memo obfuscation: names parked in the memo among decoys, fetched with BINGET.
    data = (PROTO(4)
            + SHORT_BINUNICODE("torch") + MEMOIZE + POP
            + SHORT_BINUNICODE("os") + MEMOIZE + POP
            + SHORT_BINUNICODE("LongStorage") + MEMOIZE + POP
            + SHORT_BINUNICODE("system") + MEMOIZE + POP
            + BINGET(1) + BINGET(3) + STACK_GLOBAL
            + SHORT_BINUNICODE(CMD) + TUPLE1 + REDUCE + STOP)
    put("pickle/memo_obfuscation.pkl", checked(data, ["os.system"]), "malicious", "pickle", ["os.system"],
        why="'os' and 'system' are MEMOIZEd among decoys ('torch', 'LongStorage'), POPped, then fetched with "
            "BINGET 1 / BINGET 3 right before STACK_GLOBAL",
        what="STACK_GLOBAL operands fetched from the memo")

    # Module and name pushed by every string opcode.
    variants = {
        "str_short_binstring.pkl": (PROTO(4), SHORT_BINSTRING, "SHORT_BINSTRING (U)"),
        "str_binstring.pkl": (PROTO(4), BINSTRING, "BINSTRING (T)"),
        "str_string_noproto.pkl": (b"", STRING, "STRING (S), no PROTO opcode"),
        "str_unicode_noproto.pkl": (b"", UNICODE, "UNICODE (V), no PROTO opcode"),
        "str_binunicode.pkl": (PROTO(4), BINUNICODE, "BINUNICODE (X)"),
        "str_binunicode8.pkl": (PROTO(4), BINUNICODE8, "BINUNICODE8 (\\x8d)"),
    }
    for fname, (proto, push, label) in variants.items():
        data = proto + push("os") + push("system") + STACK_GLOBAL + MARK + push(CMD) + TUPLE + REDUCE + STOP
        put(f"pickle/{fname}", checked(data, ["os.system"]), "malicious", "pickle", ["os.system"],
            why=f"STACK_GLOBAL operands pushed with {label}",
            what=f"os.system via STACK_GLOBAL, strings pushed with {label}")

    # Dotted names walk attributes (protocol >= 4): numpy.lib.npyio imports os.
    chain = "lib.npyio.os.system"
    put("pickle/attr_chain_stack_global.pkl",
        checked(PROTO(4) + SHORT_BINUNICODE("numpy") + SHORT_BINUNICODE(chain) + STACK_GLOBAL
                + SHORT_BINUNICODE(CMD) + TUPLE1 + REDUCE + STOP, ["numpy." + chain]),
        "malicious", "pickle", ["numpy." + chain], derived=["os.system"],
        why="STACK_GLOBAL 'numpy' 'lib.npyio.os.system': find_class walks the dots (protocol 4) to os.system",
        what="numpy + lib.npyio.os.system attribute chain (STACK_GLOBAL)")
    put("pickle/attr_chain_global.pkl",
        checked(PROTO(4) + GLOBAL("numpy", chain) + SHORT_BINUNICODE(CMD) + TUPLE1 + REDUCE + STOP,
                ["numpy." + chain]),
        "malicious", "pickle", ["numpy." + chain], derived=["os.system"],
        why="GLOBAL 'numpy lib.npyio.os.system' after PROTO 4: dotted name resolved to os.system",
        what="numpy + lib.npyio.os.system attribute chain (GLOBAL)")

    # getattr(importlib.import_module('os'), 'system')('true')
    data = (PROTO(4)
            + SHORT_BINUNICODE("builtins") + SHORT_BINUNICODE("getattr") + STACK_GLOBAL
            + SHORT_BINUNICODE("importlib") + SHORT_BINUNICODE("import_module") + STACK_GLOBAL
            + SHORT_BINUNICODE("os") + TUPLE1 + REDUCE
            + SHORT_BINUNICODE("system") + TUPLE2 + REDUCE
            + SHORT_BINUNICODE(CMD) + TUPLE1 + REDUCE + STOP)
    g = ["builtins.getattr", "importlib.import_module"]
    put("pickle/getattr_chain.pkl", checked(data, g), "malicious", "pickle", g, derived=["os.system"],
        why="builtins.getattr(importlib.import_module('os'), 'system')('true'): os.system never named as a global",
        what="getattr(import_module('os'), 'system')('true')")

    # dict.get(vars(dict.get(sys.modules, 'os')), 'system')('true')
    data = (PROTO(4)
            + SHORT_BINUNICODE("builtins") + SHORT_BINUNICODE("dict.get") + STACK_GLOBAL + MEMOIZE
            + SHORT_BINUNICODE("builtins") + SHORT_BINUNICODE("vars") + STACK_GLOBAL
            + BINGET(0) + SHORT_BINUNICODE("sys") + SHORT_BINUNICODE("modules") + STACK_GLOBAL
            + SHORT_BINUNICODE("os") + TUPLE2 + REDUCE
            + TUPLE1 + REDUCE
            + SHORT_BINUNICODE("system") + TUPLE2 + REDUCE
            + SHORT_BINUNICODE(CMD) + TUPLE1 + REDUCE + STOP)
    g = ["builtins.dict.get", "builtins.vars", "sys.modules"]
    put("pickle/vars_chain.pkl", checked(data, g), "malicious", "pickle", g, derived=["os.system"],
        why="dict.get(vars(dict.get(sys.modules, 'os')), 'system')('true'); dict.get is the dotted "
            "STACK_GLOBAL 'builtins' 'dict.get', reused through the memo",
        what="vars()/dict.get chain to os.system")

    # operator.attrgetter('system')(builtins.__import__('os'))('true')
    data = (PROTO(4)
            + SHORT_BINUNICODE("operator") + SHORT_BINUNICODE("attrgetter") + STACK_GLOBAL
            + SHORT_BINUNICODE("system") + TUPLE1 + REDUCE
            + SHORT_BINUNICODE("builtins") + SHORT_BINUNICODE("__import__") + STACK_GLOBAL
            + SHORT_BINUNICODE("os") + TUPLE1 + REDUCE
            + TUPLE1 + REDUCE
            + SHORT_BINUNICODE(CMD) + TUPLE1 + REDUCE + STOP)
    g = ["operator.attrgetter", "builtins.__import__"]
    put("pickle/operator_chain.pkl", checked(data, g), "malicious", "pickle", g, derived=["os.system"],
        why="operator.attrgetter('system')(builtins.__import__('os'))('true')",
        what="operator.attrgetter + __import__ chain")

    # Other call opcodes.
    put("pickle/inst_opcode.pkl", checked(MARK + STRING(CMD) + b"ios\nsystem\n" + STOP, ["os.system"]),
        "malicious", "pickle", ["os.system"], why="protocol 0 INST 'os system' (no REDUCE, no PROTO)",
        what="INST opcode calling os.system")
    put("pickle/obj_opcode.pkl", checked(MARK + GLOBAL("os", "system") + STRING(CMD) + b"o" + STOP, ["os.system"]),
        "malicious", "pickle", ["os.system"], why="protocol 1 OBJ: MARK, GLOBAL os.system, args, OBJ (no REDUCE)",
        what="OBJ opcode calling os.system")
    put("pickle/builtins_exec.pkl",
        checked(PROTO(2) + GLOBAL("builtins", "exec") + BINUNICODE("print('aibom fixture')") + TUPLE1 + REDUCE
                + STOP, ["builtins.exec"]),
        "malicious", "pickle", ["builtins.exec"], why="GLOBAL builtins.exec + REDUCE (runs print)",
        what="builtins.exec(\"print(...)\")")

    # Several pickles back to back: a harmless one first.
    data = dumps({"config": {"hidden": 16}}, 2) + dumps(evil(), 2)
    put("pickle/multi_stream.pkl", checked(data, ["posix.system"]), "malicious", "pickle", ["posix.system"],
        why="two pickles back to back; the second reduces posix.system (a scanner must not stop at the first STOP)",
        what="benign pickle followed by a malicious one")

    # Pickles under misleading names (content decides, not names).
    p0 = checked(dumps(evil(), 0), ["posix.system"])
    put("pickle/config.json", p0, "malicious", "pickle", ["posix.system"],
        why="protocol 0 pickle (starts with 'c', no magic) named config.json", what="malicious pickle named config.json")
    put("pickle/weights.bin", checked(dumps(evil(), 2), ["posix.system"]), "malicious", "pickle", ["posix.system"],
        why="protocol 2 pickle named weights.bin", what="malicious pickle named weights.bin")
    put("pickle/notes.txt",
        checked(b"cos\nsystem\n(S'true'\ntR.", ["os.system"]), "malicious", "pickle", ["os.system"],
        why="hand-written protocol 0 pickle (printable text) named notes.txt", what="malicious pickle named notes.txt")
    put("pickle/model.safetensors", checked(dumps(evil(), 4), ["posix.system"]), "malicious", "pickle",
        ["posix.system"], why="protocol 4 pickle named model.safetensors",
        what="malicious pickle named model.safetensors")

    # Compressed malicious pickles.
    p4 = checked(dumps(evil(), 4), ["posix.system"])
    put("pickle/malicious.pkl.gz", gzip.compress(p4, mtime=0), "malicious", "gzip", ["posix.system"],
        why="gzip of a protocol 4 malicious pickle", what="gzip-compressed malicious pickle")
    put("pickle/malicious.pkl.bz2", bz2.compress(p4), "malicious", "bzip2", ["posix.system"],
        why="bzip2 of a protocol 4 malicious pickle", what="bzip2-compressed malicious pickle")
    put("pickle/malicious.pkl.xz", lzma.compress(p4), "malicious", "xz", ["posix.system"],
        why="xz of a protocol 4 malicious pickle", what="xz-compressed malicious pickle")
    put("pickle/malicious.pkl.zlib", zlib.compress(p4), "malicious", "zlib", ["posix.system"],
        why="raw zlib stream (78 9c) of a protocol 4 malicious pickle", what="zlib-compressed malicious pickle")
    try:
        import lz4.frame

        put("pickle/malicious.pkl.lz4", lz4.frame.compress(p4), "malicious", "lz4", ["posix.system"],
            why="LZ4 frame of a protocol 4 malicious pickle", what="lz4-compressed malicious pickle")
    except ImportError:
        pass
    put("pickle/tokenizer.model", bz2.compress(p0), "malicious", "bzip2", ["posix.system"],
        why="bzip2 of a protocol 0 malicious pickle under a tokenizer file name",
        what="bzip2-compressed malicious pickle named tokenizer.model")

    # Zip inside zip.
    inner = zip_bytes([("inner/data.pkl", p4)], zipfile.ZIP_DEFLATED)
    put("pickle/nested.zip", zip_bytes([("README.txt", b"weights inside\n"), ("inner.zip", inner)]),
        "malicious", "zip", ["posix.system"],
        why="zip containing inner.zip containing inner/data.pkl (malicious, deflated)",
        what="zip in a zip; the inner one holds a malicious pickle")


# --------------------------------------------------------------------------
# safetensors/


def st_file(header, data, pad=False, raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def gen_safetensors():
    import numpy as np

    rng = np.random.RandomState(0)
    w = rng.standard_normal((2, 3)).astype("<f4").tobytes()  # 24 bytes
    b = rng.standard_normal(2).astype("<f4").tobytes()  # 8 bytes
    meta = {"format": "pt"}
    good = {
        "__metadata__": meta,
        "fc.bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "fc.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [8, 32]},
    }
    put("safetensors/model.safetensors", st_file(good, b + w), "clean", "safetensors",
        why="valid: contiguous offsets covering the buffer", what="valid safetensors (2 F32 tensors)")
    put("safetensors/padded_header.safetensors", st_file(good, b + w, pad=True), "clean", "safetensors",
        why="valid: header right-padded with spaces to a multiple of 8, as the reference writer does",
        what="valid, header padded with spaces")

    dt = {"BOOL": (1, [1, 0]), "U8": (1, [7, 9]), "I8": (1, [-1, 2]), "I16": (2, [1, -2]), "U16": (2, [3, 4]),
          "F16": (2, [0, 0]), "BF16": (2, [0, 0]), "I32": (4, [5, -6]), "U32": (4, [7, 8]), "F32": (4, [0, 0]),
          "F64": (8, [0, 0]), "I64": (8, [9, -10]), "U64": (8, [11, 12]), "F8_E4M3": (1, [0, 0]),
          "F8_E5M2": (1, [0, 0])}
    header, data = {}, b""
    for name, (size, _vals) in dt.items():
        chunk = bytes(range(2 * size))
        header[name.lower()] = {"dtype": name, "shape": [2], "data_offsets": [len(data), len(data) + len(chunk)]}
        data += chunk
    put("safetensors/dtypes.safetensors", st_file(header, data), "clean", "safetensors",
        why="valid: one 2-element tensor per dtype BOOL..U64 plus F8_E4M3/F8_E5M2", what="valid, many dtypes")
    put("safetensors/metadata_only.safetensors", st_file({"__metadata__": meta}, b""), "clean", "safetensors",
        why="valid: no tensors, empty data buffer", what="valid, metadata and no tensors")

    def bad(name, blob, why):
        put(f"safetensors/{name}.safetensors", blob, "invalid", "safetensors", why=why, what=why)

    blob = st_file(good, b + w)
    bad("header_past_eof", struct.pack("<Q", len(blob) + 100) + blob[8:],
        "header length N points past the end of the file")
    bad("huge_header_len", struct.pack("<Q", 0x7FFF_FFFF_FFFF_FFF0) + blob[8:],
        "header length ~2^63 (must be rejected before allocating)")
    ov = copy.deepcopy(good)
    ov["fc.weight"]["data_offsets"] = [4, 28]
    bad("overlapping_offsets", st_file(ov, b + w[:20]), "fc.bias [0,8] and fc.weight [4,28] overlap")
    gap = copy.deepcopy(good)
    gap["fc.weight"]["data_offsets"] = [12, 36]
    bad("gap_in_offsets", st_file(gap, b + b"\0" * 4 + w), "4 unreferenced bytes between fc.bias and fc.weight")
    raw = (b'{"__metadata__":{"format":"pt"},'
           b'"fc.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
           b'"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}')
    bad("duplicate_keys", st_file(None, b + w, raw_header=raw),
        "the tensor name fc.weight appears twice in the header (parsers disagree on which one wins)")
    bd = copy.deepcopy(good)
    bd["fc.bias"]["dtype"] = "F33"
    bad("bad_dtype", st_file(bd, b + w), "unknown dtype F33")
    sm = copy.deepcopy(good)
    sm["fc.weight"]["shape"] = [3, 3]
    bad("shape_mismatch", st_file(sm, b + w), "fc.weight shape [3,3] F32 needs 36 bytes, offsets give 24")
    bad("trailing_bytes", st_file(good, b + w + b"\0" * 8), "8 data bytes after the last tensor")
    rv = copy.deepcopy(good)
    rv["fc.bias"]["data_offsets"] = [8, 0]
    bad("reversed_offsets", st_file(rv, b + w), "fc.bias data_offsets [8,0]: begin after end")
    bad("bad_json", st_file(None, b + w, raw_header=b'{"fc.bias":{"dtype":"F32",'),
        "header is truncated JSON")


# --------------------------------------------------------------------------
# benign/


def gen_benign():
    readme = (b"# tiny-model\n\nA small example model card. Weights are in `model.safetensors`.\n\n"
              b"## Usage\n\n```python\nfrom transformers import AutoModel\nmodel = AutoModel.from_pretrained(\"tiny\")\n```\n")
    config = json.dumps({
        "architectures": ["BertModel"], "hidden_size": 32, "num_attention_heads": 2, "num_hidden_layers": 2,
        "intermediate_size": 37, "max_position_embeddings": 64, "model_type": "bert", "vocab_size": 8,
        "torch_dtype": "float32", "transformers_version": "4.40.0",
    }, indent=2).encode() + b"\n"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s"]
    tokenizer = json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(vocab[:5])],
        "normalizer": {"type": "BertNormalizer", "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {t: i for i, t in enumerate(vocab)}},
    }, indent=2).encode() + b"\n"
    for name, data, what in (("README.md", readme, "model card"), ("config.json", config, "transformers config"),
                             ("tokenizer.json", tokenizer, "tokenizers JSON"),
                             ("vocab.txt", ("\n".join(vocab) + "\n").encode(), "WordPiece vocabulary")):
        put(f"benign/{name}", data, "unscanned", "unknown", why=f"ordinary {what}, not a model format",
            what=f"ordinary {what}")


# --------------------------------------------------------------------------


def clean_outputs():
    for sub in ("pytorch", "numpy", "joblib", "pickle", "bypass", "safetensors", "benign"):
        shutil.rmtree(ROOT / sub, ignore_errors=True)


def repo_files():
    for name, what in (("README.md", "this directory's documentation"), ("expected.json", "the expectations (JSON)")):
        EXPECTED[name] = {"verdict": "unscanned", "format": "unknown", "globals": [],
                          "why": f"{what}, not a fixture"}
        DESCRIBE[name] = what
    EXPECTED["gen.py"] = {"verdict": "clean", "format": "python", "globals": [], "why": GEN_WHY}
    DESCRIBE["gen.py"] = "the generator (Python source)"


# A generator is Python source: aibom reads what importing it runs, and its
# code runs only under if __name__ == "__main__".
GEN_WHY = "the generator (Python source): its code runs only under if __name__ == '__main__', so importing it runs nothing"


def table():
    rows = ["| file | what it is | verdict | format | globals that must be reported |",
            "| --- | --- | --- | --- | --- |"]
    for rel in sorted(EXPECTED):
        e = EXPECTED[rel]
        g = ", ".join(f"`{x}`" for x in e["globals"]) or "—"
        rows.append(f"| `{rel}` | {DESCRIBE[rel]} | {e['verdict']} | {e['format']} | {g} |")
    return "\n".join(rows)


def main():
    # TorchScript writes module constants in set order; fix the string hash seed so
    # scripted archives are byte-for-byte reproducible.
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], env)
    clean_outputs()
    gen_pickles()
    gen_bypass_pickles()
    gen_numpy()
    gen_joblib()
    gen_safetensors()
    gen_benign()
    gen_pytorch()
    repo_files()
    ordered = {k: EXPECTED[k] for k in sorted(EXPECTED)}
    (ROOT / "expected.json").write_text(json.dumps(ordered, indent=2) + "\n")
    if "--table" in sys.argv:
        print(table())
    else:
        total = sum((ROOT / k).stat().st_size for k in EXPECTED if (ROOT / k).exists())
        print(f"wrote {len(EXPECTED) - 3} fixtures, {total} bytes in total")


if __name__ == "__main__":
    main()
