package python

import (
	"fmt"
	"strings"
)

// benign marks a call with no effect outside the process worth reporting.
const benign Class = -1

// dangerous are the calls that reach files, processes, the network, native
// code or code execution, by dotted prefix (a prefix covers its
// attributes and the methods of what it returns: "socket" covers
// socket.socket().connect). What each does is said by the group.
var dangerous = map[string]string{}

func init() {
	add := func(what string, names ...string) {
		for _, n := range names {
			dangerous[n] = what
		}
	}
	add("runs Python code", "builtins.exec", "builtins.eval", "builtins.compile", "builtins.breakpoint",
		"code", "codeop", "runpy", "imp.load_source", "imp.load_module", "importlib.machinery.SourceFileLoader",
		"importlib.util.spec_from_file_location", "importlib.util.module_from_spec", "pydoc.pipepager", "timeit",
		"types.FunctionType", "types.CodeType", "types.LambdaType", "torch._inductor.codecache",
		"torch.utils.collect_env", "torch.utils.bottleneck", "torch.jit.unsupported_tensor_ops",
		"pdb", "trace", "cProfile.run", "profile.run")
	add("runs a process", "os.system", "os.popen", "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execv",
		"os.execve", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv",
		"os.spawnve", "os.spawnvp", "os.spawnvpe", "os.posix_spawn", "os.posix_spawnp", "os.fork", "os.forkpty",
		"os.kill", "os.killpg", "os.startfile", "subprocess", "pty", "commands", "multiprocessing", "asyncio.create_subprocess_exec",
		"asyncio.create_subprocess_shell", "platform.popen", "webbrowser", "signal", "_posixsubprocess", "posix.system")
	add("changes files", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename", "os.renames", "os.replace",
		"os.chmod", "os.chown", "os.lchown", "os.symlink", "os.link", "os.truncate", "os.write", "os.open", "os.fdopen",
		"os.mkfifo", "os.mknod", "os.makedirs", "os.mkdir", "os.utime", "os.chdir", "shutil", "tempfile", "shelve",
		"pathlib.Path.write_text", "pathlib.Path.write_bytes", "pathlib.Path.unlink", "pathlib.Path.rmdir",
		"pathlib.Path.rename", "pathlib.Path.replace", "pathlib.Path.touch", "pathlib.Path.mkdir", "pathlib.Path.chmod",
		"pathlib.Path.symlink_to", "pathlib.Path.hardlink_to", "pathlib.Path.open", "zipfile.ZipFile.extractall",
		"tarfile.open", "tarfile.TarFile.extractall", "logging.FileHandler", "logging.handlers", "sqlite3.connect",
		"torch.save", "numpy.save", "numpy.savez", "numpy.tofile")
	add("uses the network", "socket", "ssl", "urllib.request", "urllib.urlopen", "urllib.urlretrieve", "urllib2", "urllib3",
		"http.client", "http.server", "httplib", "requests", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib",
		"imaplib", "poplib", "nntplib", "xmlrpc", "socketserver", "paramiko", "websocket", "websockets", "grpc",
		"huggingface_hub.hf_hub_download", "huggingface_hub.snapshot_download", "huggingface_hub.HfApi",
		"huggingface_hub.login", "huggingface_hub.upload_file", "huggingface_hub.upload_folder", "torch.hub",
		"torch.utils.model_zoo", "transformers.utils.hub", "transformers.dynamic_module_utils", "wget", "pip",
		"boto3", "botocore", "google.cloud", "dns", "transformers.pipeline", "tiktoken.get_encoding",
		"tiktoken.encoding_for_model", "tiktoken.load", "datasets.load_dataset")
	add("loads native code", "ctypes", "_ctypes", "cffi", "torch.ops.load_library", "torch.classes.load_library",
		"torch.utils.cpp_extension", "torch._C._load_library", "torch.cuda.nvrtc", "distutils", "setuptools", "sys.setdlopenflags")
	add("deserializes code (pickle)", "pickle", "_pickle", "cPickle", "dill", "cloudpickle", "marshal",
		"joblib.load", "torch.load", "torch.jit.load", "numpy.load", "pandas.read_pickle", "yaml.load",
		"yaml.unsafe_load", "yaml.full_load", "jsonpickle")
	add("changes the interpreter", "sys.settrace", "sys.setprofile", "sys.addaudithook", "sys.modules",
		"sys.meta_path", "sys.path_hooks", "builtins.setattr", "builtins.delattr", "atexit.register",
		"threading.settrace", "gc.get_referrers", "gc.get_objects", "inspect.currentframe", "sys._getframe")
}

