#!/usr/bin/python3
"""Baseline for the scan benchmark: the opcode loop of the pickle scanners
in use today (picklescan and modelscan walk pickletools.genops and collect
GLOBAL / STACK_GLOBAL names, keeping a memo of strings). Reads, never loads.

Usage: /usr/bin/python3 bench/baseline.py FILE
"""
import pickletools
import sys

globals_seen = set()
memo = {}
stack = []
with open(sys.argv[1], "rb") as f:
    for op, arg, pos in pickletools.genops(f):
        name = op.name
        if name in ("GLOBAL", "INST"):
            globals_seen.add(arg.replace(" ", "."))
        elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING",
                      "BINSTRING", "SHORT_BINSTRING"):
            stack.append(arg)
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1] if stack else None
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = stack[-1] if stack else None
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            stack.append(memo.get(arg))
        elif name == "STACK_GLOBAL":
            if len(stack) >= 2:
                globals_seen.add("%s.%s" % (stack[-2], stack[-1]))
        if len(stack) > 2:
            del stack[:-2]
print(len(globals_seen), "globals")
