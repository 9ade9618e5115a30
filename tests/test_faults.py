"""Never silently wrong (issue 8): each fault of a real server ends as a clear outcome, never as bad
rows or a green exit. Real crawls through the real CLI against tests/faultserver.py on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caravan_spider.archive import Archive
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import serving

from conftest import archive_refusing, article_fetches, article_records, crawl, rows, wait_for_articles
from faultserver import another_site, bomb, redirect, replace, serving_faults, short_of_length, status, transform, truncate

pytestmark = pytest.mark.e2e
QUICK_RETRIES = ("--set", "CARAVAN_RETRY_BACKOFF=0.05", "--set", "RETRY_TIMES=1")


@pytest.fixture(scope="session")
def clean(tmp_path_factory):
    """Records of a clean crawl of a fault-free sample site of n articles: what a crawl that met
    faults must end with once they are gone (the sample site is the same for the same n)."""
    made: dict[int, dict] = {}

    def records(articles: int) -> dict:
        if articles not in made:
            db = tmp_path_factory.mktemp("clean") / "caravan.db"
            with serving(SampleSite(articles=articles)) as base_url:
                assert crawl(db, base_url).returncode == 0
            made[articles] = article_records(db)
        return made[articles]

    return records


@pytest.fixture
def faulty():
    site = SampleSite(articles=24)
    with serving_faults(site) as (base_url, faults):
        yield site, base_url, faults


def run_row(db, run_id: int) -> dict:
    [row] = rows(db, "SELECT * FROM crawl_runs WHERE run_id = ?", [run_id])
    row["errors_by_kind"] = json.loads(row["errors_by_kind"] or "{}")
    return row


def problems(db, run_id: int) -> list[tuple[str, int | None]]:
    return sorted((r["kind"], r["article_id"]) for r in rows(
        db, "SELECT kind, article_id FROM crawl_problems WHERE run_id = ?", [run_id]))


def fetch_count(site, path: str, since: int = 0) -> int:
    return sum(1 for _, p, _ in site.requests[since:] if p.split("?")[0] == path)


# --- 1. success when nothing was archived -------------------------------------------------------
def test_a_site_that_is_down_fails_the_run_at_once(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "caravan.db"
    started = time.monotonic()
    result = crawl(db, f"http://127.0.0.1:{port}")
    elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert run["status"] == "failed"
    assert run["message"].startswith(f"127.0.0.1:{port} could not be reached (DownloadConnectionRefusedError")
    assert "retrying" not in result.stderr  # no backoff waits: nothing there to wait for
    assert f"Crawl run 1 failed" in result.stdout
    # Every line says what happened; none is a traceback (Scrapy's robots.txt middleware logs one).
    assert "Traceback" not in result.stderr and "  File " not in result.stderr
    assert (f"robots.txt of 127.0.0.1:{port} could not be read (DownloadConnectionRefusedError: "
            in result.stderr)
    print(f"site down reported in {elapsed:.1f} s")


def test_every_article_failing_fails_the_run_and_the_next_run_retries(faulty, tmp_path, clean):
    site, base_url, faults = faulty
    for article in site.articles.values():
        faults[article.path] = status(500)
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url, *QUICK_RETRIES)
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["articles_new"], run["articles_failed"]) == ("failed", 0, 24)
    assert run["message"] == "24 of 25 planned article fetches failed"  # and the stale sitemap entry
    # Each article once, by its final answer, though each was asked twice.
    assert run["errors_by_kind"] == {"http_500": 24}
    assert problems(db, 1) == sorted(("http_500", a) for a in site.articles)
    assert "http_500" in cli_runs(db)
    faults.clear()
    assert crawl(db, base_url).returncode == 0
    assert article_records(db) == clean(24)


def cli_runs(db) -> str:
    from conftest import cli

    result = cli("runs", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fault", [
    status(500),
    replace(b"<html><body><h1>Sitemap</h1><p>Temporarily unavailable</p></body></html>"),
], ids=["answers-500", "answers-html"])
def test_an_unreadable_post_sitemap_makes_the_run_incomplete(tmp_path, fault, clean):
    site = SampleSite(articles=60)  # more than the feed and the first listing pages show
    with serving_faults(site) as (base_url, faults):
        faults["/post-sitemap.xml"] = fault
        db = tmp_path / "caravan.db"
        result = crawl(db, base_url, *QUICK_RETRIES)
        faults.clear()
        second = crawl(db, base_url)
    assert result.returncode == 4, result.stderr[-2000:]
    run = run_row(db, 1)
    assert run["status"] == "incomplete"
    kind = "sitemap:http_500" if "500" in fault.name else "sitemap:sitemap_unreadable"
    assert run["errors_by_kind"] == {kind: 1}
    assert run["message"].startswith("1 sitemap, feed or listing URL(s) could not be read")
    # The feed and the first listing pages still bring the newest articles, but not all.
    assert run["articles_new"] == 40
    assert second.returncode == 0
    assert article_records(db) == clean(60)


def test_a_storage_error_fails_the_run_and_stops_it(faulty, tmp_path):
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    archive_refusing(db, "CREATE TRIGGER refuse BEFORE INSERT ON captures "
                         "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    result = crawl(db, base_url)
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert run["status"] == "failed"
    assert run["message"] == f"could not store into {db}: IntegrityError: disk says no"
    assert run["errors_by_kind"]["storage"] >= 1
    assert rows(db, "SELECT count(*) AS n FROM articles") == [{"n": 0}]
    assert "Traceback" not in result.stderr


def test_a_damaged_capture_dictionary_fails_the_run_and_stops_it(faulty, tmp_path):
    """Storing a capture reads the dictionary it is compressed with: one that is no dictionary any
    more made every page's store raise (a traceback each) while the run said "finished", exit 0."""
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    conn = sqlite3.connect(db)
    [(dictionary_id,)] = conn.execute("SELECT max(dictionary_id) FROM capture_dictionaries").fetchall()
    conn.execute("UPDATE capture_dictionaries SET content = zeroblob(100)")
    conn.commit()
    conn.close()
    for article in site.newest_first()[:3]:  # changed: their new captures are stored
        faults[article.path] = transform(lambda body: body.replace(b"</p>", " (обновлено)</p>".encode(), 1))
    result = crawl(db, base_url, "--full")
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 2)
    assert run["status"] == "failed"
    assert run["message"] == (f"could not store into {db}: CaptureFormatError: capture dictionary {dictionary_id} "
                              "cannot be read (invalid Zstandard dictionary); the archive is damaged: restore it "
                              "from a backup")
    assert run["errors_by_kind"]["storage"] >= 1
    assert "Traceback" not in result.stderr


