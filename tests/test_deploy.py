"""deploy/: the systemd unit works as the README says (adjust WorkingDirectory and User, nothing else)
and never runs the crawl as root."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, clean_checkout, rows

UNIT = ROOT / "deploy" / "caravan-archive.service"


def _service() -> configparser.SectionProxy:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read_string(UNIT.read_text())
    return unit["Service"]


def test_the_unit_runs_as_a_user_of_its_own():
    user = _service()["User"]
    assert user and user not in {"root", "0"}


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit_with_only_its_working_directory_adjusted(tmp_path):
    unit = UNIT.read_text().replace(_service()["WorkingDirectory"], str(tmp_path))
    (tmp_path / "caravan-archive.service").write_text(unit)
    check = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "caravan-archive.service")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.e2e
def test_exec_start_crawls_from_the_working_directory(sample, tmp_path):
    """What systemd does: run ExecStart with WorkingDirectory as the current directory. Here that is a
    fresh checkout whose .venv is this one; the sample site stands in for the real one."""
    site, base_url = sample
    checkout = tmp_path / "caravan-archive"
    clean_checkout(checkout)
    (checkout / ".venv").symlink_to(ROOT / ".venv" if (ROOT / ".venv").exists() else sys.prefix)
    command = shlex.split(_service()["ExecStart"])
    assert command[0].startswith("/")  # systemd's one requirement: the program itself is absolute
    done = subprocess.run([*command, "--base-url", base_url, "--edition", "ru"], cwd=checkout,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    archived = rows(checkout / "archive" / "caravan.db", "SELECT count(*) AS n FROM articles")[0]["n"]
    assert archived == len(site.articles)