// safe are the modules and callables whose import-time use in modeling
// code is routine: the standard library's pure parts and the ML
// libraries that modeling files build on (their dangerous parts are in
// dangerous, which wins by longer prefix).
var safe = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`
		typing typing_extensions collections collections.abc dataclasses enum functools abc warnings re math cmath
		itertools contextlib copy numbers string struct textwrap types weakref datetime time random decimal
		fractions heapq bisect array statistics unicodedata keyword inspect importlib.util.find_spec
		importlib.metadata importlib_metadata packaging os.path os.getenv os.environ.get os.cpu_count os.getpid
		os.getcwd os.fspath os.environ.setdefault sys.version_info sys.platform sys.getrecursionlimit platform.system
		platform.machine platform.python_version logging.getLogger logging.get_logger
		logging.Formatter logging.StreamHandler logging.NullHandler logging.getLevelName logging.captureWarnings
		json.loads json.dumps base64 binascii hashlib zlib uuid pprint codecs.lookup
		torch numpy transformers tokenizers safetensors einops accelerate huggingface_hub flash_attn xformers
		triton sentencepiece tiktoken scipy sklearn PIL torchvision torchaudio timm peft bitsandbytes
		tqdm regex pydantic attr attrs jax flax optax tensorflow keras mamba_ssm causal_conv1d deepspeed
		opt_einsum sympy pathlib.Path pathlib.PurePath pathlib.PurePosixPath`) {
		safe[n] = true
	}
	// Builtins that only compute.
	for _, n := range strings.Fields(`abs all any ascii bin bool bytearray bytes callable chr classmethod complex dict
		dir divmod enumerate filter float format frozenset hasattr hash hex id int isinstance issubclass iter len list
		map max min next object oct ord pow print property range repr reversed round set slice sorted staticmethod str
		sum super tuple type zip NotImplementedError ValueError TypeError ImportError RuntimeError KeyError
		AttributeError Exception Warning UserWarning DeprecationWarning FutureWarning OSError IndexError
		AssertionError StopIteration ModuleNotFoundError`) {
		safe["builtins."+n] = true
	}
}

var builtinNames = map[string]bool{"__import__": true, "eval": true, "exec": true, "compile": true, "open": true,
	"getattr": true, "setattr": true, "delattr": true, "globals": true, "vars": true, "locals": true,
	"breakpoint": true, "input": true, "memoryview": true, "help": true, "exit": true, "quit": true}

func init() {
	for n := range safe {
		if b, ok := strings.CutPrefix(n, "builtins."); ok {
			builtinNames[b] = true
		}
	}
}

// dunderEscapes are attributes read only to walk from an object to
// arbitrary callables.
var dunderEscapes = map[string]bool{"__subclasses__": true, "__globals__": true, "__builtins__": true,
	"__code__": true, "__closure__": true, "__getattribute__": true, "__mro__": true, "__bases__": true,
	"__base__": true, "f_globals": true, "f_locals": true, "f_back": true, "gi_frame": true, "__loader__": true,
	"__reduce__": true, "__reduce_ex__": true, "func_globals": true}