# --- 2. truncated pages -----------------------------------------------------------------------------
def test_truncated_pages_are_never_stored_and_the_next_run_repairs_them(faulty, tmp_path, clean):
    site, base_url, faults = faulty
    cut = site.newest_first()[:10]
    for article in cut:
        faults[article.path] = truncate(0.6)
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 4, result.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["articles_new"], run["articles_failed"]) == ("incomplete", 14, 10)
    assert run["errors_by_kind"] == {"truncated": 10}
    held = article_records(db)
    assert all(a.article_id not in held for a in cut)
    assert all(held[i] == r for i, r in clean(24).items() if i in held)
    cut_ids = ",".join(str(a.article_id) for a in cut)
    assert rows(db, f"SELECT count(*) AS n FROM captures WHERE article_id IN ({cut_ids})") == [{"n": 0}]
    faults.clear()
    mark = len(site.requests)
    assert crawl(db, base_url).returncode == 0
    assert sorted(article_fetches(site, mark)) == sorted((a.path, 200) for a in cut)
    assert article_records(db) == clean(24)


@pytest.mark.parametrize("fault", [
    truncate(0.6),
    short_of_length(0.6),
    transform(lambda body: body[: int(len(body) * 0.6)]),  # whole as far as HTTP knows, no </html>
], ids=["no-content-length", "short-of-content-length", "no-closing-html"])
def test_a_cut_page_neither_replaces_the_article_nor_lends_its_etag(faulty, tmp_path, fault):
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    article = site.newest_first()[4]
    before = rows(db, "SELECT body, etag, content_hash FROM articles WHERE article_id = ?", [article.article_id])
    faults[article.path] = fault
    result = crawl(db, base_url, "--full", *QUICK_RETRIES)
    assert result.returncode == 0, result.stderr[-2000:]  # 1 of 24: listed, retried, not fatal
    run = run_row(db, 2)
    assert run["errors_by_kind"] == {"truncated": 1} and run["articles_failed"] == 1
    assert problems(db, 2) == [("truncated", article.article_id)]
    assert rows(db, "SELECT body, etag, content_hash FROM articles WHERE article_id = ?", [article.article_id]) == before
    faults.clear()
    mark = len(site.requests)
    assert crawl(db, base_url, "--full").returncode == 0
    # The whole page's ETag is still the one asked with: an unchanged page costs a 304.
    assert article_fetches(site, mark).count((article.path, 304)) == 1


