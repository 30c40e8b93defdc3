#!/usr/bin/python3
"""Generate the hostile-input fixtures of issue 9 under testdata/hostile.

Run with Debian's Python (python3-torch, python3-numpy, python3-joblib):

    /usr/bin/python3 testdata/hostile/gen.py            # rewrites the committed fixtures
    /usr/bin/python3 testdata/hostile/gen.py --big DIR  # also writes the big bombs to DIR

It NEVER loads what it writes: no pickle.load(s), torch.load, joblib.load,
np.load(allow_pickle=True), no template rendering. Every payload is
harmless even if it ran (`os.system('true')`); the loader-differential test
(internal/loaderdiff) confirms with a recording find_class that a real
loader would reach it, without calling anything.

expected.json records, per fixture: the issue section, the phase in which
aibom's verdict is asserted (1: now; 2: after the runner change), the
loader that reads it ("pickle", "joblib", "npy", "torchzip", "torchlegacy",
"chatjson", "jinja", or "" for none), the payload the loader must reach,
and the verdict aibom must give.
"""

import gzip
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
EXPECTED = {}

# The harmless payload, protocol 0: os.system('true').
P0 = b"cos\nsystem\n(S'true'\ntR."
# The same call in protocol-1 opcodes (BINUNICODE, BINPUT).
P1 = b"cos\nsystem\nq\x00(X\x04\x00\x00\x00trueq\x01tq\x02Rq\x03."
PAYLOAD = "os.system"
TEMPLATE = "{{ ''.__class__.__mro__[1].__subclasses__() }}"


def put(rel, data, section, phase, loader, verdict, why, payload=PAYLOAD, fmt=None):
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    e = {"section": section, "phase": phase, "loader": loader, "payload": payload if loader else "",
         "verdict": verdict, "why": why}
    if fmt:
        e["format"] = fmt
    EXPECTED[rel] = e


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = compression
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(data)
    return buf.getvalue()


# --------------------------------------------------------------------------
# §1 polyglots: valid in another format and a pickle from byte 0


def gen_polyglots():
    # tar whose first member *name* is a protocol-0 pickle.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo(P0.decode())
        data = b"hello\n"
        ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
        t.addfile(ti, io.BytesIO(data))
    put("polyglot/tar_pickle.tar", buf.getvalue(), 1, 1, "pickle", "malicious",
        "valid tar whose first member name is a protocol-0 pickle", fmt="tar")

    # safetensors: header length 0x156 (low byte 'V' = UNICODE: the line runs
    # through the JSON header into the tensor data, whose first byte ends it).
    tensor = b"\n" + P0
    hdr = json.dumps({"t": {"dtype": "U8", "shape": [len(tensor)], "data_offsets": [0, len(tensor)]}},
                     separators=(",", ":")).encode()
    n = 0x156
    assert len(hdr) <= n and b"\n" not in hdr and b"\\" not in hdr
    hdr = hdr + b" " * (n - len(hdr))
    put("polyglot/safetensors_pickle.safetensors", struct.pack("<Q", n) + hdr + tensor, 1, 1, "pickle",
        "malicious", "safetensors header length 0x156 (low byte 'V'); a U8 tensor holds the payload",
        fmt="safetensors")

    # ONNX ModelProto: model_version=78 ('(' 'N' = MARK NONE), then a
    # metadata_props entry (tag 'r' = LONG_BINPUT eats 4 bytes) whose key
    # holds the payload; then an ordinary model.
    # LONG_BINPUT's memo index is the entry length, 0x0a, the key length
    # and the key's first byte: a NUL there keeps it small (~2.6M).
    key = b"\x00" + P0
    entry = b"\x0a" + bytes([len(key)]) + key + b"\x12\x01v"
    assert len(entry) < 128
    model = (b"\x08\x08"  # ir_version 8
             + b"\x12\x05aibom"  # producer_name
             + b"\x3a\x08\x12\x01g\x62\x03\x0a\x01y"  # graph {name "g", output {name "y"}}
             + b"\x42\x02\x10\x11")  # opset_import {version 17}
    put("polyglot/onnx_pickle.onnx", b"\x28\x4e" + b"\x72" + bytes([len(entry)]) + entry + model, 1, 1,
        "pickle", "malicious", "ONNX ModelProto whose first fields are pickle opcodes; payload in a metadata key",
        fmt="onnx")

    try:
        import h5py
        import numpy as np
    except ImportError:
        print("h5py missing: polyglot/keras_userblock.h5 skipped", file=sys.stderr)
        return
    tmp = Path(tempfile.mkdtemp(prefix="aibom-hostile-"))
    p = tmp / "m.h5"
    with h5py.File(p, "w", userblock_size=512, track_order=True) as f:
        f.attrs["keras_version"] = "2.11.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "Dense", "config": {"name": "d", "units": 1}}]}})
        f.create_group("model_weights").create_dataset("w", data=np.zeros(2, dtype="<f4"))
    blob = bytearray(p.read_bytes())
    blob[: len(P0)] = P0
    p.unlink()
    tmp.rmdir()
    put("polyglot/keras_userblock.h5", bytes(blob), 1, 1, "pickle", "malicious",
        "Keras HDF5 file with a pickle in its 512-byte user block", fmt="keras")


