"""A reviewer's cases for the life of articles (issue 11): bad settings, a Kazakh page cut short,
an article the site lists again after it was unpublished, coverage after re-extraction. Real
crawls of the sample site on loopback, real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import sqlite_utils

from caravan_spider.archive import Archive, Capture, Known, migrations
from caravan_spider.reextract import reextract
from caravan_spider.sample_site.model import KAZAKH_COLLIDING_ID, SampleSite
from caravan_spider.sample_site.server import serving
from caravan_spider.schedule import parse_clock, parse_schedule
from caravan_spider.spiders.caravan import why_fetch

from conftest import PAGES, ROOT, article_fetches, cli, crawl, in_process, rows
from faultserver import serving_faults, transform
from test_datasette import Client


def later(**delta) -> tuple[str, str]:
    clock = datetime.now(timezone.utc) + timedelta(**delta)
    return "--set", f"CARAVAN_CLOCK={clock.isoformat(timespec='seconds')}"


# --- bad settings: one line, exit 64, nothing created ---------------------------------------------
def test_a_recheck_step_too_long_for_a_date_is_refused():
    for bad in ("99999999999d", "1h,36501d", "9999999w"):
        with pytest.raises(ValueError, match="longer than 36500d"):
            parse_schedule(bad)
    assert parse_schedule("1h,36500d")[-1] == timedelta(days=36500)
    assert parse_clock("2026-01-20T13:00:00") == datetime(2026, 1, 20, 13, tzinfo=timezone.utc)
    assert parse_clock(None) is None


@pytest.mark.parametrize("setting,message", [
    ("CARAVAN_RECHECK_SCHEDULE=99999999999d", "Error: CARAVAN_RECHECK_SCHEDULE: recheck schedule step "
                                              "'99999999999d' is longer than 36500d (a century)"),
    ("CARAVAN_RECHECK_SCHEDULE=9999999d", "Error: CARAVAN_RECHECK_SCHEDULE: recheck schedule step "
                                          "'9999999d' is longer than 36500d (a century)"),
    ("CARAVAN_CLOCK=yesterday", "Error: CARAVAN_CLOCK: 'yesterday' is not a date-time such as "
                                "2026-01-20T13:00:00+00:00"),
])
def test_a_bad_schedule_setting_is_one_line_and_exit_64(tmp_path, setting, message):
    db = tmp_path / "caravan.db"
    result = in_process("crawl", "--db", str(db), "--edition", "kk", "--base-url", "http://127.0.0.1:9",
                        "--set", setting)
    assert (result.returncode, result.stderr, result.stdout) == (64, message + "\n", "")
    assert not db.exists()


@pytest.mark.e2e
@pytest.mark.parametrize("args,message", [
    (("-s", "CARAVAN_RECHECK_SCHEDULE=1h,bad"), "recheck schedule step 'bad' is not a duration such as 6h, 3d or 30m "
                                                "(e.g. CARAVAN_RECHECK_SCHEDULE=1h,6h,1d,3d,7d,30d,90d,365d)"),
    (("-a", "since=yesterday"), "since='yesterday' is not a date such as 2025-01-31"),
])
def test_scrapy_crawl_with_a_bad_setting_says_so_in_one_line(tmp_path, args, message):
    # Scrapy let asyncio log the ValueError with a 20-line traceback, after the archive was created.
    db = tmp_path / "caravan.db"
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "caravan", "-a", "edition=ru", "-a",
                             "base_url=http://127.0.0.1:9", "-s", f"CARAVAN_DB={db}", "-s", "LOG_LEVEL=WARNING", *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert [line.split("] ", 1)[1] for line in result.stderr.splitlines()] == [
        f"ERROR: could not start the crawl: {message}"]
    assert not db.exists()


@pytest.mark.parametrize("args,message", [
    (("--base-url", "kk=http://127.0.0.1:9", "--base-url", "kk=http://127.0.0.1:8"),
     "kk=http://127.0.0.1:9 and kk=http://127.0.0.1:8 both name where edition kk is fetched from: give one"),
    (("--edition", "ru", "--base-url", "http://127.0.0.1:9", "--base-url", "ru=http://127.0.0.1:9"),
     "http://127.0.0.1:9 and ru=http://127.0.0.1:9 both name where edition ru is fetched from: give one"),
])
def test_two_base_urls_for_one_edition_are_refused_not_the_last_taken(tmp_path, args, message):
    db = tmp_path / "caravan.db"
    result = in_process("crawl", "--db", str(db), *args)
    assert (result.returncode, result.stderr, result.stdout) == (64, f"Error: --base-url: {message}\n", "")
    assert not db.exists()


@pytest.mark.parametrize("args", [("--base-url", "kk="), ("--edition", "kk", "--base-url", "")])
def test_a_base_url_without_a_url_is_refused_not_the_live_site(tmp_path, args):
    db = tmp_path / "caravan.db"
    result = in_process("crawl", "--db", str(db), *args)
    assert result.returncode == 64
    assert result.stderr == f"Error: --base-url: {args[-1]!r} names no URL\n"
    assert not db.exists()


@pytest.mark.e2e
def test_a_clock_without_an_offset_is_utc(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    clock = (datetime.now(timezone.utc) + timedelta(days=400)).replace(tzinfo=None).isoformat(timespec="seconds")
    mark = len(site.requests)
    result = crawl(db, base_url, "--set", f"CARAVAN_CLOCK={clock}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert sorted(article_fetches(site, mark)) == sorted((a.path, 304) for a in site.articles.values())


# --- a Kazakh page cut short is a failure of the Kazakh post ----------------------------------------
@pytest.mark.e2e
def test_a_truncated_kazakh_page_is_a_failure_of_the_kazakh_post(tmp_path):
    ru, kk = SampleSite(articles=24), SampleSite(articles=24, edition="kk")
    db = tmp_path / "caravan.db"
    with serving(ru) as ru_url, serving_faults(kk) as (kk_url, faults):
        cut = kk.articles[KAZAKH_COLLIDING_ID]
        faults[cut.path] = transform(lambda body: body[: int(len(body) * 0.6)])  # no </html>
        result = crawl(db, f"ru={ru_url}", "--base-url", f"kk={kk_url}", "--set", "RETRY_TIMES=0")
    assert result.returncode == 0, result.stderr[-2000:]  # 1 of 48 fetches: tolerated
    assert rows(db, "SELECT edition, article_id, kind FROM crawl_problems") == [
        {"edition": "kk", "article_id": KAZAKH_COLLIDING_ID, "kind": "truncated"}]
    assert rows(db, "SELECT edition, state, reason FROM listings WHERE article_id = ? ORDER BY edition",
                [KAZAKH_COLLIDING_ID]) == [{"edition": "kk", "state": "failed", "reason": "truncated"},
                                           {"edition": "ru", "state": "archived", "reason": None}]


# --- an unpublished article the site lists again ------------------------------------------------------
def test_the_plan_asks_an_unpublished_article_a_listing_names():
    clock = datetime(2026, 3, 1, tzinfo=timezone.utc)
    gone = Known(None, '"e"', None, "2015-02-01T10:00:00+06:00", "2026-02-20T00:00:00+00:00",
                 "https://www.caravan.kz/news/x-1/", "2027-02-20T00:00:00+00:00", "unpublished")
    assert why_fetch(gone, None, now=clock) is None  # a recheck: not due for a year
    assert why_fetch(gone, None, now=clock, listed=True) == "relisted"
    assert why_fetch(gone._replace(status="live"), None, now=clock, listed=True) is None


@pytest.mark.e2e
def test_an_unpublished_article_listed_again_is_asked_at_once(tmp_path):
    site = SampleSite(articles=30)  # with one taken down, still more than one listing page
    db = tmp_path / "caravan.db"
    with serving(site) as base_url:
        assert crawl(db, base_url).returncode == 0
        article = site.newest_first()[5]
        site.unpublish(article.article_id, "404")
        assert crawl(db, base_url, *later(days=400)).returncode == 0
        assert rows(db, "SELECT status FROM articles WHERE article_id = ?", [article.article_id]) == [
            {"status": "unpublished"}]
        site.restore(article.article_id)  # back in the sitemap, the feed and the listing
        mark = len(site.requests)
        result = crawl(db, base_url)  # not due on the schedule for months
        assert result.returncode == 0, result.stderr[-2000:]
        assert article_fetches(site, mark) == [(article.path, 304)]
        assert ", 1 restored" in result.stdout.splitlines()[0]
        mark = len(site.requests)
        assert crawl(db, base_url).returncode == 0
        assert article_fetches(site, mark) == []  # live again: back on its schedule
    assert rows(db, "SELECT status FROM articles WHERE article_id = ?", [article.article_id]) == [{"status": "live"}]
    assert rows(db, "SELECT state, reason FROM listings WHERE article_id = ?", [article.article_id]) == [
        {"state": "archived", "reason": None}]
    assert [r["event"] for r in rows(db, "SELECT event FROM status_changes WHERE article_id = ? ORDER BY event_id",
                                     [article.article_id])] == ["unpublished", "restored"]


# --- coverage follows re-extraction ------------------------------------------------------------------
def test_coverage_follows_what_reextraction_adds_and_keeps_what_no_longer_parses(tmp_path):
    seed = PAGES / "seed"
    meta = json.loads((seed / "meta.json").read_text("utf-8"))
    page = (seed / "page.html").read_bytes()
    expected = json.loads((seed / "expected.json").read_text("utf-8"))
    added, removed = expected["article_id"], 845999
    removed_url = "https://www.caravan.kz/news/pustaya-stranica-845999/"
    at = "2026-01-21T07:00:00+00:00"
    archive = Archive(tmp_path / "caravan.db")
    try:
        archive.record_listed([("ru", added, meta["url"], None), ("ru", removed, removed_url, None)], "sitemap", at)
        # An older parser rejected the seed page, and took an empty page for an article.
        archive.store(Capture(edition="ru", url=meta["url"], status=200, fetched_at=at, body=page, article_id=added,
                              content_type=meta["content_type"]), None, None, "old", None)
        archive.listing_state("ru", added, "not_article", "no article text", at)
        record = {**expected, "url": removed_url, "article_id": removed, "tags": None, "authors": None}
        archive.store(Capture(edition="ru", url=removed_url, status=200, fetched_at=at, body=b"<html><body></body></html>",
                              article_id=removed, content_type="text/html; charset=UTF-8"), record, "today", "old", None)
        assert [(r["article_id"], r["state"]) for r in archive.coverage()] == [(added, "not_article"),
                                                                              (removed, "archived")]
        report = reextract(archive)
        # Re-extraction never deletes (issue 20, item 8): the empty page's article stays, named.
        assert (report.added, report.kept) == ([added], {removed: "capture 2: no headline"})
        assert [(r["article_id"], r["state"], r["reason"]) for r in archive.coverage()] == [
            (added, "archived", None), (removed, "archived", None)]
        held = {r["article_id"] for r in archive.db.query("SELECT article_id FROM articles")}
        assert held == {added, removed}
    finally:
        archive.close()



# --- Datasette on an archive made before the editions ---------------------------------------------
def test_datasette_reads_an_archive_from_before_without_errors(tmp_path):
    path = tmp_path / "caravan.db"  # the reading room's templates are named after it
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m6a_editions_and_the_life_of_articles")
    db["articles"].insert({"article_id": 845713, "url": "https://www.caravan.kz/news/x-845713/", "language": "ru",
                           "title": "Фестиваль миротворцев", "body": "Миротворцы приехали.", "views": 7})
    db.close()
    before = path.read_bytes()
    ds = Client(files=[path])
    try:
        for address in ("/caravan", "/caravan/articles", "/caravan/articles/845713", "/caravan/crawl_runs"):
            page = ds.get(address)
            assert page.status_code == 200, (address, page.text[-500:])
        assert ("made by an older caravan-archive: run <code>caravan-archive crawl --db " in ds.get("/caravan").text)
        assert ds.get("/-/changes/ru/845713").status_code == 404
    finally:
        ds.close()
    assert path.read_bytes() == before


# --- search by edition among the newest matches -------------------------------------------------------
def test_search_of_one_edition_ranks_that_editions_newest_matches(tmp_path):
    expected = json.loads((PAGES / "seed" / "expected.json").read_text("utf-8"))
    archive = Archive(tmp_path / "caravan.db")
    try:
        def store(edition: str, article_id: int, title: str) -> None:
            url = (f"https://kaz.caravan.kz/art/x-{article_id}/" if edition == "kk"
                   else f"https://www.caravan.kz/news/x-{article_id}/")
            record = {**expected, "edition": edition, "language": edition, "article_id": article_id, "url": url,
                      "title": title, "lead": None, "body": title, "word_count": len(title.split())}
            archive.store(Capture(url=url, status=200, fetched_at="2026-01-01T00:00:00+00:00", body=b"<html></html>",
                                  article_id=article_id, edition=edition), record, "today", "v", None)

        store("kk", 10, "Алматы қаласында мектеп ашылды")
        for article_id in (11, 12, 13):  # newer Russian matches, more than are ranked
            store("ru", article_id, "Алматы встречает гостей")
        archive.SEARCH_RANKED = 2
        assert [(m["edition"], m["article_id"]) for m in archive.search("Алматы", edition="kk")] == [("kk", 10)]
        assert sorted(m["article_id"] for m in archive.search("Алматы", edition="ru")) == [12, 13]
        assert sorted(m["article_id"] for m in archive.search("Алматы")) == [12, 13]
    finally:
        archive.close()
