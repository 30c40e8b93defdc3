import subprocess as sp
from torch import nn


class Model(nn.Module):
    _probe = sp.run(["true"], check=False)
