#!/usr/bin/python3
"""Builds the large inputs for aibom's scan benchmarks (never loads them).

Usage: /usr/bin/python3 bench/gen.py OUTDIR

  big.pkl       ~200 MB pickle of ~24 million opcodes (a list of 22 million
                floats; protocol 4), the size of the scanner comparison in
                issue 2.
  strings.pkl   ~90 MB pickle of 3 million distinct memoized string keys: the
                worst case for the walker's memo model.
  ckpt-1g.pt    a 1 GiB PyTorch zip checkpoint (torch.save of 8 x 128 MiB
                tensors), when python3-torch is installed.
"""
import os
import pickle
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "bench/out"
os.makedirs(out, exist_ok=True)


def build(name, make):
    path = os.path.join(out, name)
    if os.path.exists(path):
        print("exists", path)
        return
    tmp = path + ".tmp"
    make(tmp)
    os.rename(tmp, path)
    print("wrote", path, os.path.getsize(path), "bytes")


def big(path):
    with open(path, "wb") as f:
        pickle.dump([float(i) for i in range(22_000_000)], f, protocol=4)


def strings(path):
    with open(path, "wb") as f:
        pickle.dump({"key_%08d" % i: "v%d" % i for i in range(3_000_000)}, f, protocol=4)


def ckpt(path):
    import torch
    torch.manual_seed(0)
    sd = {"layer%d.weight" % i: torch.zeros(32 * 1024 * 1024) for i in range(8)}
    torch.save(sd, path)


build("big.pkl", big)
build("strings.pkl", strings)
try:
    import torch  # noqa: F401
    build("ckpt-1g.pt", ckpt)
except ImportError:
    print("python3-torch not installed: skipping ckpt-1g.pt")
