import os
vars(os)["system"]("true")
