#!/usr/bin/python3
"""Build the inputs of the memory benchmark (bench/memory.sh) into DIR.

    /usr/bin/python3 bench/memory_gen.py DIR

Every input is harmless: zeros, a pickle of one bytes value, empty members,
the DUP bomb of issue 9 (NONE and DUPs). Nothing is ever loaded. The zip
bombs reuse testdata/hostile/gen.py; the 7z ones are made with p7zip's `7z`
(Debian p7zip-full), the rest with the standard library. Existing files are
kept, so a second run is quick.

Inputs (issue 9 section 4, issue 11 section 7, and tar/7z counterparts):
  dup160m.joblib      the committed gzip'd 160M-DUP joblib (copied)
  overlap-1g.zip      1000 overlapping stored entries, each a zip of a 1 GiB deflated member
  nest42-4g.zip       42.zip: 5 levels of 16 copies, leaves of 4 GiB of zeros
  zeros200m.zip       one deflated member of 200 MiB of zeros
  pickle64m.zip       one deflated member: a 64 MiB pickle (one BINBYTES8 value of random bytes)
  pickle64m.pkl.gz    the same pickle gzip'd
  zeros1g.tar.gz      a tar of one 1 GiB member of zeros, gzip'd
  many200k.tar.gz     a tar of 200,000 empty members, gzip'd
  nest-tgz.tar        a tar of 20 different names for one tar.gz of 1 GiB of zeros (20 GiB to extract)
  zeros1g.7z          a 7z of one 1 GiB file of zeros (LZMA2, -mx5: 16 MiB dictionary)
  zeros256m-mx9.7z    256 MiB of zeros at -mx9 (64 MiB dictionary)
  nest-7z.7z          3 levels of 16 copies of zeros1g.7z (256 GiB to extract)
  pickle64m.7z        the 64 MiB pickle in a 7z at -mx5 (a legit model: 16 MiB dictionary)
  zeros256m.xz        256 MiB of zeros, `xz -6` (xz's and Python lzma's default: 8 MiB dictionary)
  zeros256m-9.xz      the same, `xz -9` (64 MiB dictionary)
The xz and -mx9 bombs are 256 MiB, not 1 GiB: the dictionary is full after
its first 64 MiB, so the peak memory is the same, and the Go LZMA decoder
takes about a minute per GiB.
  pickle64m-9.xz      the 64 MiB pickle, `xz -9` (a legit model at the largest preset)
"""

import gzip
import importlib.util
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("hostile_gen", REPO / "testdata/hostile/gen.py")
hostile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hostile)


def zeros_file(path, n):
    with open(path, "wb") as f:
        chunk = bytes(1 << 20)
        while n > 0:
            f.write(chunk[: min(n, len(chunk))])
            n -= min(n, len(chunk))


def big_pickle(n):
    """PROTO 4, BINBYTES8 of n random bytes, STOP: a 64 MiB pickle that
    compresses poorly, as real weights do."""
    data = random.Random(0).randbytes(n)
    return b"\x80\x04\x8e" + struct.pack("<Q", n) + data + b"."


def zip_deflated(name, data_or_path):
    """A zip of one deflated member, written by zipfile (streams a path)."""
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        if isinstance(data_or_path, Path):
            z.write(data_or_path, name)
        else:
            z.writestr(name, data_or_path)
    return buf.getvalue()


def tgz_zeros(path, n):
    with open(path, "wb") as f, gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0, compresslevel=6) as g, \
            tarfile.open(fileobj=g, mode="w|") as t:
        info = tarfile.TarInfo("zeros.bin")
        info.size = n

        class Zeros(io.RawIOBase):
            left = n

            def readinto(self, b):
                k = min(len(b), self.left)
                b[:k] = bytes(k)
                self.left -= k
                return k
        t.addfile(info, Zeros())


def tgz_many(path, count):
    with open(path, "wb") as f, gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as g, \
            tarfile.open(fileobj=g, mode="w|", format=tarfile.USTAR_FORMAT) as t:
        for i in range(count):
            t.addfile(tarfile.TarInfo("m/%06d.txt" % i))


