"""A parse worker hands the pipeline exactly what parsing in Scrapy's thread does."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import datetime

import pytest

from caravan_spider import workers
from caravan_spider.archive import index_entry
from caravan_spider.parsing import explain
from caravan_spider.parsing.furniture import Furniture
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import serving

from conftest import ROOT

CASE = ROOT / "tests" / "pages" / "amp"


def test_the_fork_server_warms_up_on_an_article():
    """The fork server parses warmup's page before it forks the workers: an article, so that the
    lemmatiser is loaded there too (a page the parser rejected warmed up almost nothing)."""
    from caravan_spider import warmup

    assert "caravan_spider.warmup" in workers.PRELOAD
    assert warmup.WARMED["reason"] is None and warmup.WARMED["record"]["title"] == "Новые правила парковки в Алматы"
    assert "правило" in warmup.WARMED["index_entry"][3].split()  # «правила», lemmatised


@pytest.mark.e2e
def test_a_worker_parses_with_the_learned_furniture_as_the_thread_does():
    meta = json.loads((CASE / "meta.json").read_text())
    html = (CASE / "page.html").read_bytes()
    when = datetime.fromisoformat(meta["fetched_at"])
    plain = explain(html, meta["url"], when, meta["content_type"]).article.to_dict()
    paragraph = plain["body"].split("\n\n")[1]
    furniture = Furniture(frozenset({paragraph}), "learned furniture (test)")
    result = explain(html, meta["url"], when, meta["content_type"], furniture, "all")
    expected = result.article.to_dict()
    assert paragraph not in expected["body"]  # the furniture reached the parser
    page = (html, meta["url"], when.isoformat(), meta["content_type"], furniture, "all")
    with workers.pool(1) as pool:
        parsed = pool.submit(workers.parse_page, *page).result()
    assert parsed == {"record": expected, "reason": None, "layout": result.layout, "index_entry": index_entry(expected),
                      "sha256": hashlib.sha256(html).hexdigest()}
    assert workers.parse_page(*page) == parsed


@pytest.mark.e2e
def test_a_killed_crawl_leaves_no_parse_worker_behind(tmp_path):
    """SIGKILL never lets a crawl shut its pool down: the workers must notice on their own."""
    db = tmp_path / "caravan.db"
    with serving(SampleSite(articles=300)) as base_url:
        process = subprocess.Popen([sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db),
                                    "--base-url", base_url, "--edition", "ru", "--set", "CARAVAN_PARSE_WORKERS=2"],
                                   cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while not _workers_of(tmp_path) and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)
            assert _workers_of(tmp_path), "the crawl never started its parse workers"
        finally:
            process.kill()
            process.wait()
        deadline = time.monotonic() + 10
        while _workers_of(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert _workers_of(tmp_path) == []


def _workers_of(folder) -> list[str]:
    """Fork servers and pool workers started by a crawl run in `folder` (it is on their sys.path)."""
    out = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "multiprocessing.forkserver" in line and f"'{folder}'" in line]


def test_the_crawls_main_process_does_not_load_the_extractor():
    """Pages are parsed in the workers: the crawl's own process (its CLI, spider, pipeline, middlewares,
    extensions and config) needs PARSER_VERSION and dates, never trafilatura (0.15 s of CPU at every
    run's start). The fork server still loads it once for its workers."""
    code = ("import sys; import caravan_spider.cli, caravan_spider.crawl, caravan_spider.spiders.caravan, "
            "caravan_spider.pipelines, caravan_spider.middlewares, caravan_spider.progress, caravan_spider.closing; "
            "from caravan_spider.config import Config; Config(edition='ru', since='2026-01-01'); "
            "print(sorted(m for m in ('trafilatura', 'justext', 'htmldate', 'caravan_spider.parsing.body') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert "caravan_spider.parsing.body" in workers.PRELOAD
