"""Run a measured command in a fresh child process and report its time and peak memory alone.

ru_maxrss of a forked child counts the parent's pages at fork time, and the benchmark process
grows large; so a fresh small interpreter starts the measured command and reports its figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_LAUNCHER = """
import ctypes, json, os, resource, subprocess, sys, time
# A subreaper adopts the command's orphaned descendants (a fork server's workers), so that the
# CPU figure counts every process the command started.
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
started = time.monotonic()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = process.stdout.read()
_, status, usage = os.wait4(process.pid, 0)
seconds = time.monotonic() - started
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
every = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([status, seconds, usage.ru_maxrss / 1024, every.ru_utime + every.ru_stime,
                  out.decode(errors="replace")]))
"""


def run(args: list[str], ok_status: tuple[int, ...] = (0,)) -> tuple[float, float, float, str]:
    """(seconds, peak resident MiB of the command's own process, CPU seconds of it and every process
    it started, stdout) of the command alone; it must exit with one of `ok_status`."""
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], capture_output=True, text=True, check=True)
    status, seconds, rss, cpu, stdout = json.loads(out.stdout)
    if os.waitstatus_to_exitcode(status) not in ok_status:
        raise SystemExit(f"{args} exited with {os.waitstatus_to_exitcode(status)}")
    return seconds, rss, cpu, stdout


def child(args: list[str], ok_status: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(seconds, peak resident MiB) of a command alone."""
    seconds, rss, _, _ = run(args, ok_status)
    return seconds, rss


def child_json(args: list[str]) -> tuple[dict, float, float]:
    """A command that prints one JSON object: (that object, seconds, peak resident MiB)."""
    seconds, rss, _, stdout = run(args)
    return json.loads(stdout.strip().splitlines()[-1]), seconds, rss
