from .helpers import bootstrap
bootstrap()