def test_a_much_shorter_text_is_held_back_until_seen_twice(faulty, tmp_path):
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    article = next(a for a in site.newest_first() if a.layout != "legacy" and len(a.body_paragraphs()) >= 3)
    last = article.body_paragraphs()[-1].encode()
    first = article.body_paragraphs()[0].encode()

    def shorten(body: bytes) -> bytes:  # keep the first paragraph only, the page stays well-formed
        start, end = body.index(first) + len(first), body.index(last) + len(last)
        return body[:start] + body[end:]

    faults[article.path] = transform(shorten)
    before = article_records(db)[article.article_id]
    assert crawl(db, base_url, "--full").returncode == 0
    assert run_row(db, 2)["errors_by_kind"] == {"much_shorter": 1}
    assert article_records(db)[article.article_id] == before
    # The same shorter text again: the editor cut it, and the archive follows.
    assert crawl(db, base_url, "--full").returncode == 0
    assert run_row(db, 3)["errors_by_kind"] == {}
    after = article_records(db)[article.article_id]
    assert after["word_count"] < before["word_count"] * 0.5


# --- 3. one bad answer hides an article ---------------------------------------------------------
def test_not_article_answers_are_asked_again_and_do_not_cause_drift(faulty, tmp_path, clean):
    site, base_url, faults = faulty
    newest = site.newest_first()
    # An empty answer is a failed fetch (asked again by the next run); the others are answers.
    empty, not_found, gone = newest[0], newest[1:8], newest[8]
    faults[empty.path] = replace(b"")
    for article in not_found:
        faults[article.path] = replace(render.not_found_page(site.anchor).encode())
    faults[gone.path] = status(404)
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]  # not-article pages are not markup drift
    run = run_row(db, 1)
    assert (run["status"], run["articles_new"], run["not_articles"], run["articles_failed"]) == (
        "finished", 15, 8, 1)  # 7 + the stale one; the empty answer, 1 of 25, is tolerated
    # Asked again too soon: the first interval (CARAVAN_RECHECK_NOT_ARTICLE_HOURS) has not passed.
    mark = len(site.requests)
    assert crawl(db, base_url).returncode == 3  # its one planned fetch, the empty one, failed again
    assert article_fetches(site, mark) == [(empty.path, "replaced")] and fetch_count(site, not_found[0].path, mark) == 0
    # Once it has, each is asked again; the 404 is not.
    faults.clear()
    mark = len(site.requests)
    assert crawl(db, base_url, "--set", "CARAVAN_RECHECK_NOT_ARTICLE_HOURS=0").returncode == 0
    assert sorted(article_fetches(site, mark)) == sorted((a.path, 200) for a in [empty, *not_found])
    records = article_records(db)
    assert len(records) == 23 and gone.article_id not in records
    assert all(records[a.article_id] == clean(24)[a.article_id] for a in [empty, *not_found])


