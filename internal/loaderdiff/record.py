"""Loader differential: what would a real Python loader reach in a file?

Usage: python3 -I - MODE PATH CPU_SECONDS < record.py   (internal/loaderdiff runs it)

MODE is one of: pickle, joblib, npy, torchzip, torchlegacy, chatjson, jinja,
or batch: PATH then lists one pickle stream per line, and each is loaded
three ways (see mode_batch); one JSON object per line is printed.
Prints one JSON object: {"reached": [{"module", "name", "called"}],
"loads": N, "error": "...", "text": "..."}.

Nothing in the file is ever run. The unpicklers are the real ones (CPython's
C `_pickle.Unpickler`; joblib's own NumpyUnpickler for joblib files, as
joblib.load uses), subclassed with a find_class that returns a recording
stub class instead of the real callable: calling the stub, constructing it
(NEWOBJ) or setting its state only records that it happened. The few real
classes handed out are numpy's dtype/ndarray constructors, which joblib's
array wrapper needs to read raw array bytes; they build data, nothing else.
The process runs under a CPU-time and address-space limit.
"""

import io
import json
import resource
import sys

REACHED = []  # [module, name, called, kind]
INDEX = {}

# Pure-data constructors that joblib's and numpy's array readers need to
# be real. Recorded like everything else.
REAL = {
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "scalar"),
}


def note(module, name, called=False, kind="import"):
    key = (module, name)
    if key not in INDEX:
        INDEX[key] = len(REACHED)
        REACHED.append([module, name, False, kind])
    if called:
        REACHED[INDEX[key]][2] = True


class StubMeta(type):
    def __call__(cls, *args, **kwargs):
        note(cls._module, cls._name, True)
        return object.__new__(Stub)

    def __getattr__(cls, attr):
        return stub(cls._module, cls._name + "." + attr, "attr")


# Attributes a BUILD set on a stub module or class: ("pkg.mod", "attr") ->
# value. find_class hands them out as the real module would.
OVERRIDES = {}


class _SetState:
    """__setstate__ of a stub: on an instance it does nothing; on a stub
    class (BUILD on a module or class) it records the attributes set."""

    def __get__(self, obj, cls):
        def setstate(state):
            if obj is not None:
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            for d in (state, slots):
                if isinstance(d, dict):
                    for k, v in d.items():
                        if isinstance(k, str):
                            OVERRIDES[(cls._module + "." + cls._name, k)] = v

        return setstate


class Stub(metaclass=StubMeta):
    _module, _name = "", ""
    __setstate__ = _SetState()

    def __new__(cls, *args, **kwargs):  # NEWOBJ calls cls.__new__(cls, *args)
        note(cls._module, cls._name, True)
        return object.__new__(Stub)

    def __call__(self, *args, **kwargs):
        return object.__new__(Stub)

    def __getattr__(self, attr):
        return object.__new__(Stub)

    def __setitem__(self, key, value):  # SETITEM(S) on a stub's result
        pass

    def __getitem__(self, key):
        return object.__new__(Stub)

    def __reduce__(self):  # never re-pickled
        raise TypeError("stub")


def stub(module, name, kind="import"):
    note(module, name, kind=kind)
    return StubMeta("Stub_" + name.replace(".", "_"), (Stub,), {"_module": module, "_name": name})


def recording_find_class(module, name):
    if (module, name) in OVERRIDES:
        note(module, name)
        return OVERRIDES[(module, name)]
    if (module, name) in REAL:
        note(module, name)
        mod = __import__(module, fromlist=[name])
        return getattr(mod, name)
    return stub(module, name)


def c_unpickler():
    import _pickle

    class Recording(_pickle.Unpickler):
        def find_class(self, module, name):
            return recording_find_class(module, name)

        def persistent_load(self, pid):
            note("<persistent_load>", type(pid).__name__)
            # torch's legacy persistent_load returns the class of a
            # ('module', cls, file, source) ID itself.
            if isinstance(pid, tuple) and len(pid) >= 2 and pid[0] == "module":
                return pid[1]
            return object.__new__(Stub)

    return Recording


class NoPeek(io.RawIOBase):
    """A file without peek, so that the C unpickler reads only what it needs
    and several pickles can be loaded back to back."""

    def __init__(self, f):
        self.f = f

    def readable(self):
        return True

    def readinto(self, b):
        data = self.f.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size=-1):
        return self.f.readline(size)


class PeekAll(NoPeek):
    """A file whose peek() hands out everything left: the C unpickler then
    reads as pickle.loads does, straight through frames."""

    def peek(self, size=0):
        pos = self.f.tell()
        data = self.f.read()
        self.f.seek(pos)
        return data


def load_all(f, limit=64, wrap=NoPeek, **kw):
    """pickle.load until the end of the stream or an error: back-to-back pickles."""
    U = c_unpickler()
    n = 0
    while n < limit:
        pos = f.tell()
        if not f.read(1):
            break
        f.seek(pos)
        U(wrap(f) if wrap else f, **kw).load()
        n += 1
    return n


def mode_pickle(path):
    with open(path, "rb") as f:
        return load_all(f)


def mode_torchzip(path):
    import torch

    r = torch._C.PyTorchFileReader(path)
    names = [n for n in r.get_all_records() if n == "data.pkl" or n.endswith("/data.pkl")]
    rec = names[0] if names else "data.pkl"
    data = r.get_record(rec)
    c_unpickler()(io.BytesIO(bytes(data))).load()
    return 1


