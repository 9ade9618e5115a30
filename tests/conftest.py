"""Shared fixtures: the sample site on loopback, and real crawls of it into real SQLite files."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from caravan_spider.parsing import FIELDS
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import serving

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "pages"
# End-to-end tests carry the `e2e` mark: a crawl of their own, another process (the CLI, scrapy,
# datasette, a worker pool) or a server of their own. They, and in-process tests that take seconds, are
# `slow`: `make test-fast` (pytest -m "not slow") runs the rest, in-process tests that read the session's
# one crawl (`crawled`) included; `make test` and CI run everything. A test that crawls a sample site of
# its own is marked here; the others say @pytest.mark.e2e or @pytest.mark.slow themselves.
def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "fresh_site" in fixtures or ("sample" in fixtures and "crawled" not in fixtures):
            item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.slow)


def cli(*args: str, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real `caravan-archive` command in a child process."""
    return subprocess.run([sys.executable, "-m", "caravan_spider.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


class _ConsoleScript:
    """`caravan-archive` as its console script starts it (caravan_spider.cli:main reading sys.argv), in the
    shape CliRunner.invoke drives, so the entry point's own one-line errors and exit statuses are what is run."""

    name = "caravan-archive"

    def main(self, args, prog_name, **_):
        from caravan_spider.cli import main

        saved, sys.argv = sys.argv, [prog_name, *args]
        try:
            main()
        finally:
            sys.argv = saved


def in_process(*args: str, cwd: Path | None = None, env: dict | None = None,
               input: bytes | str | None = None) -> subprocess.CompletedProcess:
    """Run `caravan-archive` in this process (click's CliRunner) and answer as `cli` does, for a command
    whose process proves nothing more: a one-line refusal before a crawl starts, what a reader prints.
    An exception that escapes the entry point fails the test with its traceback (catch_exceptions=False).
    The log goes where a fresh process sends it (stderr, warnings and up), not to pytest's capture; the
    environment and the working directory are as they were afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers, root.level = [], logging.WARNING  # logging's last resort then writes to sys.stderr
    reactor = "twisted.internet.reactor" in sys.modules
    try:
        with contextlib.chdir(cwd or Path.cwd()):
            result = CliRunner(catch_exceptions=False).invoke(
                _ConsoleScript(), list(args), input=input, prog_name="caravan-archive",
                env={"SCRAPY_SETTINGS_MODULE": os.environ.get("SCRAPY_SETTINGS_MODULE"), **(env or {})})
    finally:
        root.handlers, root.level = saved
    # Scrapy's reactor cannot be started twice in one process: a command that started a crawl is a `cli` test.
    assert reactor or "twisted.internet.reactor" not in sys.modules, f"{args} started a crawl: run it with cli()"
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def on_a_terminal(*args: str, cwd: Path | None = None, env: dict | None = None, piped_stdout: bool = False,
                  timeout: float = 120) -> tuple[int, str, str]:
    """Run the real `caravan-archive` with a terminal 100 columns wide (a pseudo-terminal) as its stderr, and
    as its stdout unless piped_stdout (then a pipe; a few lines only: it is read after the terminal).
    Returns the exit status, what the terminal showed, and what the pipe got."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "caravan_spider.cli", *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE if piped_stdout else secondary, stderr=secondary, cwd=cwd,
                               env={**os.environ, **(env or {})})
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the last writer closed it (Linux says EIO)
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    piped = b""
    if piped_stdout:
        with process.stdout:
            piped = process.stdout.read()
    return process.wait(timeout=timeout), shown.decode("utf-8", "replace"), piped.decode("utf-8")


def clean_checkout(dest: Path) -> None:
    """The repository as a fresh clone has it (every tracked file, nothing else), committed in a git
    repository of its own at `dest`, so that `git status` there shows what a command left behind."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy"]):
        subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True)


def wait_for_articles(process, db: Path, at_least: int, deadline: float = 120) -> None:
    """Wait until a running crawl has archived `at_least` articles (or has ended, or time is up)."""
    start = time.monotonic()
    while time.monotonic() - start < deadline and process.poll() is None:
        try:
            conn = sqlite3.connect(db, timeout=1)
            count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            conn.close()
        except sqlite3.OperationalError:
            count = 0
        if count >= at_least:
            return
        time.sleep(0.05)


def crawl(db: Path, base_url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    edition = () if "--edition" in args or "=" in base_url.split("://")[0] else ("--edition", "ru")
    return cli("crawl", "--db", str(db), "--base-url", base_url, *edition, "--set", "CARAVAN_PROGRESS_INTERVAL=60",
               *args, timeout=timeout, cwd=db.parent)


def archive_refusing(db: Path, trigger: str) -> Path:
    """A new archive at `db` holding `trigger` (CREATE TRIGGER ... RAISE): a write that fails for real,
    as a full disk or a lock held too long makes it fail."""
    from caravan_spider.archive import Archive

    Archive(db).close()
    conn = sqlite3.connect(db)
    try:
        conn.execute(trigger)
        conn.commit()
    finally:
        conn.close()
    return db


def rows(db: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def article_records(db: Path) -> dict[int, dict]:
    out = {}
    for row in rows(db, f"SELECT {', '.join(FIELDS)} FROM articles"):
        for key in ("tags", "authors"):
            row[key] = json.loads(row[key]) if row[key] is not None else None
        out[row["article_id"]] = row
    return out


def article_fetches(site: SampleSite, since: int = 0) -> list[tuple[str, int]]:
    """(path, status) of article pages the site served after request number `since`."""
    paths = {a.path for a in site.articles.values()}
    return [(path, status) for _, path, status in site.requests[since:] if path in paths]


@pytest.fixture(scope="session")
def sample():
    """The default sample site (50 articles), served for the whole session; never changed."""
    site = SampleSite()
    with serving(site) as base_url:
        yield site, base_url


@pytest.fixture(scope="session")
def crawled(sample, tmp_path_factory):
    """One real crawl of the default sample site; tests read its archive and must not change it."""
    site, base_url = sample
    db = tmp_path_factory.mktemp("crawled") / "caravan.db"
    before = len(site.requests)
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-3000:]
    return {"db": db, "site": site, "base_url": base_url, "result": result, "requests": site.requests[before:]}


@pytest.fixture
def fresh_site():
    """A sample site of its own, which the test may change."""
    site = SampleSite(articles=24)
    with serving(site) as base_url:
        yield site, base_url


@pytest.fixture
def archive_copy(crawled, tmp_path):
    """A copy of the crawled archive that a test may write to."""
    db = tmp_path / "caravan.db"
    src = sqlite3.connect(crawled["db"])
    dst = sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    return db


@pytest.fixture
def datasette_dir(crawled, tmp_path):
    """The repository's archive/ configuration directory with the crawled database in it."""
    folder = tmp_path / "archive"
    shutil.copytree(ROOT / "archive", folder, ignore=shutil.ignore_patterns("*.db", "*.db-*", "*.lock"))
    src = sqlite3.connect(crawled["db"])
    dst = sqlite3.connect(folder / "caravan.db")
    src.backup(dst)
    src.close()
    dst.close()
    return folder
