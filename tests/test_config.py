"""One typed Config per run (issue 22, item 2): validated once, made into Scrapy settings and read back
from them, stored with the run, and used by the offline commands that must do what the crawl did."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from caravan_spider import boilerplate
from caravan_spider.archive import Archive
from caravan_spider.config import Config, ConfigError, Learning
from caravan_spider.schedule import DEFAULT_SCHEDULE

from conftest import cli, crawl, rows

FURNITURE = "SELECT edition, line, pages, share, window_start, window_end, window_pages, min_share FROM furniture " \
            "ORDER BY edition, line"


def test_reextract_learns_furniture_with_the_settings_the_crawl_used(fresh_site, tmp_path):
    """A crawl told to learn only what is on 90 % of pages: reextract relearned with the module's 30 % and
    replaced the table (and so the text of articles) with what the crawl was told not to learn."""
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    done = crawl(db, base_url, "--set", "CARAVAN_FURNITURE_MIN_SHARE=0.9", "--set", "CARAVAN_FURNITURE_MIN_PAGES=6")
    assert done.returncode == 0, done.stderr[-2000:]
    learned = rows(db, FURNITURE)
    assert learned and {row["min_share"] for row in learned} == {0.9}
    [stored] = rows(db, "SELECT config FROM crawl_runs")
    assert Config.from_json(stored["config"]).furniture == Learning(min_share=0.9, min_pages=6)
    again = cli("reextract", "--db", str(db), "--jobs", "1")
    assert again.returncode == 0, again.stderr[-2000:]
    assert rows(db, FURNITURE) == learned
    assert again.stdout.startswith(f"Re-extracted {len(site.articles)} articles: 0 changed, 0 added.\n")


def test_the_project_settings_are_the_configs_defaults():
    """The CARAVAN_* defaults are written once, in config.py: settings.py holds exactly those (and CARAVAN_DB)."""
    import caravan_spider.settings as project

    caravan = {name: getattr(project, name) for name in dir(project) if name.startswith("CARAVAN_")}
    assert caravan == {**Config().settings(), "CARAVAN_DB": "archive/caravan.db"}
    assert (boilerplate.MIN_SHARE, boilerplate.WINDOW_DAYS, boilerplate.MIN_PAGES) == (0.3, 7.0, 5)
    assert Config().schedule == DEFAULT_SCHEDULE == project.CARAVAN_RECHECK_SCHEDULE


def test_settings_given_as_text_become_typed_values_and_go_back_to_the_same_settings(tmp_path):
    config = Config.from_settings({"CARAVAN_LISTING_PAGES": "3", "CARAVAN_FULL": "true", "CARAVAN_SINCE": "2025-01-01",
                                   "CARAVAN_FURNITURE_MIN_SHARE": "0.9", "CARAVAN_PARSE_WORKERS": "0",
                                   "CARAVAN_EDITION": "kk", "CARAVAN_KK_BASE_URL": "http://127.0.0.1:8002",
                                   "CARAVAN_BASE_URL": "not checked: the ru edition is not crawled",
                                   "DOWNLOAD_TIMEOUT": "7"})
    assert (config.listing_pages, config.full, config.furniture, config.jobs, config.scrapy) == (
        3, True, Learning(min_share=0.9), 0, {"DOWNLOAD_TIMEOUT": "7"})
    assert (config.spec.editions, config.spec.base_url, config.spec.mode, f"{config.since:%Y-%m-%d}") == (
        "kk", "http://127.0.0.1:8002", "full", "2025-01-01")
    settings = config.to_settings(str(tmp_path / "c.db"))
    assert (settings["CARAVAN_DB"], settings.getint("DOWNLOAD_TIMEOUT"), settings["CARAVAN_SINCE"]) == (
        str(tmp_path / "c.db"), 7, "2025-01-01T00:00:00+05:00")
    assert Config.from_settings(settings) == config == Config.from_json(config.to_json())
    assert json.loads(config.to_json())["CARAVAN_FURNITURE_MIN_SHARE"] == 0.9


@pytest.mark.parametrize("given, setting, problem", [
    ({"CARAVAN_RECHECK_SCHEDULE": "1h,bad"}, "CARAVAN_RECHECK_SCHEDULE",
     "recheck schedule step 'bad' is not a duration such as 6h, 3d or 30m (e.g. CARAVAN_RECHECK_SCHEDULE="
     f"{DEFAULT_SCHEDULE})"),
    ({"CARAVAN_CLOCK": "yesterday"}, "CARAVAN_CLOCK", "'yesterday' is not a date-time such as 2026-01-20T13:00:00+00:00"),
    ({"CARAVAN_SINCE": "last week"}, "CARAVAN_SINCE", "since='last week' is not a date such as 2025-01-31"),
    ({"CARAVAN_EDITION": "en"}, "CARAVAN_EDITION", "edition 'en' is not ru, kk or all"),
    ({"CARAVAN_KK_BASE_URL": "kaz.caravan.kz"}, "CARAVAN_KK_BASE_URL",
     "base URL 'kaz.caravan.kz' is not an http(s) origin such as https://kaz.caravan.kz"),
    ({"CARAVAN_LISTING_PAGES": "-1"}, "CARAVAN_LISTING_PAGES",
     "CARAVAN_LISTING_PAGES takes a whole number of 0 or more, not '-1'"),
    ({"CARAVAN_FURNITURE_MIN_SHARE": "most"}, "CARAVAN_FURNITURE_MIN_SHARE",
     "CARAVAN_FURNITURE_MIN_SHARE takes a number of 0 or more, not 'most'"),
    ({"CARAVAN_FULL": "maybe"}, "CARAVAN_FULL", "CARAVAN_FULL takes true/false, not 'maybe'"),
    ({"CARAVAN_PARSE_WORKERS": "many"}, "CARAVAN_PARSE_WORKERS",
     "CARAVAN_PARSE_WORKERS takes auto or a whole number of 0 or more, not 'many'"),
], ids=lambda v: next(iter(v)) if isinstance(v, dict) else "")
def test_a_value_a_crawl_cannot_use_is_refused_once_naming_its_setting(given, setting, problem):
    with pytest.raises(ConfigError) as refused:
        Config.from_settings(given)
    assert (refused.value.setting, str(refused.value)) == (setting, problem)
    with pytest.raises(ConfigError):  # made directly, the same checks
        Config(**{spec.name: value for spec in fields(Config) for name, value in given.items()
                  if spec.metadata.get("setting") == name} or {"furniture": {"min_share": "most"}})


def test_an_archive_whose_runs_stored_no_config_is_read_with_the_defaults(tmp_path):
    archive = Archive(tmp_path / "caravan.db")
    try:
        assert Config.of_archive(archive) == Config()  # no run yet
        archive.begin_run("https://www.caravan.kz", "incremental", "ru")  # a run from before configs were stored
        assert Config.of_archive(archive) == Config()
        told = Config(furniture=Learning(min_share=0.9, min_pages=6), edition="ru")
        archive.begin_run("https://www.caravan.kz", "incremental", "ru", told.to_json())
        assert Config.of_archive(archive) == told
    finally:
        archive.close()


def test_scrapy_crawl_with_s_gives_the_same_config(tmp_path):
    """`scrapy crawl caravan -s ...` and Scrapyd give settings; the crawler's config is read from them once."""
    from scrapy.crawler import Crawler
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.test import get_reactor_settings

    from caravan_spider.spiders.caravan import CaravanSpider

    settings = get_project_settings()
    settings.setdict({**get_reactor_settings(), "CARAVAN_DB": str(tmp_path / "caravan.db")}, priority="project")
    settings.setdict({"CARAVAN_FURNITURE_MIN_SHARE": "0.9", "CARAVAN_PARSE_WORKERS": "0", "DOWNLOAD_TIMEOUT": "7"},
                     priority="cmdline")
    crawler = Crawler(CaravanSpider, settings)
    crawler.spider = CaravanSpider.from_crawler(crawler, base_url="http://127.0.0.1:8000", edition="ru")
    config = Config.of(crawler)
    assert config is crawler.spider.config is Config.of(crawler)
    assert config == Config(edition="ru", base_url="http://127.0.0.1:8000", furniture=Learning(min_share=0.9),
                            parse_workers=0, scrapy={"DOWNLOAD_TIMEOUT": "7"})
