import torch
run = getattr(__import__("o" "s"), "system")
run("true")
