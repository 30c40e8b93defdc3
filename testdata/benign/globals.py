#!/usr/bin/python3
"""List the globals that the pickles of the benign corpus import.

    /usr/bin/python3 testdata/benign/globals.py [FILE...] > names.tsv

It never loads a pickle: it reads opcodes with pickletools.genops and
tracks only the strings that STACK_GLOBAL takes its module and name from.
Pickles inside zip archives (torch.save, np.savez), compressed streams
(joblib, to_pickle) and .npy object arrays are opened first. joblib writes
raw array bytes between its pickle opcodes, which genops cannot step over:
for those the walk stops there (and says so on stderr), and aibom's own
scan is the cross-check. The output, one "name<TAB>file" per line, is what
the allowlist data files under scanners/pickle/allowlist were reviewed from.
"""

import bz2
import gzip
import io
import lzma
import pathlib
import pickletools
import sys
import zipfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parent


def streams(name, data):
    """Yield (label, bytes) for every candidate pickle stream in data."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if info.filename.endswith((".pkl", ".npy")) or info.filename.endswith("/data.pkl") \
                        or info.filename.endswith("constants.pkl") or "." not in info.filename.rsplit("/", 1)[-1]:
                    yield from streams(f"{name}!{info.filename}", z.read(info))
        return
    for magic, dec in ((b"\x1f\x8b", gzip.decompress), (b"BZh", bz2.decompress),
                       (b"\xfd7zXZ", lzma.decompress), (b"\x78", zlib.decompress),
                       (b"\x5d\x00\x00", lambda b: lzma.decompress(b, format=lzma.FORMAT_ALONE))):
        if data.startswith(magic):
            try:
                yield from streams(name + "!<decompressed>", dec(data))
                return
            except Exception:
                pass
    if data.startswith(b"\x04\x22\x4d\x18"):
        try:
            import lz4.frame
            yield from streams(name + "!<lz4>", lz4.frame.decompress(data))
        except ImportError:
            print(f"{name}: lz4 not installed", file=sys.stderr)
        return
    if data.startswith(b"\x93NUMPY"):
        hlen_size = 2 if data[6] == 1 else 4
        hlen = int.from_bytes(data[8:8 + hlen_size], "little")
        start = 8 + hlen_size + hlen
        if b"'O'" in data[:start] or b"|O" in data[:start]:
            yield name, data[start:]
        return
    if data[:1] == b"\x80" or data[:1] in (b"(", b"c", b"}", b"]", b"I"):
        yield name, data


def names(label, data):
    memo, recent, out = {}, [], []
    try:
        for op, arg, pos in pickletools.genops(io.BytesIO(data)):
            n = op.name
            if n in ("GLOBAL", "INST"):
                out.append(arg.replace(" ", "."))
                recent.append(None)
            elif n == "STACK_GLOBAL":
                mod, attr = (recent[-2:] + [None, None])[:2] if len(recent) >= 2 else (None, None)
                out.append(f"{mod}.{attr}" if mod and attr else "<unresolved>")
                recent.append(None)
            elif n in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8", "SHORT_BINSTRING",
                       "BINSTRING", "STRING"):
                recent.append(arg if isinstance(arg, str) else None)
            elif n == "MEMOIZE":
                memo[len(memo)] = recent[-1] if recent else None
            elif n in ("BINPUT", "LONG_BINPUT", "PUT"):
                memo[arg] = recent[-1] if recent else None
            elif n in ("BINGET", "LONG_BINGET", "GET"):
                recent.append(memo.get(arg))
            elif n == "STOP":
                break
            else:
                recent.append(None)
            del recent[:-4]
    except Exception as e:  # joblib's raw array bytes, truncated streams
        print(f"{label}: opcode walk stopped: {e}", file=sys.stderr)
    return out


def main():
    files = [pathlib.Path(a) for a in sys.argv[1:]] or sorted(
        p for p in ROOT.rglob("*") if p.is_file() and p.suffix not in (".py", ".md", ".tsv"))
    seen = {}
    for f in files:
        for label, data in streams(str(f.relative_to(ROOT) if f.is_absolute() else f), f.read_bytes()):
            for n in names(label, data):
                seen.setdefault(n, label)
    for n in sorted(seen):
        print(f"{n}\t{seen[n]}")


if __name__ == "__main__":
    main()
