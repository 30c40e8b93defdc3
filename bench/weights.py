#!/usr/bin/python3
"""Writes three 1 GiB safetensors files for the `aibom generate` benchmark.

Usage: /usr/bin/python3 bench/weights.py OUTDIR
"""
import json
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "bench/out/weights"
os.makedirs(out, exist_ok=True)
size = 1 << 30
chunk = os.urandom(1 << 20)
for i in range(3):
    path = os.path.join(out, "model-%05d-of-00003.safetensors" % (i + 1))
    if os.path.exists(path):
        continue
    header = json.dumps({"w%d" % i: {"dtype": "F32", "shape": [size // 4], "data_offsets": [0, size]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for _ in range(size // len(chunk)):
            f.write(chunk)
    os.rename(path + ".tmp", path)
    print("wrote", path)
