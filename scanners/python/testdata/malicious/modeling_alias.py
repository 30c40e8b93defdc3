from os import system as s
from ctypes import CDLL
s("true")
CDLL("libc.so.6")
