import atexit
import os
atexit.register(os.system, "true")
