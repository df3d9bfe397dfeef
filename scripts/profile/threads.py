"""Samples the CPU of every thread of a process: threads.py PID INTERVAL_S OUT.

Each line: epoch seconds, cores used by the whole process since the last line, then the busiest
thread names (trailing digits folded) and their cores.
"""
import collections
import os
import re
import sys
import time

pid, interval, out = sys.argv[1], float(sys.argv[2]), open(sys.argv[3], "w")
tick = os.sysconf("SC_CLK_TCK")


def snapshot():
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        threads[tid] = (name, int(fields[11]) + int(fields[12]))
    return threads


previous = snapshot()
while os.path.exists(f"/proc/{pid}"):
    time.sleep(interval)
    try:
        current = snapshot()
    except OSError:
        break
    cores = collections.Counter()
    for tid, (name, ticks) in current.items():
        if tid in previous:
            cores[re.sub(r"\d+$", "#", name)] += (ticks - previous[tid][1]) / tick / interval
    previous = current
    top = ", ".join(f"{name} {c:.2f}" for name, c in cores.most_common(8))
    out.write(f"{time.time():.1f} total {sum(cores.values()):.2f} cores | {top}\n")
    out.flush()
