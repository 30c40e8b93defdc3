import torch


def _patched(*args, **kwargs):
    return None


torch.load = _patched
