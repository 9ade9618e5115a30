"""scrapy.cfg deploys to Scrapyd: a real scrapyd on loopback runs the spider into the archive."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import ROOT, article_records, clean_checkout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _untracked(project: Path) -> str:
    """What `git status` shows: a deploy may leave only what .gitignore names (build/, *.egg-info/)."""
    return subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True,
                          text=True, check=True).stdout


def _api(base: str, path: str, data: list | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data else None
    with urllib.request.urlopen(base + path, data=body, timeout=10) as response:
        return json.loads(response.read())


def test_scrapyd_runs_the_spider(sample, tmp_path):
    site, base_url = sample
    port = _free_port()
    service = tmp_path / "scrapyd"
    service.mkdir()
    (service / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {service}/eggs\n"
        f"logs_dir = {service}/logs\ndbs_dir = {service}/dbs\nitems_dir =\nmax_proc = 1\npoll_interval = 0.5\n")
    # The whole repository as a user checks it out (every tracked file, nothing else), with the
    # deploy target pointed at this scrapyd: pyproject.toml is there, as it is for a user.
    project = tmp_path / "project"
    clean_checkout(project)
    (project / "scrapy.cfg").write_text(
        (ROOT / "scrapy.cfg").read_text().replace("http://127.0.0.1:6800/", f"http://127.0.0.1:{port}/"))
    before = _untracked(project)
    bindir = Path(sys.executable).parent
    server = subprocess.Popen([str(bindir / "scrapyd")], cwd=service, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                assert _api(api, "/daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                time.sleep(0.1)
        deploy = subprocess.run([str(bindir / "scrapyd-deploy")], cwd=project, capture_output=True, text=True,
                                timeout=120)
        assert deploy.returncode == 0, deploy.stderr[-2000:]
        assert _untracked(project) == before  # no untracked setup.py left in the checkout
        assert _api(api, "/listspiders.json?project=caravan_spider")["spiders"] == ["caravan"]
        db = tmp_path / "caravan.db"
        # The sample site is on loopback: the spider itself drops the politeness delays.
        job = _api(api, "/schedule.json", [("project", "caravan_spider"), ("spider", "caravan"),
                                           ("base_url", base_url), ("edition", "ru"), ("setting", f"CARAVAN_DB={db}")])
        assert job["status"] == "ok"
        for _ in range(600):
            finished = _api(api, "/listjobs.json?project=caravan_spider")["finished"]
            if any(j["id"] == job["jobid"] for j in finished):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("scrapyd did not finish the job in 120 s")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert set(article_records(db)) == set(site.articles)
