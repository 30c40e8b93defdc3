with open("/tmp/aibom-harmless", "w") as fh:
    fh.write("x")
