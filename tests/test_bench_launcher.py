"""The benchmark launcher's process-tree figures, read from real processes: the crawl's figures count its
parse workers and fork server only if the tree is found and summed right (issue 24)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from launcher import descendants, measure, pss_kib, tree_pss_kib  # noqa: E402

MIB = 1024

# A child holding 64 MiB that starts a grandchild holding 32 MiB; the grandchild prints its pid once it
# holds them, and both wait.
PARENT = """
import subprocess, sys
held = bytearray(64 << 20)
grandchild = subprocess.Popen([sys.executable, "-c", "import os, sys; held = bytearray(32 << 20); "
                               "print(os.getpid(), flush=True); sys.stdin.read()"], stdin=subprocess.PIPE)
sys.stdin.read()
grandchild.stdin.close()
grandchild.wait()
"""


@pytest.mark.e2e
def test_the_tree_below_a_process_is_found_and_its_pss_summed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(parent.stdout.readline())
        assert descendants(parent.pid) == [grandchild]
        assert {parent.pid, grandchild} <= set(descendants(os.getpid()))
        # bytearray() pages are written (zeroed) and private to each process, so each counts in full
        assert pss_kib(parent.pid) > 64 * MIB
        assert 32 * MIB < pss_kib(grandchild) < 64 * MIB
        assert tree_pss_kib(parent.pid) == pss_kib(grandchild)
        assert tree_pss_kib(os.getpid()) >= pss_kib(parent.pid) + pss_kib(grandchild)
    finally:
        parent.stdin.close()
        parent.wait()
        parent.stdout.close()
    assert pss_kib(parent.pid) == 0  # gone: nothing to count


# Starts a grandchild that outlives it (as a fork server's workers do), burning CPU and holding 48 MiB.
ORPHANING = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "held = bytearray(48 << 20); sum(range(3 * 10 ** 7))"])
"""


@pytest.mark.e2e
def test_measure_counts_the_cpu_and_memory_of_a_descendant_that_outlives_the_command():
    figures = measure([sys.executable, "-c", ORPHANING])
    alone = measure([sys.executable, "-c", "pass"])
    assert figures.cpu > alone.cpu + 0.3  # the orphan's loop, counted through the subreaper
    assert figures.tree_pss > 48  # MiB: the orphan's memory, sampled while it ran
    assert figures.rss < 48  # the command's own process never held it
