#!/usr/bin/python3
"""Writes the chat-template fixtures: Hugging Face tokenizer_config.json
files and standalone chat_template.jinja files, benign and malicious (the
payloads are harmless and nothing is ever rendered).

Usage: /usr/bin/python3 testdata/models/chat_template/gen.py
"""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..", "..")
llama3 = open(os.path.join(root, "scanners", "gguf", "testdata", "templates", "llama3.jinja")).read()
chatml = open(os.path.join(root, "scanners", "gguf", "testdata", "templates", "chatml.jinja")).read()

ssti = "{{ ''.__class__.__mro__[1].__subclasses__() }}" + llama3
obfuscated = ("{% set c = '__cla' ~ 'ss__' %}{{ messages|attr(c) }}" + chatml)
gateway = "{{ lipsum.__globals__['os'].popen('true').read() }}{% for m in messages %}{{ m.content }}{% endfor %}"


def config(template):
    return {
        "add_bos_token": True,
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>",
        "model_max_length": 8192,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "chat_template": template,
    }


def write(name, text):
    with open(os.path.join(here, name), "w") as f:
        f.write(text)


write("tokenizer_config.json", json.dumps(config(llama3), indent=2, sort_keys=True) + "\n")
write("malicious_tokenizer_config.json", json.dumps(config(ssti), indent=2, sort_keys=True) + "\n")
write("named_templates_tokenizer_config.json", json.dumps(config([
    {"name": "default", "template": chatml},
    {"name": "tool_use", "template": gateway},
]), indent=2, sort_keys=True) + "\n")
write("chat_template.jinja", chatml)
write("obfuscated_chat_template.jinja", obfuscated)
write("no_template_config.json", json.dumps({"model_type": "llama", "vocab_size": 128256}, indent=2) + "\n")