def tar_of(path, members):
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def sevenzip(out, files, cwd, level=5):
    subprocess.run(["7z", "a", "-bd", "-mx=%d" % level, str(out)] + files, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


def xz_file(src, out, preset):
    """xz -PRESET of the file src into out (one thread: one block)."""
    with open(src, "rb") as i, open(out, "wb") as o:
        subprocess.run(["xz", "-c", "-T1", "-%d" % preset], stdin=i, stdout=o, check=True)


def gen_xz(out, pkl):
    with tempfile.TemporaryDirectory(dir=out) as d:
        d = Path(d)
        zeros = d / "zeros.bin"
        zeros_file(zeros, 256 << 20)
        for name, preset in (("zeros256m.xz", 6), ("zeros256m-9.xz", 9)):
            build(out, name, lambda p, preset=preset: xz_file(zeros, p, preset))
        if not (out / "zeros256m-mx9.7z").exists():
            sevenzip(d / "z.7z", ["zeros.bin"], d, level=9)
            (d / "z.7z").rename(out / "zeros256m-mx9.7z")
            print("built", out / "zeros256m-mx9.7z")
        (d / "model.pkl").write_bytes(pkl)
        build(out, "pickle64m-9.xz", lambda p: xz_file(d / "model.pkl", p, 9))
        if not (out / "pickle64m.7z").exists():
            sevenzip(d / "p.7z", ["model.pkl"], d)
            (d / "p.7z").rename(out / "pickle64m.7z")
            print("built", out / "pickle64m.7z")


def build(out, name, fn):
    p = out / name
    if p.exists():
        return
    tmp = p.with_suffix(p.suffix + ".tmp")
    fn(tmp)
    tmp.rename(p)
    print("built", p, p.stat().st_size, "bytes")


def gen_7z(out):
    with tempfile.TemporaryDirectory(dir=out) as d:
        d = Path(d)
        if not (out / "zeros1g.7z").exists():
            zeros_file(d / "zeros.bin", 1 << 30)
            sevenzip(d / "zeros1g.7z", ["zeros.bin"], d)
            (d / "zeros1g.7z").rename(out / "zeros1g.7z")
            print("built", out / "zeros1g.7z")
        if (out / "nest-7z.7z").exists():
            return
        level = out / "zeros1g.7z"
        for depth in range(3):
            ld = d / ("l%d" % depth)
            ld.mkdir()
            for i in range(16):
                shutil.copy(level, ld / ("%d.7z" % i))
            level = d / ("l%d.7z" % depth)
            sevenzip(level, ["."], ld)
        level.rename(out / "nest-7z.7z")
        print("built", out / "nest-7z.7z")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    build(out, "dup160m.joblib", lambda p: shutil.copy(REPO / "testdata/hostile/bombs/dup160m.joblib", p))
    build(out, "overlap-1g.zip", lambda p: p.write_bytes(hostile.overlap_zip(1 << 30, 1000)))
    build(out, "nest42-4g.zip", lambda p: p.write_bytes(hostile.nest42((4 << 30) - 1, 16, 5)))
    build(out, "zeros200m.zip", lambda p: p.write_bytes(
        hostile.zip_raw([("zeros.bin", hostile.deflate_zeros(200 << 20), 200 << 20, hostile.zeros_crc(200 << 20))])))
    pkl = big_pickle(64 << 20)
    build(out, "pickle64m.zip", lambda p: p.write_bytes(zip_deflated("model.pkl", pkl)))
    build(out, "pickle64m.pkl.gz", lambda p: p.write_bytes(gzip.compress(pkl, compresslevel=1, mtime=0)))
    gen_xz(out, pkl)
    del pkl
    build(out, "zeros1g.tar.gz", lambda p: tgz_zeros(p, 1 << 30))
    build(out, "many200k.tar.gz", lambda p: tgz_many(p, 200_000))
    build(out, "nest-tgz.tar", lambda p: tar_of(
        p, [("%d.tar.gz" % i, (out / "zeros1g.tar.gz").read_bytes()) for i in range(20)]))
    gen_7z(out)


if __name__ == "__main__":
    main()
