"""Regenerate the compressed fixtures: /usr/bin/python3 gen.py (Debian's python3-joblib, python3-numpy).

Every payload is a harmless pickle; nothing here is ever loaded by the tests.
"""
import bz2
import gzip
import lzma
import pickle
import zlib

import joblib
import numpy as np

payload = pickle.dumps({"weights": list(range(50)), "name": "tiny"}, protocol=4)
open("payload.pkl", "wb").write(payload)
with gzip.GzipFile("payload.pkl.gz", "wb", mtime=0) as f:
    f.write(payload)
open("payload.pkl.bz2", "wb").write(bz2.compress(payload))
open("payload.pkl.xz", "wb").write(lzma.compress(payload))  # FORMAT_XZ, CRC64
open("payload.pkl.lzma", "wb").write(lzma.compress(payload, format=lzma.FORMAT_ALONE))
open("payload.pkl.zlib", "wb").write(zlib.compress(payload, 3))

obj = {"a": np.arange(20, dtype=np.float32)}
for method in ["zlib", "gzip", "bz2", "xz", "lzma"]:
    joblib.dump(obj, "model.joblib." + method, compress=(method, 3))

# A hand-built os.system pickle (its payload only echoes, and nothing ever
# loads it) behind 8000 incompressible bytes, in a legacy LZMA stream well
# over 4 KiB: the format check must not give up on a stream it sees cut off.
import random

rng = random.Random(16)
pad = bytes(rng.getrandbits(8) for _ in range(8000))
evil = (b"\x80\x04B" + len(pad).to_bytes(4, "little") + pad + b"0"
        + b"cos\nsystem\n" + b"X\x12\x00\x00\x00echo aibom-fixture" + b"\x85R.")
open("system_big.pkl.lzma", "wb").write(lzma.compress(evil, format=lzma.FORMAT_ALONE))
