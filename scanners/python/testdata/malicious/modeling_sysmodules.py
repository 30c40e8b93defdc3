import sys
sys.modules["os"].system("true")
