import subprocess
if (p := subprocess.Popen(["true"])):
    pass
