"""The run's spec is decided once, from the crawler's settings: the spider's arguments become settings,
and the pipeline and the origin guard read the same spec there, never from the spider's attributes."""

from __future__ import annotations

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_reactor_settings

import caravan_spider.settings as project_settings
from caravan_spider.archive import Archive, Capture
from caravan_spider.crawlrun import RunSpec
from caravan_spider.middlewares import OriginGuard
from caravan_spider.pipelines import ArchivePipeline
from caravan_spider.spiders.caravan import CaravanSpider


def crawler_for(tmp_path, cmdline: dict | None = None, **arguments) -> Crawler:
    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    crawler = Crawler(CaravanSpider, {**get_reactor_settings(), **settings, "CARAVAN_DB": str(tmp_path / "caravan.db")})
    for name, value in (cmdline or {}).items():
        crawler.settings.set(name, value, priority="cmdline")
    crawler.spider = CaravanSpider.from_crawler(crawler, **arguments)  # as Crawler.crawl() does: spider first,
    crawler._apply_settings()  # then the settings applied and frozen
    return crawler


def test_the_spiders_arguments_become_the_runs_settings(tmp_path):
    crawler = crawler_for(tmp_path, base_url="http://127.0.0.1:8000", since="2025-01-01", edition="ru")
    spec = RunSpec.from_settings(crawler.settings)
    assert (spec.origin.base, spec.mode, spec.full) == ("http://127.0.0.1:8000", "since 2025-01-01", False)
    assert crawler.settings["CARAVAN_BASE_URL"] == "http://127.0.0.1:8000"
    assert crawler.settings["CARAVAN_SINCE"] == "2025-01-01"
    assert (crawler.spider.origin.base, crawler.spider.spec.since, crawler.spider.mode) == (
        "http://127.0.0.1:8000", spec.since, "since 2025-01-01")


def test_an_argument_wins_over_the_same_setting_given_with_s(tmp_path):
    crawler = crawler_for(tmp_path, {"CARAVAN_BASE_URL": "http://127.0.0.1:9000"}, base_url="http://127.0.0.1:8000",
                          full="yes", edition="ru")
    assert RunSpec.from_settings(crawler.settings).origin.base == "http://127.0.0.1:8000"
    assert RunSpec.from_settings(crawler.settings).mode == "full"


def test_settings_alone_make_a_run_and_its_loopback_speed(tmp_path):
    crawler = crawler_for(tmp_path, {"CARAVAN_BASE_URL": "http://127.0.0.1:8000", "CARAVAN_FULL": "true",
                                     "CARAVAN_EDITION": "ru"})
    assert crawler.spider.origin.base == "http://127.0.0.1:8000" and crawler.spider.mode == "full"
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED") is False


def test_without_arguments_the_live_site_incrementally(tmp_path):
    spec = RunSpec.from_settings(crawler_for(tmp_path).settings)
    assert (spec.origin.base, spec.mode, spec.on_loopback) == ("https://www.caravan.kz", "incremental", False)


def test_a_since_setting_that_is_no_date_is_refused():
    with pytest.raises(ValueError, match=r"since='yesterday' is not a date such as 2025-01-31"):
        RunSpec.from_settings(Settings({"CARAVAN_BASE_URL": "https://www.caravan.kz", "CARAVAN_SINCE": "yesterday"}))


def test_the_pipeline_and_the_origin_guard_read_the_spec_from_the_settings(tmp_path):
    crawler = crawler_for(tmp_path, base_url="http://127.0.0.1:8000", since="2025-01-01", edition="ru")
    crawler.spider = None  # nothing is read from the spider
    pipeline = ArchivePipeline(crawler)
    assert (pipeline.spec.origin.base, pipeline.spec.mode) == ("http://127.0.0.1:8000", "since 2025-01-01")
    assert OriginGuard(crawler).origins == {("http", "127.0.0.1", 8000)}


def test_a_run_is_read_back_typed_and_a_capture_is_stored_as_given(tmp_path):
    archive = Archive(tmp_path / "caravan.db")
    try:
        run_id = archive.begin_run("http://127.0.0.1:8000", "full")
        archive.store(Capture(edition="ru", url="http://127.0.0.1:8000/news/x-845713/", status=404, body=b"gone",
                              fetched_at="2026-01-01T00:00:00+00:00", article_id=845713, run_id=run_id),
                      None, None, "v1", None)
        archive.finish_run(run_id, "finished", {"requests": 3, "articles_new": 0, "message": "finish reason: finished"})
        run = archive.run(run_id)
        assert (run.run_id, run.status, run.message, run.base_url, run.mode, run.requests, run.articles_new) == (
            run_id, "finished", "finish reason: finished", "http://127.0.0.1:8000", "full", 3, 0)
        assert archive.capture_sizes(run_id) == archive.capture_sizes() == (4, archive.capture_sizes()[1])
        assert archive.capture_sizes(run_id + 1) == (0, 0)
        with pytest.raises(KeyError, match=f"no crawl run {run_id + 1}"):
            archive.run(run_id + 1)
    finally:
        archive.close()
    assert "b'gone'" not in repr(Capture(edition="ru", url="u", status=200, body=b"gone", fetched_at="t"))


def test_both_editions_each_from_its_own_origin(tmp_path):
    crawler = crawler_for(tmp_path, base_url="ru=http://127.0.0.1:8000,kk=http://127.0.0.1:8001")
    spec = RunSpec.from_settings(crawler.settings)
    assert {code: o.base for code, o in spec.origins.items()} == {"ru": "http://127.0.0.1:8000",
                                                                   "kk": "http://127.0.0.1:8001"}
    assert (spec.editions, spec.base_url, spec.on_loopback) == (
        "ru,kk", "ru=http://127.0.0.1:8000 kk=http://127.0.0.1:8001", True)
    assert OriginGuard(crawler).origins == {("http", "127.0.0.1", 8000), ("http", "127.0.0.1", 8001)}
    with pytest.raises(ValueError, match="is ambiguous with --edition all"):
        crawler_for(tmp_path, base_url="http://127.0.0.1:8000")