// transformersHelpers are the helpers that transformers' own modeling
// files call at import time through relative imports (from ...utils
// import logging): documentation, logging and availability checks.
var transformersHelpers = map[string]bool{"get_logger": true, "add_start_docstrings": true,
	"add_start_docstrings_to_model_forward": true, "replace_return_docstrings": true,
	"add_code_sample_docstrings": true, "auto_docstring": true, "can_return_tuple": true, "deprecate_kwarg": true,
	"torch_int": true, "wrap": true, "check_model_inputs": true, "use_kernel_forward_from_hub": true}

// classify says what calling path (with args) at import time does; benign
// (with no reason) when nothing worth reporting.
func classify(path string, args []arg) (Class, string) {
	p := strings.NewReplacer("()", "", "[]", "").Replace(path)
	if p == litPath || strings.HasPrefix(p, litPath+".") {
		return benign, ""
	}
	switch p {
	case "builtins.open", "io.open", "codecs.open", "os.fdopen", "pathlib.Path.open", "builtins.file":
		return openMode(path, args)
	case "builtins.globals", "builtins.vars", "builtins.locals":
		return Dynamic, fmt.Sprintf("calls %s at import time: names are then reached by computed keys", path)
	case "builtins.input", "builtins.exit", "builtins.quit", "builtins.help", "sys.exit", "os._exit":
		return Unknown, fmt.Sprintf("calls %s at import time", path)
	}
	if strings.HasPrefix(p, "torch._C._jit_set_") || strings.HasPrefix(p, "torch._C._jit_override_") ||
		strings.HasPrefix(p, "torch._C._add_docstr") || strings.HasPrefix(p, "torch._C._nn.") {
		// JIT fusion flags (ChatGLM sets them on import), docstrings, ops.
		return benign, ""
	}
	if strings.HasPrefix(p, "torch._C.") {
		return Unknown, fmt.Sprintf("calls %s at import time: PyTorch's C++ internals, effect not known", path)
	}
	if strings.HasSuffix(p, ".from_pretrained") || strings.HasSuffix(p, ".from_single_file") {
		return Dangerous, fmt.Sprintf("calls %s at import time: it downloads and loads a model (and may run its remote code)", path)
	}
	if strings.HasPrefix(p, ".") {
		last := p[strings.LastIndexByte(p, '.')+1:]
		if transformersHelpers[last] || strings.HasPrefix(last, "is_") {
			return benign, ""
		}
		return Unknown, fmt.Sprintf("calls %s at import time: code of the model folder (or beyond it) runs on import", path)
	}
	for q := p; q != ""; q = parent(q) {
		if what, ok := dangerous[q]; ok {
			c := Dangerous
			if what == "changes the interpreter" {
				c = Dynamic
			}
			return c, fmt.Sprintf("calls %s at import time: it %s", path, what)
		}
		if safe[q] {
			return benign, ""
		}
	}
	return Unknown, fmt.Sprintf("calls %s at import time: its effect is not known", path)
}

func parent(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// openMode classifies open(): writing is dangerous, reading is suspicious
// (a model folder's code has no reason to read files on import).
func openMode(path string, args []arg) (Class, string) {
	mode, known := "r", true
	for i, ar := range args {
		if ar.name == "mode" || ar.name == "" && i == 1 && !strings.HasPrefix(path, "pathlib") ||
			ar.name == "" && i == 0 && strings.HasPrefix(path, "pathlib") {
			mode, known = ar.v.str, ar.v.isStr
		}
	}
	if !known || strings.ContainsAny(mode, "wax+") {
		return Dangerous, fmt.Sprintf("calls %s at import time to write a file (mode %q)", path, mode)
	}
	return Unknown, fmt.Sprintf("calls %s at import time to read a file", path)
}

// DangerousCall reports whether calling the dotted name path (resolved, such as
// "shutil.rmtree") reaches files, processes, the network, native code or
// code execution, and says which.
func DangerousCall(path string) (string, bool) {
	p := strings.NewReplacer("()", "", "[]", "").Replace(path)
	for q := p; q != ""; q = parent(q) {
		if what, ok := dangerous[q]; ok && what != "changes the interpreter" {
			return what, true
		}
		if safe[q] {
			return "", false
		}
	}
	return "", false
}
