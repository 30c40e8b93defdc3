package pickle

// The built-in lists. The allowlist names what real ML pickles (PyTorch,
// NumPy, joblib, scikit-learn) import; anything outside it is at least
// suspicious. The denylist names what runs code or reaches the system, from
// CPython's modules, the public scanner-bypass reports (pip.main, asyncio's
// subprocess machinery, uuid._get_command_stdout, ...) and the tricks that
// build a dangerous callable at load time (getattr, operator, functools).

var allowExact = []string{
	// builtins (Python 3 and 2 spellings)
	"builtins.set", "builtins.frozenset", "builtins.dict", "builtins.list", "builtins.tuple",
	"builtins.bytearray", "builtins.bytes", "builtins.complex", "builtins.float", "builtins.int",
	"builtins.str", "builtins.bool", "builtins.slice", "builtins.range", "builtins.object",
	"__builtin__.set", "__builtin__.frozenset", "__builtin__.dict", "__builtin__.list",
	"__builtin__.tuple", "__builtin__.bytearray", "__builtin__.complex", "__builtin__.float",
	"__builtin__.int", "__builtin__.long", "__builtin__.str", "__builtin__.unicode",
	"__builtin__.bool", "__builtin__.slice", "__builtin__.object", "__builtin__.xrange",
	"copyreg._reconstructor", "copy_reg._reconstructor", "_codecs.encode",
	"collections.OrderedDict", "collections.defaultdict", "collections.Counter", "collections.deque",
	"argparse.Namespace", "datetime.datetime", "datetime.date", "datetime.timedelta",
	"decimal.Decimal", "fractions.Fraction", "uuid.UUID",
	"pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
	// torch tensors, storages, dtypes and layouts
	"torch._tensor._rebuild_from_type", "torch._tensor._rebuild_from_type_v2",
	"torch.Size", "torch.device", "torch.dtype", "torch.layout", "torch.memory_format",
	"torch.storage.TypedStorage", "torch.storage.UntypedStorage", "torch.UntypedStorage",
	"torch.serialization._get_layout", "torch.nn.parameter.Parameter", "torch.Tensor",
	"torch.float32", "torch.float", "torch.float64", "torch.double", "torch.float16", "torch.half",
	"torch.bfloat16", "torch.int64", "torch.long", "torch.int32", "torch.int", "torch.int16",
	"torch.short", "torch.int8", "torch.uint8", "torch.bool", "torch.complex64", "torch.complex128",
	"torch.cfloat", "torch.cdouble", "torch.qint8", "torch.quint8", "torch.qint32",
	"torch.float8_e4m3fn", "torch.float8_e5m2", "torch.strided", "torch.sparse_coo",
	"torch.sparse_csr", "torch.contiguous_format", "torch.channels_last", "torch.preserve_format",
	"torch.per_tensor_affine", "torch.per_channel_affine", "torch.per_tensor_symmetric",
	"torch.per_channel_symmetric",
	"torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
	"torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
	"torch.ByteStorage", "torch.BoolStorage", "torch.ComplexFloatStorage",
	"torch.ComplexDoubleStorage", "torch.QUInt8Storage", "torch.QInt8Storage",
	"torch.QInt32Storage", "torch.QUInt4x2Storage", "torch.QUInt2x4Storage",
	"torch.cuda.FloatStorage", "torch.cuda.DoubleStorage", "torch.cuda.HalfStorage",
	"torch.cuda.BFloat16Storage", "torch.cuda.LongStorage", "torch.cuda.IntStorage",
	"torch.cuda.ShortStorage", "torch.cuda.CharStorage", "torch.cuda.ByteStorage",
	"torch.cuda.BoolStorage",
	// legacy tensor types (the tar format's "tensors" member)
	"torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor", "torch.BFloat16Tensor",
	"torch.LongTensor", "torch.IntTensor", "torch.ShortTensor", "torch.CharTensor",
	"torch.ByteTensor", "torch.BoolTensor",
	// numpy reconstruction and dtypes (numpy 1 and 2 module paths)
	"numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
	"numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
	"numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
	"numpy.ndarray", "numpy.dtype", "numpy.ma.core._mareconstruct", "numpy.ma.core.MaskedArray",
	"numpy.matrixlib.defmatrix.matrix", "numpy.matrix", "numpy.recarray", "numpy.core.records.recarray",
	"numpy._core.records.recarray", "numpy.core.records.record", "numpy._core.records.record",
	"numpy.random._pickle.__randomstate_ctor", "numpy.random._pickle.__bit_generator_ctor",
	"numpy.random._pickle.__generator_ctor", "numpy.random.mtrand.RandomState",
	"numpy.random._mt19937.MT19937", "numpy.random._pcg64.PCG64",
	"numpy.random.bit_generator.SeedSequence", "numpy.random._generator.Generator",
	"numpy.int64", "numpy.int32", "numpy.float64", "numpy.float32", "numpy.bool_",
	// joblib
	"joblib.numpy_pickle.NumpyArrayWrapper", "joblib.numpy_pickle.NDArrayWrapper",
	"joblib.numpy_pickle_compat.NDArrayWrapper", "joblib.numpy_pickle_compat.ZNDArrayWrapper",
	"joblib.numpy_pickle.ZNDArrayWrapper",
	"sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
	// scipy sparse matrices and arrays (TF-IDF and one-hot features in
	// scikit-learn models)
	"scipy.sparse._csr.csr_matrix", "scipy.sparse.csr.csr_matrix", "scipy.sparse._csc.csc_matrix",
	"scipy.sparse.csc.csc_matrix", "scipy.sparse._coo.coo_matrix", "scipy.sparse.coo.coo_matrix",
	"scipy.sparse._csr.csr_array", "scipy.sparse._csc.csc_array", "scipy.sparse._coo.coo_array",
	"scipy.sparse._lil.lil_matrix", "scipy.sparse._dok.dok_matrix", "scipy.sparse._bsr.bsr_matrix",
	"scipy.sparse._dia.dia_matrix",
	// scikit-learn's Cython tree state
	"sklearn.tree._tree.Tree", "sklearn.neighbors._kd_tree.KDTree",
	"sklearn.neighbors._ball_tree.BallTree",
}

