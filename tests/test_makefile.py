"""The Makefile's .venv: rebuilt when made by another interpreter, removed when an install fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

# A stand-in interpreter: reports version 3.12 and makes a .venv whose pip always fails.
FAKE_PYTHON = """#!/bin/sh
case "$*" in
  *"-m venv"*) mkdir -p .venv/bin && printf '#!/bin/sh\\ncase "$*" in *pip*) exit 1;; esac\\n' > .venv/bin/python \
               && chmod +x .venv/bin/python ;;
  *) echo 3.12 ;;
esac
"""


def make(folder, *args: str) -> subprocess.CompletedProcess:
    # Not as a sub-make of `make test`: its flags would change what make prints.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEFILES")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=folder, capture_output=True, text=True,
                          timeout=60, env=env)


def project(tmp_path):
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.e2e
def test_a_venv_of_another_interpreter_is_rebuilt(tmp_path):
    folder = project(tmp_path)
    (folder / ".venv").mkdir()
    (folder / ".venv/.python-0.0").touch()  # made by some other Python
    (folder / ".venv/.installed").touch()
    plan = make(folder, "-n", f"PYTHON={sys.executable}", "test").stdout.splitlines()
    version = "%d.%d" % sys.version_info[:2]
    assert plan[:3] == ["rm -rf .venv", f"{sys.executable} -m venv .venv", f"touch .venv/.python-{version}"]
    (folder / f".venv/.python-{version}").touch()
    (folder / ".venv/.installed").touch()
    assert make(folder, "-n", f"PYTHON={sys.executable}", "test").stdout.splitlines() == [
        ".venv/bin/python -m pytest -q -n auto"]


@pytest.mark.e2e
def test_a_failed_install_leaves_no_venv_to_reuse(tmp_path):
    folder = project(tmp_path)
    fake = folder / "fakepython"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    result = make(folder, f"PYTHON={fake}", ".venv/.installed")
    assert result.returncode != 0
    assert not (folder / ".venv").exists()
