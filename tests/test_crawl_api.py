"""`caravan_spider.crawl.run(config, db) -> CrawlRun` (issue 22, item 5): the crawl as a library call. Each
test runs it in a child process (`python -c`): Twisted's reactor starts once per process."""

from __future__ import annotations

import json
import subprocess
import sys

from caravan_spider.config import Config

from conftest import article_records, rows


def _python(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)


CRAWL = """
import json, sys
from caravan_spider.config import Config
from caravan_spider.crawl import run
done = run(Config(edition="ru", base_url=sys.argv[1], summary=False), sys.argv[2])
print(json.dumps([done.run_id, done.status, done.articles_new, done.articles_failed, done.mode, done.base_url]))
"""


def test_a_crawl_from_python_archives_the_site_and_returns_its_run(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    done = subprocess.run([sys.executable, "-c", CRAWL, base_url, str(db)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [1, "finished", len(site.articles), 0, "incremental", base_url]
    assert set(article_records(db)) == set(site.articles)
    [run] = rows(db, "SELECT status, config FROM crawl_runs")
    assert run["status"] == "finished"
    assert Config.from_json(run["config"]) == Config(edition="ru", base_url=base_url, summary=False)
    again = subprocess.run([sys.executable, "-c", CRAWL, base_url, str(db)], capture_output=True, text=True,
                           timeout=300, cwd=tmp_path)
    assert json.loads(again.stdout) == [2, "finished", 0, 0, "incremental", base_url]  # nothing new on the site


def test_a_crawl_that_cannot_begin_raises_what_the_cli_says_in_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database\n")
    code = """
import sys
from caravan_spider.config import Config
from caravan_spider.crawl import ArchiveUnavailable, run
try:
    run(Config(edition="ru", base_url="http://127.0.0.1:9"), "notes.txt")
except ArchiveUnavailable as error:
    print(f"{type(error).__name__}: {error}")
"""
    done = _python(code, tmp_path)
    assert (done.returncode, done.stdout) == (0, "ArchiveUnavailable: notes.txt is not a caravan-archive database "
                                                 "(file is not a database)\n"), done.stderr[-2000:]
    assert (tmp_path / "notes.txt").read_text() == "not a database\n"