// allowPrefix lists name prefixes whose every member is allowed.
var allowPrefix = []string{
	"torch._utils._rebuild_",
	"torch.jit._pickle.",
	"numpy.dtypes.",
}

// allowClassIn lists module prefixes whose classes (CamelCase leaf names)
// are allowed: constructing them runs only their own __setstate__.
var allowClassIn = []string{
	"sklearn.",
	"torch.nn.modules.",
	"torch.optim.",
	"collections.",
}

// denyModules are modules any member of which is dangerous.
var denyModules = []string{
	"os", "posix", "nt", "posixpath", "ntpath", "subprocess", "_posixsubprocess", "_winapi",
	"pty", "commands", "popen2", "platform", "sys", "importlib", "imp", "runpy", "pip",
	"setuptools", "distutils", "ensurepip", "venv", "site", "sysconfig",
	"webbrowser", "socket", "_socket", "socketserver", "ssl", "http", "urllib", "urllib2",
	"httplib", "ftplib", "smtplib", "telnetlib", "xmlrpc", "xmlrpclib", "requests", "httpx",
	"aiohttp", "paramiko", "shutil", "tempfile", "ctypes", "_ctypes", "cffi", "asyncio",
	"multiprocessing", "_multiprocessing", "concurrent", "threading", "_thread", "signal",
	"code", "codeop", "pdb", "bdb", "timeit", "cProfile", "profile", "trace", "doctest",
	"pydoc", "idlelib", "lib2to3", "marshal", "pickle", "_pickle", "cPickle",
	"dill", "cloudpickle", "shelve", "zipimport", "pkgutil", "operator", "_operator",
	"functools", "_functools", "io", "_io", "_pyio",
	"fcntl", "resource", "mmap", "glob", "fileinput", "logging.config", "zipfile", "tarfile",
	"gc", "inspect", "_imp", "_bootstrap", "_frozen_importlib", "_frozen_importlib_external",
	"uuid._get_command_stdout", "uuid._popen", "torch.hub", "torch.serialization.load",
	"torch.load", "torch.jit.load", "torch.jit._load_for_lite_interpreter", "torch._C._jit", "torch.package", "torch.utils.cpp_extension",
	"torch.storage._load_from_bytes", "numpy.testing", "numpy.f2py", "numpy.distutils",
	"numpy.ctypeslib", "numpy.load", "numpy.lib.npyio", "numpy.fromfile", "numpy.memmap",
	"numpy.save", "numpy.savetxt", "numpy.loadtxt", "joblib.load", "joblib.dump",
	"_aix_support", "_osx_support", "_pyrepl", "sqlite3", "dbm", "tkinter", "turtle",
	"ast", "compileall", "py_compile", "ipykernel", "IPython", "jinja2", "yaml.load",
	"yaml.unsafe_load", "torch.classes", "torch.ops", "keras", "tensorflow",
}

// denyExact are single dangerous names.
var denyExact = []string{
	"builtins.eval", "builtins.exec", "builtins.compile", "builtins.open", "builtins.getattr",
	"builtins.setattr", "builtins.delattr", "builtins.__import__", "builtins.input",
	"builtins.breakpoint", "builtins.globals", "builtins.locals", "builtins.vars",
	"builtins.help", "builtins.exit", "builtins.quit", "builtins.type", "builtins.super",
	"builtins.memoryview", "builtins.print", "builtins.dir", "builtins.classmethod",
	"builtins.staticmethod", "builtins.property",
	"__builtin__.eval", "__builtin__.exec", "__builtin__.execfile", "__builtin__.compile",
	"__builtin__.open", "__builtin__.file", "__builtin__.getattr", "__builtin__.setattr",
	"__builtin__.__import__", "__builtin__.input", "__builtin__.raw_input",
	"__builtin__.reload", "__builtin__.apply", "__builtin__.globals", "__builtin__.vars",
	"builtins.dict.get", "builtins.dict.__getitem__", "builtins.dict.update",
	"builtins.object.__getattribute__", "builtins.object.__setattr__",
	"copyreg._extension_registry", "copyreg.add_extension",
	"types.CodeType", "types.FunctionType", "types.LambdaType", "types.MethodType",
	"types.ModuleType", "types.new_class", "types.BuiltinFunctionType",
}
