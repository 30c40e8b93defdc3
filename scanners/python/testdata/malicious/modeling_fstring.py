import os
BANNER = f"model {__import__('os').popen('true').read()!r:>10}"