def test_another_sites_page_at_an_article_address_is_no_article_and_is_asked_again(faulty, tmp_path, clean):
    """A server that answers an article address with another publisher's page (canonical link on
    www.wsj.com, og:site_name WSJ, in English) was read by the generic layout and stored as the
    article, labelled ru."""
    site, base_url, faults = faulty
    article = next(a for a in site.newest_first() if a.layout == "today" and a.with_metadata and a.language == "ru")
    faults[article.path] = another_site()
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    run = run_row(db, 1)
    # (the sample site's not-found page of an article it lists is the other not-article answer)
    assert (run["status"], run["articles_new"], run["not_articles"], run["articles_failed"]) == ("finished", 23, 2, 0)
    assert article.article_id not in article_records(db)
    assert rows(db, "SELECT state, reason FROM listings WHERE article_id = ?", [article.article_id]) == [
        {"state": "not_article", "reason": "another site's page (www.wsj.com)"}]
    # Once the site serves it right, the next run asks for it again and stores it as a clean crawl does.
    faults.clear()
    mark = len(site.requests)
    assert crawl(db, base_url, "--set", "CARAVAN_RECHECK_NOT_ARTICLE_HOURS=0").returncode == 0
    assert article_fetches(site, mark) == [(article.path, 200)]
    assert article_records(db)[article.article_id] == clean(24)[article.article_id]


def test_a_capture_of_only_whitespace_does_not_stop_learning(faulty, tmp_path):
    """A 200 answer of a newline was stored as a capture without lines (an empty answer is a failed
    fetch now, and stores nothing, but archives keep such captures); learning parses it, and lxml
    refused a document of only whitespace ("Document is empty"): the run ended with a traceback, no
    furniture, no compaction, and so did every later run."""
    import hashlib
    from datetime import datetime, timezone

    from caravan_spider import boilerplate

    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    conn = sqlite3.connect(db)  # as an older version stored it: the body as fetched, no dictionary, no lines
    conn.execute("INSERT INTO captures (article_id, edition, url, status, content_type, fetched_at, sha256, size, "
                 "compression, body) VALUES (?, 'ru', ?, 200, 'text/html', ?, ?, 2, 'identity', ?)",
                 [site.newest_first()[0].article_id, base_url + site.newest_first()[0].path,
                  datetime.now(timezone.utc).isoformat(timespec="seconds"), hashlib.sha256(b" \n").hexdigest(),
                  b" \n"])
    conn.commit()
    conn.close()
    result = crawl(db, base_url)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE status = 200 AND size = 2") == [{"n": 1}]
    learned = rows(db, "SELECT line, pages FROM furniture ORDER BY line")
    assert len(learned) > 20
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE dictionary_id IS NULL") == [{"n": 0}]  # compacted
    archive = Archive(db, create=False)
    try:
        archive.db.execute("DELETE FROM capture_lines")
        archive.db.execute("DELETE FROM furniture")
        assert boilerplate.learn(archive) == [boilerplate.Learned("ru", 26, len(learned))]
    finally:
        archive.close()
    assert rows(db, "SELECT line, pages FROM furniture ORDER BY line") == learned


def test_a_damaged_capture_that_learning_reads_does_not_stop_compaction(faulty, tmp_path):
    """Compaction leaves a damaged capture as stored and counts it; learning cannot count the lines
    of a capture it cannot read and says so. Neither may stop the other: one damaged capture in the
    window stopped both at the end of every run, and early captures were never stored again."""
    import gzip
    import hashlib

    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    archive = Archive(db, create=False)
    try:
        copies = [(capture, archive.decompress_capture(capture)) for capture in list(archive.iter_captures())[:3]]
    finally:
        archive.close()
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER captures_never_altered")
    for capture, body in copies:  # as an older version stored them: gzip, no lines
        conn.execute("INSERT INTO captures (article_id, edition, url, status, content_type, fetched_at, sha256, size, "
                     "compression, body) VALUES (?, 'ru', ?, 200, ?, ?, ?, ?, 'gzip', ?)",
                     [capture["article_id"], capture["url"], capture["content_type"], capture["fetched_at"],
                      hashlib.sha256(body).hexdigest(), len(body), gzip.compress(body)])
    conn.execute("UPDATE captures SET body = substr(body, 1, 40) WHERE capture_id = 1")
    conn.execute("DELETE FROM capture_lines WHERE capture_id = 1")  # stored without lines: learning reads it
    conn.commit()
    conn.close()
    result = crawl(db, base_url)
    assert "Traceback" not in result.stderr
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE compression = 'gzip'") == [{"n": 0}]
    assert rows(db, "SELECT capture_id FROM captures WHERE dictionary_id IS NOT (SELECT max(dictionary_id) "
                    "FROM capture_dictionaries)") == [{"capture_id": 1}]  # all but the damaged one
    assert f"furniture not learned: capture 1 in {db}: its zstd bytes cannot be read" in result.stderr


