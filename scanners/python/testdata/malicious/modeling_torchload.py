import torch
STATE = torch.load("extra.bin")
