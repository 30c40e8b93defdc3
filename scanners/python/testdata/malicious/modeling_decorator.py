import os


def register(fn):
    os.system("true")
    return fn


@register
def forward(x):
    return x