def test_the_recheck_interval_doubles_with_each_miss():
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from caravan_spider.archive import Known
    from caravan_spider.spiders.caravan import not_article_recheck_due

    spider = SimpleNamespace(recheck_hours=1.0)

    def due(spider, known):  # the clock is a parameter of the pure function
        return not_article_recheck_due(known, datetime.now(timezone.utc), spider.recheck_hours)

    def known(hours_ago: float, misses: int) -> Known:
        at = (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat(timespec="seconds")
        return Known(None, None, None, None, at, is_article=False, misses=misses)

    assert [due(spider, known(0.9, 1)), due(spider, known(1.1, 1))] == [False, True]
    assert [due(spider, known(3.9, 3)), due(spider, known(4.1, 3))] == [False, True]
    assert [due(spider, known(29 * 24, 20)), due(spider, known(30 * 24 + 1, 20))] == [False, True]  # at most 30 days


# --- 4. one article overwrites another ---------------------------------------------------------
def test_a_page_whose_canonical_names_another_post_overwrites_nothing(faulty, tmp_path, clean):
    site, base_url, faults = faulty
    victim, impostor = [a for a in site.newest_first() if a.layout != "legacy"][:2]
    faults[impostor.path] = transform(lambda body: body.replace(impostor.path.encode(), victim.path.encode()))
    db = tmp_path / "caravan.db"
    for run_id, args in ((1, ()), (2, ("--full",))):
        result = crawl(db, base_url, *args)
        assert result.returncode == 0, result.stderr[-2000:]
        assert problems(db, run_id) == [("canonical_conflict", impostor.article_id)]
        assert run_row(db, run_id)["errors_by_kind"] == {"canonical_conflict": 1}
        records = article_records(db)
        assert records[victim.article_id] == clean(24)[victim.article_id]
        assert impostor.article_id not in records
    [problem] = rows(db, "SELECT detail FROM crawl_problems WHERE run_id = 1")
    assert f"calls itself article {victim.article_id}" in problem["detail"]
    assert rows(db, "SELECT count(*) AS n FROM revisions WHERE article_id = ?", [victim.article_id]) == [{"n": 1}]


# --- 6. memory: gzip bombs ---------------------------------------------------------------------------
def test_gzip_bombs_are_refused_at_the_size_limit(faulty, tmp_path):
    site, base_url, faults = faulty
    bombed = site.newest_first()[:3]
    for article in bombed:
        faults[article.path] = bomb(1024 ** 3)  # ~1 MB on the wire, 1 GiB decoded
    faults["/post-sitemap.xml"] = bomb(1024 ** 3, content_type="application/x-gzip", encoded=False,
                                       prefix=b'<?xml version="1.0"?><urlset>')
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 4, result.stderr[-2000:]
    run = run_row(db, 1)
    assert run["errors_by_kind"] == {"too_large": 3, "sitemap:sitemap_unreadable": 1}
    [detail] = [r["detail"] for r in rows(db, "SELECT detail FROM crawl_problems WHERE source = 'sitemap'")]
    assert "could not be decompressed within CARAVAN_SITEMAP_MAXSIZE (52428800 B)" in detail
    assert all(a.article_id not in article_records(db) for a in bombed)


def test_a_page_of_a_million_tiny_elements_is_refused_and_tried_again(faulty, tmp_path, clean):
    """A 13 MB page of 1.1 million tiny <p> took a parse worker 3 GB and 2 minutes (a crawl of 8 such
    pages peaked at 5.8 GB): the parser refuses it before it builds the tree, the run counts and
    names it, its bytes are kept, and a later run that gets the real page archives the article."""
    site, base_url, faults = faulty
    huge = site.newest_first()[:2]
    tiny = b"<p>tiny</p>\n" * 1_100_000
    for article in huge:
        faults[article.path] = transform(lambda body: body.replace(b"</body>", tiny + b"</body>"))
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    run = run_row(db, 1)
    # (the sample site's removed article, which answers «Страница не найдена», is the third not article)
    assert (run["status"], run["articles_new"], run["not_articles"], run["errors_by_kind"]) == ("finished", 22, 3, {})
    assert rows(db, "SELECT state, reason FROM listings WHERE article_id IN (?, ?)", [a.article_id for a in huge]) == [
        {"state": "not_article", "reason": "markup too large (more than 30,000 tags)"}] * 2
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE size > 13000000") == [{"n": 2}]
    records = article_records(db)
    assert all(a.article_id not in records for a in huge)
    faults.clear()
    assert crawl(db, base_url, "--set", "CARAVAN_RECHECK_NOT_ARTICLE_HOURS=0").returncode == 0
    assert article_records(db) == clean(24)


def test_a_windows_1251_page_that_names_no_charset_is_archived_in_russian(faulty, tmp_path, clean):
    """The 2015 pages are windows-1251, named only in a <meta> tag. Without it (no charset in the
    header, no BOM) the page was read as UTF-8 and archived as U+FFFD, exit 0."""
    site, base_url, faults = faulty
    legacy = [a for a in site.newest_first() if a.encoding == "windows-1251"]
    assert len(legacy) == 2
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251" />'
    for article in legacy:
        assert meta in render.article_legacy(article).encode("windows-1251")
        faults[article.path] = transform(lambda body: body.replace(meta, b""))
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert [status for _, path, status in site.requests if path in {a.path for a in legacy}] == ["transformed"] * 2
    assert article_records(db) == clean(24)
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE title || lead || body LIKE '%' || char(65533) || '%'") == [
        {"n": 0}]


