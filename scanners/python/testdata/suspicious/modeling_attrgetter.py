import operator
import os
operator.attrgetter("system")(os)("true")
