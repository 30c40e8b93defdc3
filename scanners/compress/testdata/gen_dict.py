"""Regenerate the dictionary fixtures: /usr/bin/python3 gen_dict.py (needs 7-Zip's `7z`).

Each is an os.system pickle (its payload only echoes, and nothing ever loads
it) whose bytes hold a 4 KiB random block, a long run of zeros, and the same
block again: an encoder with a large dictionary codes the second block as a
match that reaches back over the zeros. The zeros make the streams tiny.

  far.pkl.xz, far.pkl.lzma, ../../sevenzip/testdata/far.7z
      preset 9 / -mx9 (64 MiB dictionary), 17 MiB of zeros: the match reaches
      back further than safeio.MaxDict (16 MiB), so the payload after it is
      not decoded: they must come out invalid with a DICT-TOO-LARGE finding.
  near.pkl.xz, ../../sevenzip/testdata/near.7z
      the same at preset 9 / -mx9 but with the block once: a 64 MiB dictionary
      declared, none of it needed beyond 16 MiB: decoded and found malicious.
  ../../zip/testdata/far_lzma.zip
      a zip LZMA member (zipfile's 8 MiB dictionary) with a 1 MiB gap; the
      test decodes it with a 64 KiB dictionary.
"""
import lzma
import os
import random
import subprocess
import tempfile
import zipfile

block = random.Random(9).randbytes(4096)
call = b"0cos\nsystem\nX\x12\x00\x00\x00echo aibom-fixture\x85R."


def evil(data):
    return b"\x80\x04B" + len(data).to_bytes(4, "little") + data + call


far = evil(block + bytes(17 << 20) + block)
near = evil(block + bytes(17 << 20))
xz9 = dict(preset=9 | lzma.PRESET_EXTREME)
open("far.pkl.xz", "wb").write(lzma.compress(far, **xz9))
open("far.pkl.lzma", "wb").write(lzma.compress(far, format=lzma.FORMAT_ALONE, **xz9))
open("near.pkl.xz", "wb").write(lzma.compress(near, **xz9))

here = os.getcwd()
for name, data in (("far", far), ("near", near)):
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "model.pkl"), "wb").write(data)
        out = os.path.join(here, "../../sevenzip/testdata", name + ".7z")
        if os.path.exists(out):
            os.remove(out)
        subprocess.run(["7z", "a", "-bd", "-mx9", "-mmt=1", out, "model.pkl"], cwd=d, check=True,
                       stdout=subprocess.DEVNULL)

with zipfile.ZipFile("../../zip/testdata/far_lzma.zip", "w", compression=zipfile.ZIP_LZMA) as z:
    z.writestr("model.pkl", evil(block + bytes(1 << 20) + block))
