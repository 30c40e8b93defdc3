#!/usr/bin/python3
"""Writes the GGUF fixtures of this folder by hand with struct (no gguf
package), deterministically. Run from anywhere: /usr/bin/python3 gen.py

Benign files carry real-looking metadata, a few tiny tensors and Llama 3's
real chat template; the malicious twins carry Jinja template-injection
payloads that are HARMLESS (they are never rendered by aibom, and the only
command named is `echo`). The invalid files break one rule each.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# Types of metadata values (gguf_metadata_value_type).
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
# ggml tensor types used here.
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8

LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
# The CVE-2024-34359 shape: walk from a string to object.__subclasses__().
MRO_PAYLOAD = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
# The same walk with every dunder assembled at render time.
OBFUSCATED = (
    "{% set m = ['__m', 'ro__']|join %}"
    "{{ ()|attr('__cla' ~ 'ss__')|attr(m) }}"
)
# Jinja's lipsum global leads to the os module; the command is echo.
LIPSUM = "{{ lipsum.__globals__['os'].popen('echo aibom-fixture').read() }}"


class W:
    """A GGUF writer; version 1 uses u32 lengths, counts and dimensions."""

    def __init__(self, version=3):
        self.v = version
        self.b = bytearray()

    def u32(self, x):
        self.b += struct.pack("<I", x)

    def u64(self, x):
        self.b += struct.pack("<Q", x)

    def n(self, x):
        self.b += struct.pack("<I" if self.v == 1 else "<Q", x)

    def s(self, text):
        data = text.encode("utf-8")
        self.n(len(data))
        self.b += data

    def value(self, t, v, typed=True):
        if typed:
            self.u32(t)
        fmt = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
               BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}
        if t == STR:
            self.s(v)
        elif t == ARR:
            et, elems = v
            self.u32(et)
            self.n(len(elems))
            for e in elems:
                self.value(et, e, typed=False)
        else:
            self.b += struct.pack(fmt[t], v)

    def kv(self, key, t, v):
        self.s(key)
        self.value(t, v)

    def pad(self, align=32):
        while len(self.b) % align:
            self.b += b"\0"


def q8_0(values):
    """One Q8_0 block per 32 values: f16 scale, 32 int8 quants."""
    out = bytearray()
    for i in range(0, len(values), 32):
        block = values[i:i + 32]
        scale = max(abs(x) for x in block) / 127 or 1.0
        out += struct.pack("<e", scale)
        out += struct.pack("<32b", *[round(x / scale) for x in block])
    return bytes(out)


def tensors():
    """(name, ggml type, dims, bytes) of a tiny Llama-shaped model."""
    emb = [((i * 37) % 255 - 127) / 127 for i in range(32 * 4)]
    norm = [1.0] * 32
    out = [((i * 11) % 17 - 8) / 8 for i in range(32 * 4)]
    return [
        ("token_embd.weight", GGML_Q8_0, [32, 4], q8_0(emb)),
        ("output_norm.weight", GGML_F32, [32], struct.pack("<32f", *norm)),
        ("output.weight", GGML_F16, [32, 4], struct.pack("<128e", *out)),
    ]


def metadata(templates):
    kvs = [
        ("general.architecture", STR, "llama"),
        ("general.name", STR, "Tiny Llama Fixture"),
        ("general.basename", STR, "tiny-llama"),
        ("general.size_label", STR, "288"),
        ("general.license", STR, "llama3"),
        ("general.file_type", U32, 7),
        ("general.quantization_version", U32, 2),
        ("general.base_model.count", U32, 1),
        ("general.base_model.0.name", STR, "Meta Llama 3 8B Instruct"),
        ("general.base_model.0.organization", STR, "Meta Llama"),
        ("general.base_model.0.repo_url", STR, "https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct"),
        ("general.dataset.count", U32, 1),
        ("general.dataset.0.name", STR, "Fixture Corpus"),
        ("general.tags", ARR, (STR, ["text-generation", "fixture"])),
        ("llama.context_length", U32, 8192),
        ("llama.embedding_length", U32, 32),
        ("llama.block_count", U32, 0),
        ("llama.feed_forward_length", U32, 64),
        ("llama.rope.dimension_count", U32, 8),
        ("llama.attention.head_count", U32, 4),
        ("llama.attention.head_count_kv", U32, 4),
        ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
        ("llama.rope.freq_base", F32, 500000.0),
        ("llama.vocab_size", U32, 4),
        ("tokenizer.ggml.model", STR, "gpt2"),
        ("tokenizer.ggml.pre", STR, "llama-bpe"),
        ("tokenizer.ggml.tokens", ARR, (STR, ["<|begin_of_text|>", "<|eot_id|>", "Hello", "!"])),
        ("tokenizer.ggml.token_type", ARR, (I32, [3, 3, 1, 1])),
        ("tokenizer.ggml.merges", ARR, (STR, ["H e", "He llo"])),
        ("tokenizer.ggml.bos_token_id", U32, 0),
        ("tokenizer.ggml.eos_token_id", U32, 1),
    ]
    names = [k.split("tokenizer.chat_template.", 1)[1] for k in templates if k != "tokenizer.chat_template"]
    if names:
        kvs.append(("tokenizer.chat_templates", ARR, (STR, names)))
    kvs += [(k, STR, v) for k, v in templates.items()]
    return kvs


def model(version=3, templates=None, kvs=None, offsets=None):
    """A whole file; offsets overrides the tensor data offsets."""
    templates = {"tokenizer.chat_template": LLAMA3} if templates is None else templates
    kvs = metadata(templates) if kvs is None else kvs
    ts = tensors()
    w = W(version)
    w.b += b"GGUF"
    w.u32(version)
    w.n(len(ts))
    w.n(len(kvs))
    for k, t, v in kvs:
        w.kv(k, t, v)
    off, data = 0, bytearray()
    for i, (name, typ, dims, raw) in enumerate(ts):
        w.s(name)
        w.u32(len(dims))
        for d in dims:
            w.n(d)
        w.u32(typ)
        w.u64(offsets[i] if offsets else off)
        data += raw
        while len(data) % 32:
            data += b"\0"
        off = len(data)
    w.pad()
    w.b += data
    return bytes(w.b)


def kv_count_2e60():
    w = W()
    w.b += b"GGUF"
    w.u32(3)
    w.u64(0)
    w.u64(1 << 60)
    w.kv("general.architecture", STR, "llama")
    return bytes(w.b)


def string_past_eof():
    """general.name claims 1 MiB; the file ends after a few bytes."""
    w = W()
    w.b += b"GGUF"
    w.u32(3)
    w.u64(0)
    w.u64(2)
    w.kv("general.architecture", STR, "llama")
    w.s("general.name")
    w.u32(STR)
    w.u64(1 << 20)
    w.b += b"Tiny"
    return bytes(w.b)


FILES = {
    "benign.gguf": (lambda: model(), "clean", [],
                    "tiny Llama-shaped GGUF v3 with Llama 3's real chat template"),
    "benign_v2.gguf": (lambda: model(2), "clean", [], "the same model as GGUF v2"),
    "benign_v1.gguf": (lambda: model(1), "clean", [], "the same model as GGUF v1 (u32 lengths, counts, dims)"),
    "malicious_template.gguf": (
        lambda: model(templates={"tokenizer.chat_template": LLAMA3 + MRO_PAYLOAD}), "malicious",
        ["__class__", "__mro__", "__subclasses__"],
        "Llama 3 template with an appended ''.__class__.__mro__[1].__subclasses__() walk (CVE-2024-34359 class)"),
    "obfuscated_template.gguf": (
        lambda: model(templates={"tokenizer.chat_template": LLAMA3 + OBFUSCATED}), "malicious",
        ["__class__", "__mro__"],
        "dunder names assembled with ~ and |join and applied with |attr()"),
    "malicious_tool_use.gguf": (
        lambda: model(templates={"tokenizer.chat_template": LLAMA3,
                                 "tokenizer.chat_template.tool_use": LIPSUM}), "malicious",
        ["lipsum.__globals__", "tokenizer.chat_template.tool_use"],
        "benign default template, but the named tool_use template walks lipsum.__globals__ to os.popen"),
    "unparseable_template.gguf": (
        lambda: model(templates={"tokenizer.chat_template": LLAMA3 + "{% for %}"}), "suspicious", [],
        "a template that does not parse as Jinja cannot be shown to be safe"),
    "bad_magic.gguf": (lambda: b"FUGG" + model()[4:], "invalid", [],
                       "byte-swapped magic FUGG, which candle accepts and ggml rejects"),
    "kv_count_2e60.gguf": (kv_count_2e60, "invalid", [], "metadata count 2^60, rejected before any allocation"),
    "string_past_eof.gguf": (string_past_eof, "invalid", [], "general.name length runs past the end of the file"),
    "tensor_out_of_bounds.gguf": (lambda: model(offsets=[0, 160, 4096]), "invalid", [],
                                  "output.weight data offset 4096 lies past the end of the file"),
    "misaligned_tensor.gguf": (lambda: model(offsets=[0, 168, 288]), "invalid", [],
                               "output_norm.weight data offset 168 is not a multiple of the 32-byte alignment"),
}


def main():
    expected = {}
    for name, (make, verdict, globs, why) in FILES.items():
        data = make()
        assert len(data) < 50_000
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        expected["gguf/" + name] = {"verdict": verdict, "format": "gguf", "globals": globs, "why": why}
    for name, why in [("README.md", "this folder's documentation"), ("expected.json", "these expectations")]:
        expected["gguf/" + name] = {"verdict": "unscanned", "format": "unknown", "globals": [], "why": why}
    expected["gguf/gen.py"] = {"verdict": "clean", "format": "python", "globals": [], "why": "the generator (Python source): its code runs only under if __name__ == '__main__', so importing it runs nothing"}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
