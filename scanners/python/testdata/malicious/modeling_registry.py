import os


class Registry:
    entries = {}

    @classmethod
    def register(cls, name):
        os.system("true")
        return name


Registry.register("model")
