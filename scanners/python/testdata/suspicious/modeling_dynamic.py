import importlib
name = "o" + "s"
mod = importlib.import_module(name)
