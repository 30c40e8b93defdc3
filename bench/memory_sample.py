#!/usr/bin/python3
"""Run one command under /usr/bin/time and sample its memory (bench/memory.sh).

    /usr/bin/python3 bench/memory_sample.py TIMEOUT CMD [ARGS...]

Prints one line: "wall maxrss_kib anon_kib file_kib exit", where
  wall, maxrss  are what GNU time reports (%e, %M = ru_maxrss: every resident
                page at the peak, the binary's own mapped pages included);
  anon, file    are the peaks of RssAnon and RssFile of the command's process,
                sampled from /proc/PID/status every 10 ms. RssAnon is the heap,
                stacks and buffers: the part of the memory that can depend on
                the input. RssFile is mapped files, mostly the pages of the
                binary that were touched.
The two peaks need not fall on the same sample, so anon + file can exceed
maxrss a little; and a peak shorter than 10 ms can be missed (maxrss, kept by
the kernel, never misses one). exit is 124 when TIMEOUT seconds passed.
"""

import os
import subprocess
import sys
import tempfile
import time


def status(pid):
    """RssAnon and RssFile of pid in KiB, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        return None
    v = {}
    for line in text.splitlines():
        k, _, rest = line.partition(":")
        if k in ("RssAnon", "RssFile"):
            v[k] = int(rest.split()[0])
    return v.get("RssAnon", 0), v.get("RssFile", 0)


def child_of(pid):
    """The first child of pid (GNU time's child is the command)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tmo = float(sys.argv[1])
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        p = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", out.name] + sys.argv[2:],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + tmo
        anon = file = 0
        cmd = None
        timed_out = False
        while p.poll() is None:
            if cmd is None:
                cmd = child_of(p.pid)
            if cmd is not None:
                s = status(cmd)
                if s:
                    anon, file = max(anon, s[0]), max(file, s[1])
            if time.monotonic() > deadline and cmd is not None and not timed_out:
                timed_out = True
                os.kill(cmd, 9)
            time.sleep(0.01)
        rc = 124 if timed_out else p.returncode
        wall, maxrss = "?", "?"
        for line in out.read().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                wall, maxrss = parts
    print(wall, maxrss, anon, file, rc)


if __name__ == "__main__":
    main()
