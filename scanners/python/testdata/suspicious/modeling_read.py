CONFIG = open("/etc/hostname").read()
