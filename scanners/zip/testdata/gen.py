"""Regenerate the zip fixtures: /usr/bin/python3 gen.py (Debian's python3-torch, python3-numpy).

Nothing here is ever loaded; the fixtures are only parsed by the Go tests.
"""
import io
import zipfile

import numpy as np
import torch

torch.save({"w": torch.arange(4, dtype=torch.float32)}, "torch_small.pt")
np.savez("arrays.npz", a=np.arange(6), b=np.ones(3))
np.savez_compressed("arrays_compressed.npz", a=np.arange(100))

payload = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94."  # the string 'x'
for name, method in [("bzip2.zip", zipfile.ZIP_BZIP2), ("lzma.zip", zipfile.ZIP_LZMA)]:
    with zipfile.ZipFile(name, "w", compression=method) as z:
        z.writestr("data.pkl", payload * 50)