# --- 7. discovery loops ---------------------------------------------------------------------------------
def test_a_sitemap_index_that_lists_itself_is_read_once(faulty, tmp_path):
    site, base_url, faults = faulty
    faults["/sitemap_index.xml"] = transform(lambda body: body.replace(
        b"<sitemap>", f"<sitemap><loc>{base_url}/sitemap_index.xml</loc></sitemap><sitemap>".encode(), 1))
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url, "--set", "DUPEFILTER_CLASS=scrapy.dupefilters.BaseDupeFilter")
    assert result.returncode == 0, result.stderr[-2000:]
    discovery = ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml", "/feed/", "/news/", "/news/page/2/"]
    assert [fetch_count(site, path) for path in discovery] == [1] * len(discovery)
    assert len(article_records(db)) == 24


# --- 8. leaving the site ---------------------------------------------------------------------------------
def test_redirects_off_the_origin_are_refused_and_counted(faulty, tmp_path):
    site, base_url, faults = faulty
    elsewhere_site = SampleSite(articles=24)
    port = base_url.rsplit(":", 1)[1]
    with serving(elsewhere_site) as elsewhere:
        to_port, to_host = site.newest_first()[:2]
        faults[to_port.path] = redirect(elsewhere + to_port.path)
        faults[to_host.path] = redirect(f"http://localhost:{port}{to_host.path}")
        db = tmp_path / "caravan.db"
        result = crawl(db, base_url)
    assert result.returncode == 4, result.stderr[-2000:]  # 2 of 25 is more than the 5 % tolerated
    assert elsewhere_site.requests == []
    run = run_row(db, 1)
    assert run["status"] == "incomplete"
    assert run["errors_by_kind"] == {"off_origin_redirect": 2, "refused_redirects": 2}
    assert problems(db, 1) == sorted([("off_origin_redirect", to_port.article_id),
                                      ("off_origin_redirect", to_host.article_id)])
    assert len(article_records(db)) == 22