def mode_torchlegacy(path):
    # torch._legacy_load: magic, protocol version, sys_info, the object
    # (with persistent_load), the storage keys: five pickles in a row.
    with open(path, "rb") as f:
        return load_all(f, limit=5)


def mode_npy(path):
    import numpy.lib.format as fmt

    with open(path, "rb") as f:
        version = fmt.read_magic(f)
        fmt._check_version(version)
        fmt._read_array_header(f, version)
        c_unpickler()(NoPeek(f)).load()
    return 1


def mode_joblib(path):
    import joblib.numpy_pickle as jnp

    Wrapper = jnp.NumpyArrayWrapper
    U = c_unpickler()

    class SafeWrapper(Wrapper):
        def read_array(self, unpickler, *args, **kwargs):
            if self.dtype.hasobject:  # joblib would pickle.load here: record instead
                return U(NoPeek(unpickler.file_handle)).load()
            return super().read_array(unpickler, *args, **kwargs)

    class Recording(jnp.NumpyUnpickler):
        def find_class(self, module, name):
            if (module, name) == ("joblib.numpy_pickle", "NumpyArrayWrapper"):
                note(module, name)
                return SafeWrapper
            return recording_find_class(module, name)

        def persistent_load(self, pid):
            note("<persistent_load>", type(pid).__name__)
            return object.__new__(Stub)

    with open(path, "rb") as f:
        with jnp._read_fileobject(f, path, None) as fobj:
            Recording(path, fobj, mmap_mode=None).load()
    return 1


def mode_chatjson(path):
    with open(path, "rb") as f:
        cfg = json.load(f)
    return 1, str(cfg.get("chat_template", ""))


def mode_jinja(path):
    with open(path, encoding="utf-8") as f:
        return 1, f.read()


MODES = {
    "pickle": mode_pickle, "joblib": mode_joblib, "npy": mode_npy, "torchzip": mode_torchzip,
    "torchlegacy": mode_torchlegacy, "chatjson": mode_chatjson, "jinja": mode_jinja,
}


# The three ways a pickle stream is read: as pickle.loads reads bytes
# (PeekAll), from a file without peek() (torch's zip reader hands out an
# io.BytesIO; FRAME straddles then skip the frame's end), and from a real
# buffered file (open()). encoding="latin1" never fails on protocol 0-2
# strings, so the loader goes as far as any loader can.
BATCH_WAYS = (("loads", PeekAll), ("nopeek", NoPeek), ("buffered", None))


def batch_one(path, cpu):
    out = {"path": path, "ways": {}}
    for way, wrap in BATCH_WAYS:
        del REACHED[:]
        INDEX.clear()
        OVERRIDES.clear()
        res = {"loads": 0, "error": ""}
        try:
            with open(path, "rb") as f:
                res["loads"] = load_all(f, wrap=wrap, encoding="latin1")
        except MemoryError:
            res["error"] = "MemoryError"
        except BaseException as e:  # noqa: BLE001 - the loader's error is reported with what it reached
            res["error"] = "%s: %s" % (type(e).__name__, str(e)[:200])
        res["reached"] = [{"module": m, "name": n, "called": c, "kind": k} for m, n, c, k in REACHED]
        out["ways"][way] = res
    return out


def mode_batch(listfile, cpu):
    """Each stream in a child process under the limits, one JSON line each."""
    import os

    with open(listfile) as f:
        paths = [p.rstrip("\n") for p in f if p.strip()]
    for path in paths:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                limit(cpu)
                data = json.dumps(batch_one(path, cpu)).encode()
            except BaseException as e:  # noqa: BLE001
                data = json.dumps({"path": path, "crash": str(e)[:200]}).encode()
            with os.fdopen(w, "wb") as wf:
                wf.write(data)
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as rf:
            data = rf.read()
        _, status = os.waitpid(pid, 0)
        if not data:
            data = json.dumps({"path": path, "crash": "child ended with status %d" % status}).encode()
        sys.stdout.write(data.decode() + "\n")
        sys.stdout.flush()


def limit(cpu):
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    # Address space: what the imports already mapped, plus 1 GiB.
    with open("/proc/self/statm") as f:
        vm = int(f.read().split()[0]) * resource.getpagesize()
    cap = vm + (1 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def main():
    mode, path, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "batch":
        mode_batch(path, cpu)
        return
    if mode in ("torchzip",):
        import torch  # noqa: F401 - imported before the address-space limit
    if mode in ("joblib", "npy"):
        import joblib.numpy_pickle  # noqa: F401
        import numpy  # noqa: F401
    out = {"reached": [], "loads": 0, "error": "", "text": ""}
    limit(cpu)
    try:
        r = MODES[mode](path)
        if isinstance(r, tuple):
            out["loads"], out["text"] = r
        else:
            out["loads"] = r
    except MemoryError:
        out["error"] = "MemoryError"
    except BaseException as e:  # noqa: BLE001 - any loader error is reported, with what it reached
        out["error"] = "%s: %s" % (type(e).__name__, str(e)[:200])
    out["reached"] = [{"module": m, "name": n, "called": c} for m, n, c, _ in REACHED]
    sys.stdout.write(json.dumps(out))


main()
