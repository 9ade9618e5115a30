"""A crawl of a server on loopback runs at full speed, decided once, in the spider (so `scrapy crawl`
gets it as well as `caravan-archive crawl`); the live site keeps the polite settings; -s wins."""

from __future__ import annotations

from scrapy.crawler import Crawler

import caravan_spider.settings as project_settings
from caravan_spider.spiders.caravan import FULL_SPEED, CaravanSpider

POLITE = {"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 1.0, "DOWNLOAD_DELAY_JITTER": 0.5,
          "CONCURRENT_REQUESTS": 4, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}


def speed_for(tmp_path, base_url: str, **cmdline) -> dict:
    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    crawler = Crawler(CaravanSpider, {**settings, "CARAVAN_DB": str(tmp_path / "caravan.db")})
    for name, value in cmdline.items():
        crawler.settings.set(name, value, priority="cmdline")
    # as Crawler.crawl() does, before it freezes them
    CaravanSpider.from_crawler(crawler, base_url=base_url, edition="ru")
    return {name: crawler.settings[name] for name in POLITE}


def test_loopback_runs_at_full_speed(tmp_path):
    assert speed_for(tmp_path, "http://127.0.0.1:8000") == FULL_SPEED
    assert speed_for(tmp_path, "http://localhost:8000") == FULL_SPEED


def test_the_live_site_keeps_the_polite_settings(tmp_path):
    assert speed_for(tmp_path, "https://www.caravan.kz") == POLITE


def test_a_setting_given_on_the_command_line_wins(tmp_path):
    assert speed_for(tmp_path, "http://127.0.0.1:8000", DOWNLOAD_DELAY=0.25) == {**FULL_SPEED, "DOWNLOAD_DELAY": 0.25}