# --- 11. logs, resume, Ctrl-C, remote control ----------------------------------------------------
def test_logs_never_hold_page_bytes(faulty, tmp_path):
    site, base_url, faults = faulty
    marker = "НЕ-ДОЛЖНО-БЫТЬ-В-ЖУРНАЛЕ"
    page = f"<html><body class='tag'><h1>Тег</h1><p>{marker * 20000}</p></body></html>".encode()
    article = site.newest_first()[0]
    faults[article.path] = replace(page)
    result = crawl(tmp_path / "caravan.db", base_url, "--set", "LOG_LEVEL=DEBUG")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Dropped: not an article: {base_url}{article.path} (tag page)" in result.stderr
    assert marker not in result.stderr and marker.encode("unicode_escape").decode() not in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) < 3000


def test_a_listing_shorter_than_the_pages_asked_for_is_no_failure(tmp_path):
    """CARAVAN_LISTING_PAGES=2 on a site whose listing has one page: page 2 answers 404, which says
    the listing ends there (it was a false alarm, exit 4, at every run on a small site or mirror).
    Page 1 answering 404 is still a listing that could not be read."""
    site = SampleSite(articles=12)  # one listing page of 20
    with serving_faults(site) as (base_url, faults):
        db = tmp_path / "caravan.db"
        short = crawl(db, base_url, *QUICK_RETRIES)
        faults["/news/"] = status(404)
        missing = crawl(tmp_path / "other.db", base_url, *QUICK_RETRIES)
    assert short.returncode == 0, short.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["errors_by_kind"], run["articles_new"]) == ("finished", {}, 12)
    assert "could not be read" not in short.stderr
    assert missing.returncode == 4, missing.stderr[-2000:]
    assert run_row(tmp_path / "other.db", 1)["errors_by_kind"] == {"listing:http_404": 1}


def _late(fault, seconds: float = 1.0):
    def answer(handler, path):
        time.sleep(seconds)
        fault(handler, path)
    return answer


@pytest.mark.parametrize("late", ["/news/", "/news/page/2/"])
def test_a_listing_page_the_page_before_links_to_answering_404_is_a_failure(tmp_path, late):
    """Page 1 links to page 2 («Следующая»), so page 2 answering 404 is a broken site, not the end
    of a short listing: the run is incomplete, as for page 1, whichever of the two answers first."""
    site = SampleSite(articles=30)  # two listing pages of 20: page 1 links to page 2
    with serving_faults(site) as (base_url, faults):
        faults["/news/page/2/"] = status(404)
        faults[late] = _late(faults.get(late) or transform(lambda body: body))
        broken = crawl(tmp_path / "caravan.db", base_url, *QUICK_RETRIES)
    assert broken.returncode == 4, broken.stderr[-2000:]
    assert run_row(tmp_path / "caravan.db", 1)["errors_by_kind"] == {"listing:http_404": 1}
    assert "listing " in broken.stderr and "/news/page/2/ could not be read" in broken.stderr


def test_remote_control_and_telnet_are_off_and_never_loaded():
    """No extension listens on a port; the crawl does not even import the remote control (its
    module imports aiohttp: 0.2 s of CPU at every start)."""
    # what Scrapy's ExtensionManager loads (scrapy/extension.py), in a fresh interpreter
    code = ("import sys; from scrapy.utils.project import get_project_settings; "
            "from scrapy.utils.conf import build_component_list; from scrapy.utils.misc import load_object; "
            "listed = get_project_settings().get_component_priority_dict_with_base('EXTENSIONS'); "
            "names = sorted(load_object(path).__name__ for path in build_component_list(listed)); "
            "print(names, 'aiohttp' in sys.modules, 'scrapy.extensions.telnet' in sys.modules)")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "caravan_spider.settings"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    names, aiohttp, telnet = out.rsplit(" ", 2)
    assert (aiohttp, telnet.strip()) == ("False", "False")
    assert "RemoteControl" not in names and "TelnetConsole" not in names and "'Progress'" in names
    # the base list is Scrapy's own but for those two: an upgrade that adds one shows here
    from scrapy.settings import default_settings

    from caravan_spider import settings

    assert settings.EXTENSIONS_BASE == {name: order for name, order in default_settings.EXTENSIONS_BASE.items()
                                        if not name.endswith((".TelnetConsole", ".RemoteControl"))}