# --------------------------------------------------------------------------
# §2 pickles the old sniffer stepped around


class Reduce:
    """Pickles as func(*args); func is pickled by reference, never called."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def torch_zip(torch, obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def replace_member(blob, suffix, data):
    """Rewrite a torch zip with the member ending in suffix replaced (stored, as torch writes)."""
    out = []
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for zi in z.infolist():
            d = data if zi.filename.endswith(suffix) else z.read(zi)
            out.append((zi.filename, d))
    return zip_bytes(out)


def gen_sniff():
    put("sniff/proto0.pkl", b"\x80\x00" + P0, 2, 1, "pickle", "malicious", "PROTO 0 then a protocol-0 payload")
    put("sniff/proto1.pkl", b"\x80\x01" + P1, 2, 1, "pickle", "malicious", "PROTO 1 then a protocol-1 payload")
    put("sniff/late_import.pkl", b"N0" * 3000 + P0, 2, 1, "pickle", "malicious",
        "protocol 0: 6 KB of NONE POP before the first import")
    put("sniff/proto1_gzip.joblib", gzip_bytes(b"\x80\x01" + P1), 2, 1, "joblib", "malicious",
        "gzip'd .joblib whose pickle starts with PROTO 1", fmt="gzip")
    put("sniff/proto1_zlib.joblib", zlib.compress(b"\x80\x01" + P1, 9), 2, 1, "joblib", "malicious",
        "zlib'd .joblib whose pickle starts with PROTO 1", fmt="zlib")

    import torch

    torch.manual_seed(0)
    sd = {"w": torch.zeros(2)}
    clean = torch_zip(torch, sd)
    put("sniff/torch_proto1.pt", replace_member(clean, "/data.pkl", b"\x80\x01" + P1), 2, 1, "torchzip",
        "malicious", "torch.save zip whose data.pkl starts with PROTO 1")
    put("sniff/prepended.pt", b"\x80\x01" + P1 + clean, 2, 1, "pickle", "malicious",
        "a PROTO-1 pickle prepended to a torch.save zip (torch.load sees no zip magic and unpickles from byte 0)")

    # Legacy stacked-pickle checkpoint written with pickle protocol 1: no
    # PROTO opcode in any of its pickles.
    buf = io.BytesIO()
    evil = {"w": torch.zeros(2), "_hook": Reduce(os.system, ("true",))}
    torch.save(evil, buf, _use_new_zipfile_serialization=False, pickle_protocol=1)
    blob = buf.getvalue()
    assert not blob.startswith(b"\x80"), blob[:4]
    put("sniff/legacy_noproto.pt", blob, 2, 1, "torchlegacy", "malicious",
        "legacy torch.save(pickle_protocol=1): stacked pickles without PROTO", payload="posix.system")


# --------------------------------------------------------------------------
# §3 chat templates hidden from the matcher


def gen_chat():
    cfg = '{"bos_token": "<s>", "chat\\u005ftemplate": ' + json.dumps(TEMPLATE) + "}\n"
    put("chat/escaped_key/tokenizer_config.json", cfg.encode(), 3, 1, "chatjson", "malicious",
        'tokenizer_config.json spells the key "chat\\u005ftemplate"', payload="__subclasses__", fmt="chat-template")
    put("chat/long_comment/chat_template.jinja", ("{# " + "x" * 5000 + " #}" + TEMPLATE).encode(), 3, 1,
        "jinja", "malicious", "chat_template.jinja starting with a 5 KB Jinja comment", payload="__subclasses__", fmt="chat-template")
    put("chat/plain_text/chat_template.jinja", ("You are a helpful assistant.\n" + TEMPLATE).encode(), 3, 1,
        "jinja", "malicious", "chat_template.jinja starting with plain text", payload="__subclasses__", fmt="chat-template")


# --------------------------------------------------------------------------
# §4 bombs


def dup_stream(n):
    """NONE, n DUPs, STOP, in 1 MiB chunks."""
    yield b"\x80\x02N"
    chunk = b"2" * (1 << 20)
    while n > 0:
        yield chunk[: min(n, len(chunk))]
        n -= min(n, len(chunk))
    yield b"."


def dup_joblib(path, n):
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, compresslevel=9) as g:
        for c in dup_stream(n):
            g.write(c)


def deflate_zeros(n):
    """A raw deflate stream of n zero bytes: one 1 MiB block compressed
    after a full flush (so it stands alone) repeated, then the rest; fast
    even for 4 GiB."""
    chunk = 1 << 20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    k, rest = divmod(n, chunk)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return block * k + c.compress(bytes(rest)) + c.flush()


def zeros_crc(n):
    crc, chunk = 0, bytes(1 << 20)
    while n > 0:
        crc = zlib.crc32(chunk[: min(n, len(chunk))], crc)
        n -= min(n, len(chunk))
    return crc


def zip_raw(entries):
    """A zip of (name, raw deflated bytes, uncompressed size, crc) entries."""
    body, cd = io.BytesIO(), io.BytesIO()
    for name, raw, size, crc in entries:
        off = body.tell()
        nb = name.encode()
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(raw), size, len(nb), 0))
        body.write(nb + raw)
        cd.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x31E, 20, 0, 8, 0, 0x21, crc, len(raw), size,
                             len(nb), 0, 0, 0, 0, 0o644 << 16, off) + nb)
    cdb = cd.getvalue()
    n = len(entries)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cdb), body.tell(), 0)
    return body.getvalue() + cdb + eocd


def overlap_zip(inner_size, count):
    """count stored entries whose data overlap: entry i's local header is
    followed by the local headers of entries i+1.. and then by one inner
    zip holding a deflated member of inner_size zero bytes. Each entry is
    thus a different zip (prepended data + the inner zip) whose member is
    the same 1 GiB: a naive scanner decompresses it count times."""
    inner = zip_raw([("zeros.bin", deflate_zeros(inner_size), inner_size, zeros_crc(inner_size))])
    names = [b"%d.zip" % i for i in range(count)]
    lh_len = [30 + len(nb) for nb in names]
    offs = [sum(lh_len[:i]) for i in range(count)]
    end = offs[-1] + lh_len[-1] + len(inner)
    # CRC of entry i's data (from after its header to the end of the inner
    # zip): computed back to front.
    crcs, sizes = [0] * count, [0] * count
    tail_crc = zlib.crc32(inner)
    tail = len(inner)
    hdrs = [None] * count
    for i in reversed(range(count)):
        sizes[i], crcs[i] = tail, tail_crc
        hdrs[i] = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crcs[i], sizes[i], sizes[i],
                              len(names[i]), 0) + names[i]
        # prepend this header to the tail for entry i-1
        tail_crc = crc_prepend(hdrs[i], tail_crc, tail)
        tail += len(hdrs[i])
    body = b"".join(hdrs) + inner
    assert len(body) == end
    cd = io.BytesIO()
    for i in range(count):
        cd.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x31E, 20, 0, 0, 0, 0x21, crcs[i], sizes[i],
                             sizes[i], len(names[i]), 0, 0, 0, 0, 0o644 << 16, offs[i]) + names[i])
    cdb = cd.getvalue()
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cdb), len(body), 0)
    return body + cdb + eocd


def crc_prepend(prefix, crc_tail, len_tail):
    """CRC-32 of prefix + tail from the CRC of tail (zlib's crc32_combine)."""
    return crc32_combine(zlib.crc32(prefix), crc_tail, len_tail)


def gf2_times(mat, vec):
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def gf2_square(mat):
    return [gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1, crc2, len2):
    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = gf2_square(odd)
    odd = gf2_square(even)
    while True:
        even = gf2_square(odd)
        if len2 & 1:
            crc1 = gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = gf2_square(even)
        if len2 & 1:
            crc1 = gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def nest42(leaf_size, width, depth):
    """42.zip: depth levels of zips, each holding width deflated copies of
    the level below; the leaves are leaf_size zero bytes."""
    raw, size, crc = deflate_zeros(leaf_size), leaf_size, zeros_crc(leaf_size)
    level = zip_raw([("%d.bin" % i, raw, size, crc) for i in range(width)])
    for _ in range(depth - 1):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = c.compress(level) + c.flush()
        size, crc = len(level), zlib.crc32(level)
        level = zip_raw([("%d.zip" % i, raw, size, crc) for i in range(width)])
    return level


def gen_bombs():
    p = ROOT / "bombs" / "dup160m.joblib"
    p.parent.mkdir(parents=True, exist_ok=True)
    dup_joblib(p, 160_000_000)
    EXPECTED["bombs/dup160m.joblib"] = {
        "section": 4, "phase": 1, "loader": "", "payload": "", "verdict": "clean", "format": "gzip", "bench": True,
        "why": "gzip'd PROTO 2, NONE, 160M DUP, STOP: harmless, but it grew the modelled stack without bound "
               "(160M opcodes: measured by bench/hostile.sh, not in the unit tests)"}
    put("bombs/overlap.zip", overlap_zip(64 << 20, 1000), 4, 1, "", "invalid",
        "1000 central-directory entries overlapping one stored zip of a 64 MiB deflated member")
    put("bombs/nest42.zip", nest42(64 << 20, 16, 4), 4, 1, "", "invalid",
        "42.zip-style nest: 4 levels of 16 copies, leaves of 64 MiB zeros (16^4 x 64 MiB = 4 TiB)")


def gen_big(out):
    """The bombs too large to commit, at the sizes issue 9 reported."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "dup40m.pkl", "wb") as f:
        for c in dup_stream(40_000_000):
            f.write(c)
    (out / "overlap-1g.zip").write_bytes(overlap_zip(1 << 30, 1000))
    (out / "nest42-4g.zip").write_bytes(nest42((4 << 30) - 1, 16, 5))


# --------------------------------------------------------------------------
# §5 file-system tricks (links are relative and stay inside testdata)


def link(rel, target):
    p = ROOT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.is_symlink() or p.exists():
        p.unlink()
    os.symlink(target, p)


def gen_fs():
    put("fs/secret.csv", b"aws_access_key_id,aws_secret_access_key\nAKIAFAKEFAKEFAKEFAKE,fake/secret/do-not-use\n",
        5, 1, "", "unscanned", "a fake credentials file outside the model folder")
    put("fs/model/README.md", b"---\nlicense: mit\n---\n# tiny\n", 5, 1, "", "unscanned", "model card")
    link("fs/model/data/train.csv", "../../secret.csv")
    put("fs/realdir/model.pkl", b"\x80\x02" + P0, 5, 1, "pickle", "malicious",
        "a malicious pickle reached through the symlinked root fs/linkdir")
    link("fs/linkdir", "realdir")


def main():
    big = None
    if len(sys.argv) == 3 and sys.argv[1] == "--big":
        big = sys.argv[2]
    gen_polyglots()
    gen_sniff()
    gen_chat()
    gen_bombs()
    gen_fs()
    with open(ROOT / "expected.json", "w") as f:
        json.dump(dict(sorted(EXPECTED.items())), f, indent=1)
        f.write("\n")
    if big:
        gen_big(big)


if __name__ == "__main__":
    main()
