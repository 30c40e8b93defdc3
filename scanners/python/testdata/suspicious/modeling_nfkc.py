import os
ｅｘｅｃ("print(1)")