def test_a_resumed_jobdir_run_fetches_no_article_twice(tmp_path):
    site = SampleSite(articles=120)
    with serving(site) as base_url:
        db, job = tmp_path / "caravan.db", tmp_path / "job"
        slow = ["--set", "DOWNLOAD_DELAY=0.02", "--set", "CONCURRENT_REQUESTS=2", "--jobdir", str(job)]
        process = subprocess.Popen(
            [sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url, "--edition",
             "ru", *slow],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
        wait_for_articles(process, db, 30)
        process.send_signal(signal.SIGKILL)
        process.wait()
        mark = len(site.requests)
        result = crawl(db, base_url, "--jobdir", str(job))
        assert result.returncode == 0, result.stderr[-2000:]
        fetched = [path for path, _ in article_fetches(site, mark)]
    assert len(fetched) == len(set(fetched))
    assert len(article_records(db)) == 120



def _grandchildren(pid: int) -> list[int]:
    """The processes started by the processes a process started (read from /proc): a crawl's
    parse workers, children of its fork server."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return [grandchild for child in children.get(pid, []) for grandchild in children.get(child, [])]


def test_parse_workers_killed_mid_run_make_the_run_say_so(tmp_path):
    """The parse workers die (the OOM killer, a parser that crashes them): the articles they could not
    parse are failures the run counts and names, not a run 'finished' with them silently missing (a
    spider error left the run finished, exit 0); the next run archives them."""
    site = SampleSite(articles=60)
    with serving(site) as base_url:
        db = tmp_path / "caravan.db"
        process = subprocess.Popen(
            [sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url,
             "--edition", "ru", "--set", "CARAVAN_PARSE_WORKERS=2", "--set", "DOWNLOAD_DELAY=0.05",
             "--set", "CONCURRENT_REQUESTS=1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        wait_for_articles(process, db, 5)
        workers = _grandchildren(process.pid)
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        out, err = process.communicate(timeout=120)
        run = run_row(db, 1)
        again = crawl(db, base_url)
    assert process.returncode != 0, err[-2000:]
    assert run["status"] in ("incomplete", "failed") and run["errors_by_kind"]["parse_error"] >= 1
    assert 5 <= run["articles_new"] < 60
    assert "could not be parsed" in err and "Traceback" not in err
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(article_records(db)) == 60


def test_ctrl_c_ends_the_run_as_interrupted(tmp_path):
    site = SampleSite(articles=120)
    with serving(site) as base_url:
        db = tmp_path / "caravan.db"
        process = subprocess.Popen(
            [sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url,
             "--edition", "ru", "--set", "DOWNLOAD_DELAY=0.05", "--set", "CONCURRENT_REQUESTS=1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        wait_for_articles(process, db, 10)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    run = run_row(db, 1)
    assert run["status"] == "interrupted"
    assert 10 <= run["articles_new"] < 120
    assert "Crawl run 1 interrupted" in out


def test_an_unreadable_sitemap_of_the_kazakh_edition_is_the_kazakh_editions_problem(tmp_path):
    """Coverage and problems are told per edition: a kk sitemap that fails must not be counted as ru's."""
    site = SampleSite(articles=8, edition="kk")
    with serving_faults(site) as (base_url, faults):
        faults["/post-sitemap.xml"] = status(500)
        db = tmp_path / "caravan.db"
        result = crawl(db, f"kk={base_url}", "--edition", "kk", *QUICK_RETRIES)
    assert result.returncode == 4, result.stderr[-2000:]
    assert rows(db, "SELECT source, kind, edition FROM crawl_problems WHERE run_id = 1") == [
        {"source": "sitemap", "kind": "http_500", "edition": "kk"}]
