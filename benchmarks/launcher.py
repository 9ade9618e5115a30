"""Run a measured command in a fresh child process and report its time, CPU and memory alone.

ru_maxrss of a forked child counts the parent's pages at fork time, and the benchmark process
grows large; so a fresh small interpreter (this file run as a script) starts the measured command
and reports its figures. The command's own RSS misses its workers (a parse pool, a fork server),
and adding the workers' RSS counts the pages they share twice; so memory is also the peak PSS
summed over the whole process tree, sampled every 50 ms.

    python benchmarks/launcher.py COMMAND ...      # prints one JSON line of figures
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

SAMPLE_SECONDS = 0.05


class Figures(NamedTuple):
    seconds: float  # wall time of the command
    rss: float  # peak resident MiB of the command's own process
    tree_pss: float  # peak MiB of proportional set size summed over the command and every process it started
    cpu: float  # CPU seconds (user + system) of the command and every process it started
    stdout: str


def descendants(root: int) -> list[int]:
    """Every live process below `root` (its children, their children...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:  # gone since the listing
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])  # the name in parentheses may hold spaces
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for pid in parents.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def pss_kib(pid: int) -> int:
    """The proportional set size of one process in KiB (0 when it is gone or a zombie)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kib(root: int) -> int:
    """PSS in KiB summed over every process below `root`: shared pages counted once in all."""
    return sum(pss_kib(pid) for pid in descendants(root))


def _measure(args: list[str]) -> dict:
    """Run `args` below this process and measure it (this process is the fresh interpreter)."""
    import ctypes
    import resource
    import threading
    import time

    # A subreaper adopts the command's orphaned descendants (a fork server's workers), so that the
    # CPU figure and the PSS sum count every process the command started.
    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], tree_pss_kib(os.getpid()))

    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    every = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"status": status, "seconds": seconds, "rss": usage.ru_maxrss / 1024, "tree_pss": peak[0] / 1024,
            "cpu": every.ru_utime + every.ru_stime, "stdout": out.decode(errors="replace")}


def measure(args: list[str], ok_status: tuple[int, ...] = (0,)) -> Figures:
    """The figures of the command alone; it must exit with one of `ok_status`."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout)
    code = os.waitstatus_to_exitcode(figures.pop("status"))
    if code not in ok_status:
        raise SystemExit(f"{args} exited with {code}")
    return Figures(**figures)


def run(args: list[str], ok_status: tuple[int, ...] = (0,)) -> tuple[float, float, float, str]:
    """(seconds, peak resident MiB of the command's own process, CPU seconds of it and every process
    it started, stdout) of the command alone; it must exit with one of `ok_status`."""
    figures = measure(args, ok_status)
    return figures.seconds, figures.rss, figures.cpu, figures.stdout


def child(args: list[str], ok_status: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(seconds, peak resident MiB) of a command alone."""
    seconds, rss, _, _ = run(args, ok_status)
    return seconds, rss


def child_json(args: list[str]) -> tuple[dict, float, float]:
    """A command that prints one JSON object: (that object, seconds, peak resident MiB)."""
    seconds, rss, _, stdout = run(args)
    return json.loads(stdout.strip().splitlines()[-1]), seconds, rss


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1:])))
