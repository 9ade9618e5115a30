"""The incremental plan (CaravanSpider.plan) on its own: which article URLs a run fetches, and how.

A real spider from a real Scrapy crawler with the project's settings, no network: `plan` reads only
what the archive holds (`known`) and the sitemap's lastmod.
"""

from __future__ import annotations

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_reactor_settings

import caravan_spider.settings as project_settings
from caravan_spider.archive import Known, KnownArticles
from caravan_spider.spiders.caravan import CaravanSpider
from caravan_spider.urls import article_ref

BASE = "http://127.0.0.1:8000"
REF = article_ref("https://www.caravan.kz/news/festival-v-almaty-845713/")
OLD = "2025-01-10T10:00:00+05:00"  # published long ago
FETCHED = "2025-02-01T00:00:00+00:00"  # when the archive's copy was fetched
NEXT_CHECK = "2025-05-01T00:00:00+00:00"  # when the schedule wants it asked again
HELD = Known(lastmod="2025-01-20T10:00:00+05:00", etag='"v1"', last_modified="Mon, 20 Jan 2025 05:00:00 GMT",
             published_at=OLD, fetched_at=FETCHED, url=REF.url, next_check_at=NEXT_CHECK, status="live")
BEFORE_DUE = "2025-04-30T23:59:59+00:00"  # CARAVAN_CLOCK values: the run's "now" for the schedule
DUE = "2025-05-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """An empty archive: the spider opens it to read what is held; each test sets `known` itself."""
    return tmp_path_factory.mktemp("plan") / "caravan.db"


def spider_for(db, known: dict[int, Known] | None = None, clock: str = BEFORE_DUE, **arguments) -> CaravanSpider:
    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    # As Crawler.crawl does: the spider first (its arguments become settings), then the settings applied.
    crawler = Crawler(CaravanSpider, {**get_reactor_settings(), **settings, "CARAVAN_DB": str(db), "CARAVAN_CLOCK": clock})
    spider = CaravanSpider.from_crawler(crawler, base_url=BASE, **{"edition": "ru", **arguments})
    crawler._apply_settings()
    crawler.spider = spider
    # The archive knows articles by (edition, article_id).
    spider.known = KnownArticles.of({("ru", article_id): held for article_id, held in (known or {}).items()})
    return spider


def planned(spider) -> dict:
    return {key: value for key, value in spider.crawler.stats.get_stats().items() if key.startswith("caravan/")}


def test_a_new_article_is_fetched_from_the_crawl_origin_without_conditions(db):
    spider = spider_for(db)
    request = spider.plan(REF, None)
    assert request.url == f"{BASE}/news/festival-v-almaty-845713/"
    assert request.callback == spider.parse_article and request.errback == spider.article_failed
    assert request.meta["article_id"] == 845713 and request.meta["lastmod"] is None
    assert request.meta["edition"] == "ru" and request.meta["dont_redirect"] is True
    # 404/410 and redirects reach parse_article: for a known article they mean it is gone.
    assert request.meta["handle_httpstatus_list"] == [304, 404, 410, 301, 302, 303, 307, 308]
    assert "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers
    assert planned(spider) == {"caravan/planned/new": 1}


def test_an_article_is_planned_once_per_run(db):
    spider = spider_for(db)
    assert spider.plan(REF, None) is not None
    assert spider.plan(REF, "2026-01-01") is None
    assert planned(spider) == {"caravan/planned/new": 1}


def test_an_old_unchanged_article_is_skipped(db):
    spider = spider_for(db, {845713: HELD})
    assert spider.plan(REF, None) is None
    assert spider.plan(REF, "2025-01-20T10:00:00+05:00") is None  # the lastmod our copy has
    assert planned(spider) == {"caravan/skipped/unchanged": 2}


@pytest.mark.parametrize("lastmod", ["2025-03-01T12:00:00+05:00", "2025-02-01T05:00:00+05:00"],
                         ids=["newer than our copy", "the second we fetched it"])
def test_a_newer_lastmod_is_asked_for_conditionally(db, lastmod):
    spider = spider_for(db, {845713: HELD})
    request = spider.plan(REF, lastmod)
    assert request.headers["If-None-Match"] == b'"v1"'
    assert request.headers["If-Modified-Since"] == b"Mon, 20 Jan 2025 05:00:00 GMT"
    assert request.meta["lastmod"] == lastmod
    assert planned(spider) == {"caravan/planned/lastmod": 1}


def test_an_article_due_for_its_check_is_revisited_conditionally(db):
    spider = spider_for(db, {845713: HELD}, clock=DUE)
    request = spider.plan(REF, None)
    assert request.headers["If-None-Match"] == b'"v1"'
    assert planned(spider) == {"caravan/planned/due": 1}


def test_an_article_not_yet_due_is_not_revisited(db):
    spider = spider_for(db, {845713: HELD}, clock=BEFORE_DUE)
    assert spider.plan(REF, None) is None
    assert planned(spider) == {"caravan/skipped/unchanged": 1}


def test_due_articles_are_asked_even_when_no_listing_names_them(db):
    gone_from_sitemap = Known(None, None, None, OLD, FETCHED, url="https://www.caravan.kz/news/udalena-700002/",
                              next_check_at=NEXT_CHECK, status="unpublished")
    spider = spider_for(db, {845713: HELD, 700002: gone_from_sitemap}, clock=DUE)
    assert [r.url for r in spider._rechecks()] == [f"{BASE}/news/udalena-700002/", f"{BASE}/news/festival-v-almaty-845713/"]
    assert planned(spider) == {"caravan/planned/due": 2}


def test_a_link_to_the_other_edition_is_not_planned_by_a_one_edition_crawl(db):
    spider = spider_for(db)
    assert spider.plan(article_ref("https://kaz.caravan.kz/art/zhanalyq-845713/"), None) is None
    assert planned(spider) == {}


def test_full_revisits_everything_held(db):
    spider = spider_for(db, {845713: HELD}, full="true")
    assert spider.mode == "full"
    assert spider.plan(REF, None).headers["If-None-Match"] == b'"v1"'
    assert planned(spider) == {"caravan/planned/full": 1}


def test_since_skips_what_changed_before_it_and_revisits_what_was_published_after(db):
    spider = spider_for(db, {845713: HELD}, since="2025-01-01")
    assert spider.mode == "since 2025-01-01"
    # Even if new; a day's lastmod is the whole day in any zone (lastmods.py): the day before is not "before".
    assert spider.plan(article_ref("https://www.caravan.kz/news/staroe-delo-700001/"), "2024-12-30") is None
    assert spider.plan(REF, HELD.lastmod) is not None  # held, published on 2025-01-10: since it
    assert planned(spider) == {"caravan/planned/since": 1}


def test_a_since_that_is_no_date_is_refused(db):
    with pytest.raises(ValueError, match=r"since='last week' is not a date such as 2025-01-31"):
        spider_for(db, since="last week")


def test_a_lastmod_is_read_as_every_instant_it_may_mean():
    from datetime import datetime, timezone

    from caravan_spider.lastmods import Lastmod, plausible, read

    def utc(*args):
        return datetime(*args, tzinfo=timezone.utc)

    assert read("2025-06-01T10:00:00+05:00") == Lastmod(utc(2025, 6, 1, 5), utc(2025, 6, 1, 5))
    assert read("2025-06-01T05:00:00Z") == read("2025-06-01T10:00:00+05:00")  # the same instant: no change
    # No zone: any wall clock from UTC+14 to UTC−12; a date is the whole day, a month the whole month.
    assert read("2025-06-01T10:00:00") == Lastmod(utc(2025, 5, 31, 20), utc(2025, 6, 1, 22))
    assert read("2025-06-01") == Lastmod(utc(2025, 5, 31, 10), utc(2025, 6, 2, 12))
    assert read("2025-12") == Lastmod(utc(2025, 11, 30, 10), utc(2026, 1, 1, 12))
    assert read("2025") == Lastmod(utc(2024, 12, 31, 10), utc(2026, 1, 1, 12))
    for nothing in ("", "вчера", "2025-13", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "9999-12-31"):
        assert read(nothing) is None, nothing
    now = utc(2026, 1, 20, 12)
    assert plausible("2026-01-21T11:00:00+00:00", now) is not None  # a server clock a little ahead
    assert plausible("2026-01-21T13:00:00+00:00", now) is None  # more than a day ahead
    assert plausible("1990-12-31T23:00:00+00:00", now) is None  # older than the web
    assert plausible("0001-01-01T00:00:00", now) is None


@pytest.mark.parametrize(("listed", "why"), [
    ("2025-01-20T10:00:00+05:00", None),  # the one our copy answers
    ("2025-01-20T05:00:00Z", None),  # the same instant, written otherwise
    ("2025-01-19T10:00:00+05:00", "lastmod"),  # earlier, yet another: a server clock put back
    ("2025-01-20T10:00:00", "lastmod"),  # the same wall time without its zone: it may be another instant
], ids=["same", "same-instant", "earlier", "no-zone"])
def test_any_lastmod_but_the_recorded_one_is_asked_for(db, listed, why):
    spider = spider_for(db, {845713: HELD})
    request = spider.plan(REF, listed)
    assert (request.meta["lastmod"] if request else None) == (listed if why else None)
    assert planned(spider) == ({"caravan/planned/lastmod": 1} if why else {"caravan/skipped/unchanged": 1})
